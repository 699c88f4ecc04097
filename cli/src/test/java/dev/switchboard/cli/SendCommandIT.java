package dev.switchboard.cli;

import dev.switchboard.devstack.FreePorts;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code switchboard send} against a running embedded stack, as a user runs it. */
class SendCommandIT {

    @TempDir
    static Path dataDir;
    static CliStack cli;

    @BeforeAll
    static void start() {
        cli = new CliStack(dataDir);
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    static CliStack.Run run(Map<String, String> config, String... args) {
        return CliStack.run(config, args);
    }

    @Test
    void sendPrintsTheAnswerAndHowItWasProduced() {
        CliStack.Run run = cli.run("send", "What is 2+2?", "--tenant", "cli-test", "--strategy", "static");

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
        cli.stack.simulator().setFaults("sim-flaky", new Faults(1.0, 0, 1, 2, Map.of(500, 1.0)));
        try {
            CliStack.Run run = cli.run("send", "Hello", "--provider", "sim-flaky");

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.out()).containsPattern("status\\s+FAILED\\n");
            assertThat(run.out()).contains("SERVER_ERROR: all 1 steps of the plan failed");
        } finally {
            cli.stack.simulator().setFaults("sim-flaky", new Faults(0, 0, 1, 2, Map.of(500, 1.0)));
        }
    }

    @Test
    void anUnknownProviderIsAnsweredAtOnce() {
        CliStack.Run run = cli.run("send", "Hello", "--provider", "gpt-9", "--timeout", "20s");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("UNKNOWN_PROVIDER: preferredProviders names 'gpt-9'");
        assertThat(run.out()).containsPattern("provider\\s+none \\(no provider was called\\)\n")
                .containsPattern("model\\s+none\n").doesNotContain("null");
    }

    @Test
    void aStackThatIsNotRunningIsAClearError() {
        Map<String, String> nowhere = Map.of(SwitchboardConfig.BOOTSTRAP_SERVERS, "localhost:" + FreePorts.any());

        CliStack.Run run = run(nowhere, "send", "What is 2+2?");

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).contains("Cannot reach Kafka at localhost:").contains("Start it with: bin/switchboard dev");
    }

    @Test
    void topicsListsTheCatalogueWithRecordsAndLag() {
        assertThat(cli.run("send", "What is 1+2?").exitCode()).isEqualTo(0);

        CliStack.Run topics = cli.run("topics");

        assertThat(topics.exitCode()).isEqualTo(0);
        assertThat(topics.out()).containsPattern("^TOPIC\\s+PARTITIONS\\s+RECORDS\\s+GROUP LAG\n");
        assertThat(topics.out()).containsPattern("llm.requests\\s+3\\s+[1-9]\\d*\\s+switchboard-planner=\\d+\n");
        assertThat(topics.out()).containsPattern("llm.plans\\s+3\\s+[1-9]\\d*\\s+switchboard-router=\\d+\n");
        assertThat(topics.out()).containsPattern("llm.tasks.sim-fast\\s+3\\s+[1-9]");
        assertThat(topics.out()).doesNotContain("__consumer_offsets");
    }

    @Test
    void benchPipelineMeasuresEveryRequestItSends() {
        CliStack.Run bench = cli.run("bench", "pipeline", "--rate", "20/s", "--duration", "2s", "--warmup", "1s",
                "--set", "dev.simulator.port=" + cli.stack.simulator().port());

        assertThat(bench.exitCode()).isEqualTo(0);
        assertThat(bench.out()).containsPattern("sent\\s+60\n").containsPattern("answered\\s+60\n")
                .containsPattern("latency p99\\s+\\d+\\.\\d\\d ms\n").containsPattern("measured\\s+40 replies\n")
                .contains("the planner's choice of [sim-fast, sim-strong, sim-flaky] (0 ms), 1000 distinct prompts")
                .containsPattern("machine CPU per request\\s+\\d+\\.\\d\\d ms \\(all processes");
        // Every provider's faults are put back as they were: sim-flaky fails again.
        assertThat(cli.stack.simulator().faults("sim-fast").latencyP50Ms()).isEqualTo(40.0);
        assertThat(cli.stack.simulator().faults("sim-flaky").errorRate()).isEqualTo(0.30);
    }

    @Test
    void benchPipelineSplitsTheTimeOfASlowProviderIntoHops() {
        CliStack.Run bench = cli.run("bench", "pipeline", "--rate", "20/s", "--duration", "2s", "--warmup", "1s",
                "--provider", "sim-fast", "--provider-latency", "300ms", "--set", "dev.simulator.port=" + cli.stack.simulator().port());

        assertThat(bench.exitCode()).isEqualTo(0);
        assertThat(bench.out()).contains("20 requests/s to sim-fast (300 ms)").containsPattern("hops measured\\s+40 requests\n");
        java.util.regex.Matcher call = java.util.regex.Pattern.compile("hop call\\s+p50 (\\d+) ms").matcher(bench.out());
        assertThat(call.find()).as(bench.out()).isTrue();
        assertThat(Integer.parseInt(call.group(1))).isBetween(300, 1_000);
        java.util.regex.Matcher total = java.util.regex.Pattern.compile("latency p50\\s+(\\d+)\\.").matcher(bench.out());
        assertThat(total.find()).isTrue();
        assertThat(Integer.parseInt(total.group(1))).isGreaterThanOrEqualTo(300);
        assertThat(bench.out()).containsPattern("hop request → plan\\s+p50 \\d+ ms, p99 \\d+ ms\n")
                .containsPattern("hop task → call start\\s+p50 \\d+ ms").containsPattern("hop call end → reply consumed\\s+p50 \\d+ ms");
        assertThat(cli.stack.simulator().faults("sim-fast").latencyP50Ms()).isEqualTo(40.0);
    }

    @Test
    void benchPipelineFindMaxStepsTheRateUpAndPrintsTheHighestHeld() {
        CliStack.Run bench = cli.run("bench", "pipeline", "--find-max", "--rate", "8/s", "--up-to", "12/s", "--duration", "1s",
                "--warmup", "1s", "--set", "dev.simulator.port=" + cli.stack.simulator().port());

        assertThat(bench.exitCode()).as(bench.out() + bench.err()).isEqualTo(0);
        // 8/s, then a quarter more (10/s); 13/s would pass --up-to. Every request is answered at both.
        assertThat(bench.out()).containsPattern("\n8/s\\s+\\d+\\.\\d\\d ms\\s+\\d+\\.\\d\\d ms\\s+16\\s+\\S+ ms\\s+held\n")
                .containsPattern("\n10/s\\s+.*\\s+20\\s+\\S+ ms\\s+held\n").doesNotContain("13/s").doesNotContain("unanswered")
                .containsPattern("highest rate held\\s+10/s\n");
    }

    @Test
    void benchWorkersRunsABacklogAndCountsTheCallsInFlight() {
        CliStack.Run bench = cli.run("bench", "workers", "--tasks", "60", "--provider", "sim-strong", "--provider-latency", "300ms",
                "--set", "dev.simulator.port=" + cli.stack.simulator().port());

        assertThat(bench.exitCode()).as(bench.out() + bench.err()).isEqualTo(0);
        assertThat(bench.out()).contains("60 tasks published at once to llm.tasks.sim-strong (300 ms)")
                .containsPattern("attempts\\s+60 of 60\n").containsPattern("queue wait p99\\s+\\d+ ms\n");
        java.util.regex.Matcher inFlight = java.util.regex.Pattern.compile("max calls in flight\\s+(\\d+)\n").matcher(bench.out());
        assertThat(inFlight.find()).isTrue();
        assertThat(Integer.parseInt(inFlight.group(1))).isBetween(2, 60);
        assertThat(cli.stack.simulator().faults("sim-strong").latencyP50Ms()).isNotEqualTo(300.0);
    }

    @Test
    void benchHttpMeasuresAnOpenAiCompatibleEndpoint() {
        String url = "http://127.0.0.1:" + cli.stack.simulator().port() + "/sim-fast/v1/chat/completions";
        // bench http needs no stack settings: no --set options.
        CliStack.Run bench = CliStack.run(Map.of(), "bench", "http", "--url", url, "-H", "Authorization: Bearer sk-test",
                "--rate", "20/s", "--duration", "2s", "--warmup", "1s");

        assertThat(bench.exitCode()).as(bench.out() + bench.err()).isEqualTo(0);
        assertThat(bench.out()).containsPattern("sent\\s+60\n").containsPattern("answered\\s+60\n")
                .containsPattern("measured\\s+40 replies\n").containsPattern("latency p50\\s+\\d+\\.\\d\\d ms\n");

        CliStack.Run refused = CliStack.run(Map.of(), "bench", "http", "--url", "http://127.0.0.1:" + cli.stack.simulator().port()
                + "/sim-nope/v1/chat/completions", "--rate", "20/s", "--duration", "1s", "--warmup", "0s");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.out()).containsPattern("answered\\s+20 \\(20 FAILED: \\{HTTP 404=20}\\)");
        assertThat(CliStack.run(Map.of(), "bench", "http", "--url", url, "-H", "no-colon").err()).contains("--header 'no-colon' is not NAME:VALUE");
    }

    @Test
    void tokenPrintsATokenOfTheDevIssuerThatTheHttpApiAccepts() throws Exception {
        CliStack.Run token = cli.run("token", "--tenant", "acme", "--role", "analyst", "--role", "ops");

        assertThat(token.exitCode()).as(token.err()).isEqualTo(0);
        String jwt = token.out().strip();
        dev.switchboard.platform.auth.Principal principal =
                new dev.switchboard.platform.auth.TokenVerifier(cli.stack.config().security()).verify(jwt);
        assertThat(principal.tenant()).isEqualTo("acme");
        assertThat(principal.roles()).containsExactlyInAnyOrder("analyst", "ops");
        assertThat(principal.subject()).isEqualTo("switchboard-cli");
        java.net.http.HttpResponse<String> models = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://localhost:" + cli.stack.healthPort() + "/v1/models"))
                .header("Authorization", "Bearer " + jwt).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).isEqualTo(200);

        CliStack.Run noIssuer = run(Map.of(SwitchboardConfig.SECURITY_ISSUER, "http://localhost:" + FreePorts.any() + "/nobody"), "token");
        assertThat(noIssuer.exitCode()).isEqualTo(1);
        assertThat(noIssuer.err()).contains("cannot be reached").contains("security.issuer");
    }

    @Test
    void auditVerifyFindsTheChainsIntactThenATamperedRecord() throws Exception {
        // Refused twice: over HTTP without a token (the edge's chain), on Kafka with a token that is no JWT (the planner's).
        java.net.http.HttpResponse<String> refused = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://localhost:" + cli.stack.healthPort() + "/v1/models")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        CliStack.Run forged = cli.run("send", "What is 1+1?", "--set", SwitchboardConfig.SECURITY_TOKEN + "=not-a-jwt");
        assertThat(forged.exitCode()).isEqualTo(1);
        assertThat(forged.out() + forged.err()).contains("UNAUTHENTICATED");

        // Each chain also begins with what was in force at start: the configuration (config-*), the policy (edge, planner,
        // and the simulator's fault endpoint).
        CliStack.Run intact = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> cli.run("audit", "verify"), r -> r.out().contains("6 chained record(s)"));
        assertThat(intact.exitCode()).as(intact.out() + intact.err()).isEqualTo(0);
        assertThat(intact.out()).containsPattern("edge-\\w{8}\\s+2\\s").containsPattern("planner-\\w{8}\\s+2\\s")
                .containsPattern("config-\\w{8}\\s+1\\s").containsPattern("simulator-\\w{8}\\s+1\\s")
                .contains("4 chain(s), 6 chained record(s): intact.");

        // Someone with write access to llm.audit rewrites the edge's record: a copy whose actor is changed.
        var config = cli.stack.config();
        var clients = new dev.switchboard.platform.kafka.KafkaClients(config.bootstrapServers());
        var codec = new dev.switchboard.platform.kafka.Codec(new dev.switchboard.schemas.registry.SchemaRegistryClient(config.schemaRegistryUrl()));
        var original = dev.switchboard.platform.kafka.TopicReader.readToEnd(clients, java.util.List.of("llm.audit"),
                r -> new String(r.key(), java.nio.charset.StandardCharsets.UTF_8).startsWith("edge-")).getFirst();
        dev.switchboard.avro.AuditEvent event = codec.decode(dev.switchboard.platform.kafka.Topics.AUDIT, original.value());
        try (var producer = clients.producer("it-tamper")) {
            producer.send(codec.record(dev.switchboard.platform.kafka.Topics.AUDIT, new String(original.key(),
                    java.nio.charset.StandardCharsets.UTF_8), dev.switchboard.avro.AuditEvent.newBuilder(event).setActor("nobody").build())).get();
        }

        CliStack.Run broken = cli.run("audit", "verify");
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.out()).contains("BROKEN: record 1 at partition " + original.partition())
                .contains("was changed: its hash is not its content's").contains("1 broken.");
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(run(Map.of(), "send", "x", "--timeout", "soon").err()).contains("'soon' is not a duration");
        assertThat(run(Map.of(), "send", "x", "--set", "topics.partitions=0").exitCode()).isEqualTo(2);
    }

    @Test
    void enumeratedOptionsRefuseATypoListingWhatIsAllowed() {
        CliStack.Run task = run(Map.of(), "send", "x", "--task", "cod");
        CliStack.Run stage = run(Map.of(), "dlq", "list", "--stage", "plannr");
        CliStack.Run replayStage = run(Map.of(), "dlq", "replay", "--stage", "plannr", "--dry-run");
        CliStack.Run errorClass = run(Map.of(), "dlq", "list", "--error-class", "servr_error");

        assertThat(task.exitCode()).isEqualTo(2);
        assertThat(task.err()).contains("--task must be one of code, math, multiple_choice, extraction, summarization, "
                + "translation, question, chat; got 'cod'");
        assertThat(stage.exitCode()).isEqualTo(2);
        assertThat(stage.err()).contains("--stage must be one of planner, router, provider-worker, analytics; got 'plannr'");
        assertThat(replayStage.exitCode()).isEqualTo(2);
        assertThat(errorClass.exitCode()).isEqualTo(2);
        assertThat(errorClass.err()).contains("--error-class must be one of ").contains(", SERVER_ERROR, ")
                .contains(", UNKNOWN_MAGIC_BYTE, ").contains(", INVALID_REQUEST, ").contains(" (any case); got 'servr_error'");
        assertThat(run(Map.of(), "send", "--help").out()).contains("Task hint, one of: code, math, multiple_choice");
    }
}
