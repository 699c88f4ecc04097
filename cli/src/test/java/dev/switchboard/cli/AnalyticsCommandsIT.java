package dev.switchboard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.analytics.clickhouse.ClickHouseConnection;
import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code switchboard feedback} and {@code switchboard stats} against a stack with analytics and
 * ClickHouse, and what analytics count after a replay and a failover.
 */
class AnalyticsCommandsIT {

    @TempDir
    static Path dataDir;
    static CliStack cli;

    @BeforeAll
    static void start() {
        cli = new CliStack(dataDir, true);
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    @Test
    void feedbackMovesSatisfactionInTheLeaderboard() {
        CliStack.Run send = cli.run("send", "What is 8+8?", "--provider", "sim-strong");
        assertThat(send.exitCode()).isEqualTo(0);
        Matcher m = Pattern.compile("request\\s+(\\S+)\\n").matcher(send.out());
        assertThat(m.find()).isTrue();
        String request = m.group(1);

        CliStack.Run feedback = cli.run("feedback", request, "--kind", "user_satisfaction", "--score", "0.75", "--comment", "fine");
        assertThat(feedback.exitCode()).isEqualTo(0);
        assertThat(feedback.out()).isEqualTo("Feedback USER_SATISFACTION 0.75 on request " + request + " published to llm.feedback.\n");

        CliStack.Run stats = await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("stats"),
                r -> r.out().matches("(?s).*sim-strong\\s+1\\s+100\\.0 %.*0\\.75 \\(1\\).*"));
        // The pools first: each reported its adaptive limit at start, workers.max.in.flight (1024).
        assertThat(stats.out()).containsPattern("^PROVIDER\\s+CIRCUIT\\s+FAILURES\\s+CONCURRENCY LIMIT\\s+IN FLIGHT\\s+REPORTED\n");
        assertThat(stats.out()).containsPattern("\nsim-strong\\s+CLOSED\\s+-\\s+1024\\s+0\\s+\\d+ s ago\n");
        assertThat(stats.out()).containsPattern("\nPROVIDER\\s+ATTEMPTS\\s+SUCCESS\\s+P95 LATENCY\\s+COST/SUCCESS\\s+SATISFACTION \\(N\\)\n");
        assertThat(stats.out()).containsPattern("sim-strong\\s+1\\s+100\\.0 %\\s+\\d+ ms\\s+\\$0\\.0000\\d\\d\\s+0\\.75 \\(1\\)");
    }

    static String requestOf(CliStack.Run send) {
        Matcher m = Pattern.compile("request\\s+(\\S+)\\n").matcher(send.out());
        assertThat(m.find()).as(send.out()).isTrue();
        return m.group(1);
    }

    /** Runs {@code switchboard ARGS} while {@code provider} answers every call with a 503. */
    static CliStack.Run runWhileFailing(String provider, String... args) {
        cli.stack.simulator().setFaults(provider, new Faults(1.0, 0, 1, 2, Map.of(503, 1.0)));
        try {
            return cli.run(args);
        } finally {
            cli.stack.simulator().setFaults(provider, new Faults(0.0, 0, 1, 2, Map.of(503, 1.0)));
        }
    }

    static ClickHouseConnection clickhouse() {
        return new ClickHouseConnection(cli.stack.config().analytics().clickhouseUrl(), "default", "");
    }

    @Test
    void everyAttemptOfAReplayedRequestIsCountedAsInTheLog() {
        CliStack.Run send = runWhileFailing("sim-flaky", "send", "What is 5+5?", "--provider", "sim-flaky");
        assertThat(send.exitCode()).isEqualTo(1);
        String request = requestOf(send);
        await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("dlq", "list", "--provider", "sim-flaky").out().contains(request));
        assertThat(cli.run("dlq", "replay", "--provider", "sim-flaky").out()).contains("Replayed 1, parked 0.");

        // The log: attempt 1 failed, then attempt 1 of the replay answered. Both are rows, with their cost.
        List<AttemptOutcome> logged = await().atMost(Duration.ofSeconds(30)).until(() -> TopicReader.readKey(clients(), Topics.ATTEMPTS.name(),
                request.getBytes(StandardCharsets.UTF_8)).stream().map(r -> codec().decode(Topics.ATTEMPTS, r.value())).toList(), l -> l.size() == 2);
        assertThat(logged).extracting(a -> a.getAttempt() + " " + a.getStatus()).containsExactly("1 FAILED", "1 SUCCEEDED");
        double loggedCost = logged.stream().mapToDouble(AttemptOutcome::getCostUsd).sum();
        assertThat(loggedCost).isPositive();
        try (ClickHouseConnection clickhouse = clickhouse()) {
            JsonNode rows = await().atMost(Duration.ofSeconds(30)).until(() -> clickhouse.query("SELECT count() AS n, sum(cost_usd) AS cost "
                    + "FROM switchboard.attempts FINAL WHERE request_id = '" + request + "'").getFirst(), r -> r.get("n").asLong() == 2);
            assertThat(rows.get("cost").asDouble()).isEqualTo(loggedCost);
        }
        // The replay was a transaction, whose commit marker takes an offset of the task topic: the
        // worker pool commits past it, so the group shows no lag for a topic it has read to the end.
        await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("topics").out(),
                out -> out.matches("(?s).*\nllm\\.tasks\\.sim-flaky\\s+3\\s+\\d+\\s+switchboard-workers-sim-flaky=0\n.*"));
    }

    @Test
    void satisfactionAfterAFailoverIsCreditedToTheProviderThatAnswered() {
        CliStack.Run send = runWhileFailing("sim-flaky", "send", "What is 6+6?", "--provider", "sim-flaky,sim-fast");
        assertThat(send.exitCode()).isEqualTo(0);
        assertThat(send.out()).containsPattern("provider\\s+sim-fast");
        String request = requestOf(send);
        assertThat(cli.run("feedback", request, "--kind", "USER_SATISFACTION", "--score", "0.4").exitCode()).isEqualTo(0);

        try (ClickHouseConnection clickhouse = clickhouse()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> clickhouse.query(
                    "SELECT satisfaction, rated_requests FROM switchboard.provider_leaderboard WHERE provider = 'sim-fast'"),
                    r -> r.size() == 1 && r.getFirst().get("rated_requests").asLong() == 1 && r.getFirst().get("satisfaction").asDouble() == 0.4);
            JsonNode flaky = clickhouse.query("SELECT attempts, rated_requests FROM switchboard.provider_leaderboard WHERE provider = 'sim-flaky'").getFirst();
            assertThat(flaky.get("attempts").asLong()).isPositive();
            assertThat(flaky.get("rated_requests").asLong()).isZero();
        }
    }

    /**
     * The spans of a failover in ClickHouse {@code switchboard.spans}, exported by the stack's default
     * (ClickHouse) span exporter, and {@code trace ID --spans} drawing them as a waterfall.
     */
    @Test
    void aFailoversSpansAreRowsInClickHouseAndTraceDrawsThem() {
        CliStack.Run send = runWhileFailing("sim-flaky", "send", "What is 4+9?", "--provider", "sim-flaky,sim-strong");
        assertThat(send.exitCode()).as(send.out() + send.err()).isEqualTo(0);
        String request = requestOf(send);
        String sql = "SELECT service, name, kind, span_id, parent_span_id, status, duration_ns, request_id, attributes,"
                + " visitParamExtractString(attributes, 'gen_ai.system') AS system,"
                + " visitParamExtractInt(attributes, 'gen_ai.usage.output_tokens') AS output_tokens"
                + " FROM switchboard.spans WHERE trace_id IN (SELECT trace_id FROM switchboard.spans WHERE request_id = '" + request + "')"
                + " ORDER BY start_time_us";
        try (ClickHouseConnection clickhouse = clickhouse()) {
            List<JsonNode> rows = await().atMost(Duration.ofSeconds(30)).until(() -> clickhouse.query(sql), r -> r.size() >= 8);
            assertThat(rows).extracting(r -> r.get("service").asText() + " " + r.get("name").asText()).containsExactly(
                    "switchboard-planner process llm.requests",
                    "switchboard-planner analyse request",
                    "switchboard-provider-worker process llm.tasks.sim-flaky",
                    "switchboard-provider-worker wait for slot",
                    "switchboard-provider-worker chat " + cli.stack.config().provider("sim-flaky").model(),
                    "switchboard-provider-worker process llm.tasks.sim-strong",
                    "switchboard-provider-worker wait for slot",
                    "switchboard-provider-worker chat " + cli.stack.config().provider("sim-strong").model());
            // One tree: the planner's span is the root (the producer sent no trace context), every other span's parent is a row.
            java.util.Set<String> ids = rows.stream().map(r -> r.get("span_id").asText()).collect(java.util.stream.Collectors.toSet());
            assertThat(rows.getFirst().get("parent_span_id").asText()).isEmpty();
            assertThat(rows.subList(1, rows.size())).allSatisfy(r -> assertThat(ids).contains(r.get("parent_span_id").asText()));
            assertThat(rows).filteredOn(r -> r.get("name").asText().startsWith("process"))
                    .allSatisfy(r -> assertThat(r.get("request_id").asText()).isEqualTo(request));
            JsonNode failedCall = rows.get(4);
            assertThat(failedCall.get("kind").asText()).isEqualTo("CLIENT");
            assertThat(failedCall.get("status").asText()).isEqualTo("ERROR");
            assertThat(failedCall.get("system").asText()).isEqualTo("sim-flaky");
            JsonNode answeredCall = rows.get(7);
            assertThat(answeredCall.get("status").asText()).isEqualTo("UNSET");
            assertThat(answeredCall.get("system").asText()).isEqualTo("sim-strong");
            AttemptOutcome answered = TopicReader.readKey(clients(), Topics.ATTEMPTS.name(), request.getBytes(StandardCharsets.UTF_8))
                    .stream().map(r -> codec().decode(Topics.ATTEMPTS, r.value())).filter(a -> a.getAttempt() == 2).findFirst().orElseThrow();
            assertThat(answeredCall.get("output_tokens").asLong()).isEqualTo(answered.getOutputTokens());
            assertThat(answeredCall.get("duration_ns").asLong()).isPositive();
        }

        CliStack.Run trace = cli.run("trace", request, "--spans", "--wide");
        assertThat(trace.exitCode()).as(trace.err()).isEqualTo(0);
        assertThat(trace.out()).containsPattern("SPAN\\s+SERVICE\\s+START\\s+DURATION\\s+STATUS\\s+TIMELINE\\s+DETAIL")
                .containsPattern("\nprocess llm\\.requests\\s+planner\\s+\\+0\\.0 ms\\s+\\d+\\.\\d ms\\s+UNSET\\s+█")
                .containsPattern("\n  process llm\\.tasks\\.sim-flaky\\s+provider-worker\\s+")
                .containsPattern("\n    chat \\S+\\s+provider-worker\\s+\\+\\d+\\.\\d ms\\s+\\d+\\.\\d ms\\s+ERROR\\s.*error SERVER_ERROR")
                .containsPattern("\n    process llm\\.tasks\\.sim-strong\\s+provider-worker\\s+");
    }

    @Test
    void feedbackForARequestThatWasNeverMadeOrNotAnsweredIsRefused() {
        CliStack.Run unknown = cli.run("feedback", "no-such-request", "--kind", "ACCURACY", "--score", "0.5");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("No request no-such-request in llm.attempts: check the id (bin/switchboard trace no-such-request");

        CliStack.Run send = cli.run("send", "What is 7+7?", "--provider", "sim-fast", "--tenant", "globex", "--output", "json");
        JsonNode reply = json(send.out());
        assertThat(reply.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(reply.get("provider").asText()).isEqualTo("sim-fast");
        assertThat(reply.get("content").asText()).isEqualTo("7 + 7 = 14.");
        String request = reply.get("request_id").asText();
        CliStack.Run wrongTenant = cli.run("feedback", request, "--kind", "ACCURACY", "--score", "0.5", "--tenant", "initech");
        assertThat(wrongTenant.exitCode()).isEqualTo(2);
        assertThat(wrongTenant.err()).contains("--tenant initech is not the request's tenant (globex)");
    }

    static JsonNode json(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    @Test
    void statsAsJsonHasThePoolsAndTheLeaderboard() {
        assertThat(cli.run("send", "What is 9+9?", "--provider", "sim-fast").exitCode()).isEqualTo(0);
        JsonNode stats = await().atMost(Duration.ofSeconds(30)).until(() -> json(cli.run("stats", "--output", "json").out()),
                s -> s.get("leaderboard").size() > 0);
        assertThat(stats.get("pools")).extracting(p -> p.get("provider").asText()).contains("sim-fast", "sim-strong", "sim-flaky");
        assertThat(stats.get("pools").get(0).get("concurrency_limit").asText()).matches("\\d+");
        assertThat(stats.get("leaderboard")).extracting(p -> p.get("provider").asText()).contains("sim-fast");
    }

    static KafkaClients clients() {
        return new KafkaClients(cli.settings.get(SwitchboardConfig.BOOTSTRAP_SERVERS));
    }

    static Codec codec() {
        return new Codec(new SchemaRegistryClient(cli.settings.get(SwitchboardConfig.SCHEMA_REGISTRY_URL)));
    }

    @Test
    void invalidFeedbackIsRefusedWithTheReason() {
        CliStack.Run score = cli.run("feedback", "r-1", "--kind", "ACCURACY", "--score", "1.5");
        assertThat(score.exitCode()).isEqualTo(2);
        assertThat(score.err()).contains("--score must be between 0 and 1, not 1.5");

        CliStack.Run kind = cli.run("feedback", "r-1", "--kind", "HAPPINESS", "--score", "0.5");
        assertThat(kind.exitCode()).isEqualTo(2);
        assertThat(kind.err()).contains("--kind must be USER_SATISFACTION or ACCURACY, not 'HAPPINESS'");
    }

    @Test
    void auditVerifyFindsInClickHouseWhatWasRemovedFromTheTopic() throws Exception {
        // At start the configuration (config-*) and the edge's and planner's policies were audited (other tests may add more).
        CliStack.Run agree = await().atMost(Duration.ofSeconds(60)).until(() -> cli.run("audit", "verify", "--clickhouse"),
                r -> r.exitCode() == 0 && !r.out().contains("not in ClickHouse yet"));
        assertThat(agree.out()).containsPattern("config-\\w{8}\\s+1\\s").containsPattern("planner-\\w{8}\\s+\\d+\\s");
        Matcher copied = Pattern.compile("ClickHouse copy: (\\d+) chain\\(s\\), intact; nothing it holds is missing from llm.audit.")
                .matcher(agree.out());
        assertThat(copied.find()).as(agree.out()).isTrue();
        int chains = Integer.parseInt(copied.group(1));
        assertThat(chains).isGreaterThanOrEqualTo(3);

        // Someone with delete rights on llm.audit removes every record from the topic: it looks empty, not broken.
        KafkaClients clients = new KafkaClients(cli.settings.get(SwitchboardConfig.BOOTSTRAP_SERVERS));
        try (var admin = clients.admin("it-delete-audit")) {
            var partitions = admin.describeTopics(List.of(Topics.AUDIT.name())).allTopicNames().get().get(Topics.AUDIT.name()).partitions();
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
            partitions.forEach(p -> latest.put(new org.apache.kafka.common.TopicPartition(Topics.AUDIT.name(), p.partition()),
                    org.apache.kafka.clients.admin.OffsetSpec.latest()));
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.RecordsToDelete> delete = new java.util.HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, offset) ->
                    delete.put(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(offset.offset())));
            admin.deleteRecords(delete).all().get();
        }
        CliStack.Run topicAlone = cli.run("audit", "verify");
        CliStack.Run withCopy = cli.run("audit", "verify", "--clickhouse");

        assertThat(topicAlone.exitCode()).as(topicAlone.out()).isEqualTo(0);
        assertThat(withCopy.exitCode()).as(withCopy.out()).isEqualTo(1);
        assertThat(withCopy.out()).containsPattern("REMOVED from llm.audit: chain config-\\w{8} \\(1 record\\(s\\)\\) is in the copy "
                        + "but not in the trail: removed")
                .containsPattern("REMOVED from llm.audit: chain planner-\\w{8} \\(\\d+ record\\(s\\)\\)")
                .contains("ClickHouse copy: " + chains + " chain(s), intact; " + chains + " difference(s) with llm.audit.");
    }
}
