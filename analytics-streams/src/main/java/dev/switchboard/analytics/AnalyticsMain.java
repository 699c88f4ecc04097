package dev.switchboard.analytics;

import dev.switchboard.platform.ServiceContext;
import dev.switchboard.platform.ServiceLauncher;
import dev.switchboard.platform.config.SwitchboardConfig;

/** Runs analytics alone: {@code java dev.switchboard.analytics.AnalyticsMain [--config FILE]}. */
public final class AnalyticsMain {

    private AnalyticsMain() {
    }

    public static void main(String[] args) {
        ServiceLauncher.run("analytics", args, AnalyticsMain::start);
    }

    /** Starts scoring and, when enabled, the ClickHouse sink against the stack {@code config} names. */
    public static AnalyticsService start(SwitchboardConfig config) {
        ServiceContext context = ServiceContext.connect(config);
        return new AnalyticsService(config, context.clients(), context.codec()).start();
    }
}
