package dev.switchboard.cli;

import dev.switchboard.devstack.DevStack;
import dev.switchboard.platform.config.SwitchboardConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Run the embedded stack: a Kafka broker, a Schema Registry, the provider simulator "
                + "and the planner, router and worker pools, in this process, until Ctrl-C.",
                "Data (topics, offsets, schemas) is kept in the data folder and survives restarts."})
final class DevCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--infra-only", description = "Start only the broker, registry and simulator; run services with 'bin/switchboard run'.")
    boolean infraOnly;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where to keep the stack's data (default: the setting dev.data.dir, else .switchboard).")
    Path dataDir;

    @Option(names = "--restore", paramLabel = "BACKUP",
            description = "Restore this backup (switchboard backup create) into the new data folder before anything else "
                    + "starts; the folder must hold no data yet.")
    Path restore;

    @Option(names = "--skip-clickhouse", description = "With --restore: restore the topics alone, not the backup's ClickHouse "
            + "analytics tables (needed when the stack runs no ClickHouse: --infra-only, or clickhouse-server not installed).")
    boolean skipClickHouse;

    /** The settings the options give: {@code --data-dir} only when given, so that {@code --set dev.data.dir} and the environment count. */
    Map<String, String> overrides() {
        Map<String, String> overrides = new HashMap<>();
        if (dataDir != null) {
            overrides.put(SwitchboardConfig.DATA_DIR, dataDir.toString());
        }
        return overrides;
    }

    @Override
    public Integer call() throws InterruptedException {
        SwitchboardConfig cfg = config.load(overrides());
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("Kafka", cfg.kafkaPort());
        ports.put("KRaft controller", cfg.kafkaControllerPort());
        ports.put("Schema Registry", cfg.registryPort());
        ports.put("provider simulator", cfg.simulatorPort());
        if (!infraOnly && cfg.analytics().enabled() && cfg.analytics().clickhouseEnabled()
                && dev.switchboard.devstack.clickhouse.LocalClickHouse.command().isPresent()) {
            ports.put("ClickHouse", cfg.analytics().devClickhousePort());
            ports.put("ClickHouse native protocol", cfg.analytics().devClickhouseTcpPort());
        }
        ports.forEach(DevCommand::requireFree);

        System.out.println("Starting Switchboard" + (infraOnly ? " infrastructure" : "") + " ...");
        long start = System.nanoTime();
        DevStack stack;
        try {
            stack = restore == null ? DevStack.start(cfg, infraOnly) : DevStack.start(cfg, infraOnly, () -> BackupCommand.restore(cfg, restore,
                    DevStack.runsClickHouse(cfg, infraOnly), skipClickHouse));
        } catch (CliException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CliException("the stack did not start: " + e.getMessage(), 1);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nStopping Switchboard ...");
            stack.close();
            System.out.println("Stopped. Data kept in " + cfg.dataDir().toAbsolutePath());
            stopped.countDown();
        }, "switchboard-dev-shutdown"));

        System.out.printf("Switchboard is up in %.1f s.%n%n", (System.nanoTime() - start) / 1e9);
        System.out.print(Table.of(stack.endpoints()));
        System.out.println();
        if (infraOnly) {
            System.out.println("Start services in other terminals: bin/switchboard run planner | router | workers [--provider P]");
        } else {
            System.out.println("Try:  bin/switchboard send \"What is 2+2?\"");
        }
        System.out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

    private static void requireFree(String what, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("0.0.0.0", port));
        } catch (IOException e) {
            throw new CliException("port " + port + " for the " + what + " is in use. Is another Switchboard dev stack "
                    + "running? Stop it, or choose other ports with --set dev.kafka.port=... (see README).", 1);
        }
    }
}
