package dev.switchboard.cli;

import dev.switchboard.analytics.AnalyticsMain;
import dev.switchboard.planner.PlannerMain;
import dev.switchboard.platform.Service;
import dev.switchboard.platform.ServiceLauncher;
import dev.switchboard.platform.telemetry.Telemetry;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.provider.WorkersMain;
import dev.switchboard.router.RouterMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run one service as its own process against a running stack, as it would be deployed.",
                "Several 'run workers --provider P' processes share the partitions of P's task topic (consumer group "
                        + "switchboard-workers-P), up to topics.partitions processes."})
final class RunCommand implements Callable<Integer> {

    enum Kind { planner, router, workers, analytics }

    @Parameters(index = "0", paramLabel = "SERVICE", description = "One of: ${COMPLETION-CANDIDATES}.")
    Kind service;

    @Option(names = {"-p", "--provider"}, paramLabel = "P", split = ",",
            description = "For workers: the providers to run pools for (default: all configured).")
    List<String> providers = new ArrayList<>();

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        if (!providers.isEmpty() && service != Kind.workers) {
            throw new CliException("--provider applies to 'run workers' only", 2);
        }
        Map<String, String> overrides = new HashMap<>();
        if (!providers.isEmpty()) {
            overrides.put(SwitchboardConfig.WORKER_PROVIDERS, String.join(",", providers));
        }
        SwitchboardConfig cfg = config.load(overrides);
        Service running;
        AutoCloseable telemetry;
        try {
            telemetry = Telemetry.start(cfg, "switchboard-" + service);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        }
        try {
            running = switch (service) {
                case planner -> PlannerMain.start(cfg);
                case router -> RouterMain.start(cfg);
                case workers -> WorkersMain.start(cfg);
                case analytics -> AnalyticsMain.start(cfg);
            };
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage(), 3);
        }
        ServiceLauncher.runUntilStopped(service + (service == Kind.workers ? " for " + cfg.workerProviders() : ""), cfg, running, telemetry);
        return 0;
    }
}
