package dev.switchboard.router;

import dev.switchboard.platform.ServiceContext;
import dev.switchboard.platform.ServiceLauncher;
import dev.switchboard.platform.config.SwitchboardConfig;

/** Runs the router alone: {@code java dev.switchboard.router.RouterMain [--config FILE]}. */
public final class RouterMain {

    private RouterMain() {
    }

    public static void main(String[] args) {
        ServiceLauncher.run("router", args, RouterMain::start);
    }

    /** Starts the router against the cluster and registry {@code config} names. */
    public static RouterService start(SwitchboardConfig config) {
        ServiceContext context = ServiceContext.connect(config);
        return new RouterService(config, context.clients(), context.codec()).start();
    }
}
