package dev.switchboard.planner;

import dev.switchboard.platform.ServiceContext;
import dev.switchboard.platform.ServiceLauncher;
import dev.switchboard.platform.config.SwitchboardConfig;

/** Runs the planner alone: {@code java dev.switchboard.planner.PlannerMain [--config FILE]}. */
public final class PlannerMain {

    private PlannerMain() {
    }

    public static void main(String[] args) {
        ServiceLauncher.run("planner", args, PlannerMain::start);
    }

    /** Starts the planner against the cluster and registry {@code config} names. */
    public static PlannerService start(SwitchboardConfig config) {
        ServiceContext context = ServiceContext.connect(config);
        return new PlannerService(config, context.clients(), context.codec()).start();
    }
}
