package dev.switchboard.platform;

import dev.switchboard.platform.config.ConfigLoader;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.HealthServer;
import dev.switchboard.platform.telemetry.Telemetry;
import org.apache.kafka.common.config.ConfigException;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The {@code main} of every service: {@code [--config FILE]}, settings from the file and
 * {@code SWITCHBOARD_*} environment variables, health endpoints on {@code health.port}, run until
 * SIGINT/SIGTERM, close cleanly.
 */
public final class ServiceLauncher {

    private ServiceLauncher() {
    }

    public static void run(String name, String[] args, Function<SwitchboardConfig, ? extends Service> start) {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            if (("--config".equals(args[i]) || "-c".equals(args[i])) && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else if ("--help".equals(args[i]) || "-h".equals(args[i])) {
                System.out.println("Usage: " + name + " [--config FILE]\nRuns the " + name
                        + " service until interrupted. Settings: the file, then SWITCHBOARD_* environment variables.");
                return;
            } else {
                System.err.println(name + ": unknown argument '" + args[i] + "'. Usage: " + name + " [--config FILE]");
                System.exit(2);
            }
        }
        SwitchboardConfig config;
        try {
            config = ConfigLoader.load(configFile, Map.of());
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println(name + ": invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        Service service;
        AutoCloseable telemetry;
        try {
            telemetry = Telemetry.start(config, "switchboard-" + name);
        } catch (IllegalArgumentException e) {
            System.err.println(name + ": invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            service = start.apply(config);
        } catch (RuntimeException e) {
            System.err.println(name + ": cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        runUntilStopped(name, config, service, telemetry);
    }

    /**
     * Serves {@code service}'s health, says where, and blocks until SIGINT/SIGTERM has closed it and
     * then {@code telemetry} (which flushes the spans not yet exported).
     */
    public static void runUntilStopped(String name, SwitchboardConfig config, Service service, AutoCloseable telemetry) {
        HealthServer health = service.httpPort() >= 0 ? null
                : HealthServer.onPortOrFree(config.healthPort(), service.healthChecks()).start();
        System.out.println(name + " running against " + config.bootstrapServers() + "; health at http://localhost:"
                + (health == null ? service.httpPort() : health.port()) + "/health/ready. Press Ctrl-C to stop.");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (health != null) {
                    health.close();
                }
                service.close();
                telemetry.close();
            } catch (Exception e) {
                System.err.println(name + ": error while stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, name + "-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
