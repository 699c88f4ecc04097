package dev.switchboard.cli;

import dev.switchboard.devstack.DevStack;
import dev.switchboard.devstack.FreePorts;
import dev.switchboard.platform.config.SwitchboardConfig;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An embedded stack on free ports and a way to run {@code switchboard} commands against it in-process. */
final class CliStack implements AutoCloseable {

    record Run(int exitCode, String out, String err) {
    }

    final DevStack stack;
    final Map<String, String> settings;

    CliStack(Path dataDir) {
        this(dataDir, false);
    }

    /** With {@code analytics}, the stack also runs scoring, a clickhouse-server and the sink. */
    CliStack(Path dataDir, boolean analytics) {
        this(dataDir, analytics, null);
    }

    /** With {@code restore}, the backup is restored into the new stack as {@code dev --restore} does. */
    CliStack(Path dataDir, boolean analytics, Path restore) {
        this(dataDir, analytics, restore, Map.of());
    }

    /** As {@link #CliStack(Path, boolean, Path)}, with {@code extra} settings. */
    CliStack(Path dataDir, boolean analytics, Path restore, Map<String, String> extra) {
        settings = FreePorts.stack(dataDir);
        settings.putAll(extra);
        settings.put(SwitchboardConfig.ANALYTICS_ENABLED, Boolean.toString(analytics));
        for (String p : List.of("sim-fast", "sim-strong", "sim-flaky")) {
            settings.put("provider." + p + ".base.url", FreePorts.simulatorUrl(settings, p));
        }
        SwitchboardConfig config = SwitchboardConfig.withOverrides(settings);
        stack = restore == null ? DevStack.start(config, false) : DevStack.start(config, false, () -> BackupCommand.restore(config, restore,
                DevStack.runsClickHouse(config, false), false));
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
