package dev.switchboard.router;

import dev.switchboard.platform.Service;
import dev.switchboard.platform.ServiceContext;
import dev.switchboard.platform.ServiceLauncher;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.router.edge.Edge;

import java.util.ArrayList;
import java.util.List;

/** Runs the router alone: {@code java dev.switchboard.router.RouterMain [--config FILE]}. */
public final class RouterMain {

    private RouterMain() {
    }

    public static void main(String[] args) {
        ServiceLauncher.run("router", args, RouterMain::start);
    }

    /**
     * Starts the router against the cluster and registry {@code config} names, and its HTTP API on
     * {@code health.port} unless {@code edge.enabled=false}.
     */
    public static Service start(SwitchboardConfig config) {
        ServiceContext context = ServiceContext.connect(config);
        RouterService router = new RouterService(config, context.clients(), context.codec()).start();
        if (!config.edge().enabled()) {
            return router;
        }
        try {
            Edge edge = new Edge(config, context.clients(), context.codec(), router.healthChecks()).start();
            return new Service() {
                @Override
                public List<HealthCheck> healthChecks() {
                    List<HealthCheck> checks = new ArrayList<>(router.healthChecks());
                    checks.add(edge.healthCheck());
                    return checks;
                }

                @Override
                public int httpPort() {
                    return edge.port();
                }

                @Override
                public void close() {
                    edge.close();
                    router.close();
                }
            };
        } catch (RuntimeException e) {
            router.close();
            throw e;
        }
    }
}
