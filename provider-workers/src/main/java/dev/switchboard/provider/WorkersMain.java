package dev.switchboard.provider;

import dev.switchboard.platform.ServiceContext;
import dev.switchboard.platform.ServiceLauncher;
import dev.switchboard.platform.config.SwitchboardConfig;

/**
 * Runs worker pools alone: {@code java dev.switchboard.provider.WorkersMain [--config FILE]}; which
 * providers is set by {@code workers.providers} (all when empty).
 */
public final class WorkersMain {

    private WorkersMain() {
    }

    public static void main(String[] args) {
        ServiceLauncher.run("workers", args, WorkersMain::start);
    }

    /** Starts the workers against the cluster and registry {@code config} names. */
    public static WorkersService start(SwitchboardConfig config) {
        ServiceContext context = ServiceContext.connect(config);
        return new WorkersService(config, context.clients(), context.codec()).start();
    }
}
