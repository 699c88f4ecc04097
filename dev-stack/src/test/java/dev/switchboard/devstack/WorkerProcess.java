package dev.switchboard.devstack;

import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.provider.WorkersMain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A workers process of its own ({@link WorkersMain}) against a test stack, which a chaos test can kill. */
final class WorkerProcess {

    private WorkerProcess() {
    }

    /**
     * A config file in {@code dir} for workers on {@code stack}'s cluster, registry and simulated
     * providers, with {@code settings} added.
     */
    static Path config(Path dir, String name, SwitchboardConfig stack, Map<String, String> settings) throws IOException {
        Map<String, String> all = new TreeMap<>(settings);
        all.put("kafka.bootstrap.servers", stack.bootstrapServers());
        all.put("schema.registry.url", stack.schemaRegistryUrl());
        for (String p : List.of("sim-fast", "sim-strong", "sim-flaky")) {
            all.put("provider." + p + ".base.url", stack.provider(p).baseUrl());
        }
        List<String> lines = new ArrayList<>();
        all.forEach((k, v) -> lines.add(k + "=" + v));
        Path file = dir.resolve(name + ".properties");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    /** Starts a workers process on {@code config}, its output in {@code name}.log next to it. */
    static Process start(Path config, String name) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), WorkersMain.class.getName(),
                "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(config.resolveSibling(name + ".log").toFile())
                .start();
    }
}
