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

    enum Kind { planner, router, workers, analytics, replayer, idp, simulator }

    @Parameters(index = "0", paramLabel = "SERVICE", description = "One of: ${COMPLETION-CANDIDATES}. replayer replays dead "
            + "letters of provider failures once the provider answers again (dlq.auto.replay.*; run one per cluster). idp (the dev OAuth2 "
            + "issuer, on dev.idp.port) and simulator (the simulated providers, on simulator.port) are the embedded stack's "
            + "development stand-ins, run on their own for docker-compose: never expose them beyond a development machine.")
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
                case idp -> standIn("dev-idp", dev.switchboard.devstack.idp.DevIdentityProvider.start(wildcard(),
                        cfg.security().devIdpPort(), cfg.dataDir().resolve("idp").resolve("signing-key.json"),
                        cfg.security().audience(), cfg.security().tenantClaim(), cfg.security().rolesClaim()));
                case replayer -> {
                    dev.switchboard.platform.ServiceContext context = dev.switchboard.platform.ServiceContext.connect(cfg);
                    yield new dev.switchboard.provider.AutoReplay(cfg, context.clients(), context.codec()).start();
                }
                case simulator -> simulator(cfg);
            };
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage(), 3);
        }
        ServiceLauncher.runUntilStopped(service + (service == Kind.workers ? " for " + cfg.workerProviders() : ""), cfg, running, telemetry);
        return 0;
    }

    /** The simulated providers, their fault endpoint guarded and audited when security is on (as in the embedded stack). */
    private static Service simulator(SwitchboardConfig cfg) {
        dev.switchboard.devstack.simulator.ProviderSimulator simulator = new dev.switchboard.devstack.simulator.ProviderSimulator(
                cfg.simulatedProviders(), cfg.simulatorSeed(), cfg.simulatorPort());
        List<AutoCloseable> parts = new ArrayList<>();
        if (cfg.security().enabled()) {
            dev.switchboard.platform.ServiceContext context = dev.switchboard.platform.ServiceContext.connect(cfg);
            dev.switchboard.platform.audit.AuditLog audit = new dev.switchboard.platform.audit.AuditLog(context.clients(), context.codec(),
                    "simulator");
            parts.add(audit);
            simulator.guard(new dev.switchboard.devstack.simulator.FaultsGuard(cfg.security(), audit));
        }
        parts.addFirst(simulator.start()::close);
        return standIn("simulator", () -> {
            for (AutoCloseable part : parts) {
                part.close();
            }
        });
    }

    /** A development stand-in as a service: up while its process runs, closed when it stops. */
    private static Service standIn(String name, AutoCloseable running) {
        return new Service() {
            @Override
            public List<dev.switchboard.platform.health.HealthCheck> healthChecks() {
                return List.of(new dev.switchboard.platform.health.HealthCheck() {
                    @Override
                    public String name() {
                        return name;
                    }

                    @Override
                    public dev.switchboard.platform.health.Health check() {
                        return new dev.switchboard.platform.health.Health(true, Map.of());
                    }
                });
            }

            @Override
            public void close() {
                try {
                    running.close();
                } catch (Exception e) {
                    throw new IllegalStateException(name + " did not stop cleanly: " + e.getMessage(), e);
                }
            }
        };
    }

    /** Every interface of the host (a container's), so that other containers reach it. */
    private static java.net.InetAddress wildcard() {
        try {
            return java.net.InetAddress.getByName("0.0.0.0");
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
