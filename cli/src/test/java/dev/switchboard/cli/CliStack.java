package dev.switchboard.cli;

import dev.switchboard.devstack.DevStack;
import dev.switchboard.platform.config.SwitchboardConfig;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An embedded stack on free ports and a way to run {@code switchboard} commands against it in-process. */
final class CliStack implements AutoCloseable {

    record Run(int exitCode, String out, String err) {
    }

    final DevStack stack;
    final Map<String, String> settings;

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    CliStack(Path dataDir) {
        this(dataDir, false);
    }

    /** With {@code analytics}, the stack also runs scoring, a clickhouse-server and the sink. */
    CliStack(Path dataDir, boolean analytics) {
        int kafka = freePort();
        int registry = freePort();
        int simulator = freePort();
        settings = new HashMap<>();
        settings.put(SwitchboardConfig.DATA_DIR, dataDir.toString());
        settings.put(SwitchboardConfig.KAFKA_PORT, Integer.toString(kafka));
        settings.put(SwitchboardConfig.KAFKA_CONTROLLER_PORT, Integer.toString(freePort()));
        settings.put(SwitchboardConfig.REGISTRY_PORT, Integer.toString(registry));
        settings.put(SwitchboardConfig.SIMULATOR_PORT, Integer.toString(simulator));
        settings.put(SwitchboardConfig.HEALTH_PORT, "0");
        settings.put(SwitchboardConfig.ANALYTICS_ENABLED, Boolean.toString(analytics));
        int clickhouse = freePort();
        settings.put(SwitchboardConfig.DEV_CLICKHOUSE_PORT, Integer.toString(clickhouse));
        settings.put(SwitchboardConfig.DEV_CLICKHOUSE_TCP_PORT, Integer.toString(freePort()));
        settings.put(SwitchboardConfig.CLICKHOUSE_URL, "http://localhost:" + clickhouse);
        settings.put(SwitchboardConfig.BOOTSTRAP_SERVERS, "localhost:" + kafka);
        settings.put(SwitchboardConfig.SCHEMA_REGISTRY_URL, "http://localhost:" + registry);
        for (String p : List.of("sim-fast", "sim-strong", "sim-flaky")) {
            settings.put("provider." + p + ".base.url", "http://localhost:" + simulator + "/" + p + "/v1");
        }
        stack = DevStack.start(SwitchboardConfig.withOverrides(settings), false);
    }

    /** Runs {@code switchboard ARGS} with this stack's settings. */
    Run run(String... args) {
        return run(settings, args);
    }

    static Run run(Map<String, String> config, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        config.forEach((k, v) -> {
            if (!k.startsWith("dev.") && !k.startsWith("simulator.")) {
                all.add("--set");
                all.add(k + "=" + v);
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream original = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = SwitchboardCli.commandLine();
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(all.toArray(String[]::new));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(original);
            System.setErr(originalErr);
        }
    }

    @Override
    public void close() {
        stack.close();
    }
}
