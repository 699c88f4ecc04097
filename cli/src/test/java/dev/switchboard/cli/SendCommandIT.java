package dev.switchboard.cli;

import dev.switchboard.devstack.DevStack;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code switchboard send} against a running embedded stack, as a user runs it. */
class SendCommandIT {

    @TempDir
    static Path dataDir;
    static DevStack stack;
    static Map<String, String> settings;

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @BeforeAll
    static void start() throws IOException {
        int kafka = freePort();
        int registry = freePort();
        int simulator = freePort();
        settings = new HashMap<>();
        settings.put(SwitchboardConfig.DATA_DIR, dataDir.toString());
        settings.put(SwitchboardConfig.KAFKA_PORT, Integer.toString(kafka));
        settings.put(SwitchboardConfig.KAFKA_CONTROLLER_PORT, Integer.toString(freePort()));
        settings.put(SwitchboardConfig.REGISTRY_PORT, Integer.toString(registry));
        settings.put(SwitchboardConfig.SIMULATOR_PORT, Integer.toString(simulator));
        settings.put(SwitchboardConfig.BOOTSTRAP_SERVERS, "localhost:" + kafka);
        settings.put(SwitchboardConfig.SCHEMA_REGISTRY_URL, "http://localhost:" + registry);
        for (String p : List.of("sim-fast", "sim-strong", "sim-flaky")) {
            settings.put("provider." + p + ".base.url", "http://localhost:" + simulator + "/" + p + "/v1");
        }
        stack = DevStack.start(SwitchboardConfig.withOverrides(settings), false);
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    record Run(int exitCode, String out, String err) {
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
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = SwitchboardCli.commandLine();
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(all.toArray(String[]::new));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void sendPrintsTheAnswerAndHowItWasProduced() {
        Run run = run(settings, "send", "What is 2+2?", "--tenant", "cli-test");

        assertThat(run.exitCode()).isEqualTo(0);
        assertThat(run.out()).startsWith("2 + 2 = 4.\n");
        assertThat(run.out()).containsPattern("provider\\s+sim-fast\\n");
        assertThat(run.out()).containsPattern("model\\s+sim-fast-small\\n");
        assertThat(run.out()).containsPattern("attempts\\s+1\\n");
        assertThat(run.out()).containsPattern("tokens\\s+3 in / 3 out\\n");
        assertThat(run.out()).containsPattern("cost\\s+\\$0\\.00000225\\n");
        assertThat(run.out()).containsPattern("latency\\s+\\d+ ms");
    }

    @Test
    void aFailedRequestExitsWithOneAndSaysWhy() {
        stack.simulator().setFaults("sim-flaky", new Faults(1.0, 0, 1, 2, Map.of(500, 1.0)));
        try {
            Run run = run(settings, "send", "Hello", "--provider", "sim-flaky");

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.out()).containsPattern("status\\s+FAILED\\n");
            assertThat(run.out()).contains("SERVER_ERROR: all 1 steps of the plan failed");
        } finally {
            stack.simulator().setFaults("sim-flaky", new Faults(0, 0, 1, 2, Map.of(500, 1.0)));
        }
    }

    @Test
    void anUnknownProviderIsAnsweredAtOnce() {
        Run run = run(settings, "send", "Hello", "--provider", "gpt-9", "--timeout", "20s");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("UNKNOWN_PROVIDER: preferredProviders names 'gpt-9'");
    }

    @Test
    void aStackThatIsNotRunningIsAClearError() throws IOException {
        Map<String, String> nowhere = Map.of(SwitchboardConfig.BOOTSTRAP_SERVERS, "localhost:" + freePort());

        Run run = run(nowhere, "send", "What is 2+2?");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).contains("Cannot reach Kafka at localhost:").contains("Start it with: bin/switchboard dev");
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(run(Map.of(), "send", "x", "--timeout", "soon").err()).contains("'soon' is not a duration");
        assertThat(run(Map.of(), "send", "x", "--set", "topics.partitions=0").exitCode()).isEqualTo(2);
    }
}
