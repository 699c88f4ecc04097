package dev.switchboard.devstack.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.analytics.AnalyticsService;
import dev.switchboard.analytics.clickhouse.ClickHouseConnection;
import dev.switchboard.analytics.clickhouse.ClickHouseSink;
import dev.switchboard.analytics.clickhouse.Migrations;
import dev.switchboard.avro.AgentStep;
import dev.switchboard.avro.AgentStepKind;
import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanAnalysis;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ErrorInfo;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.FreePorts;
import dev.switchboard.devstack.InfraFixture;
import dev.switchboard.devstack.TestStack;
import dev.switchboard.devstack.clickhouse.LocalClickHouse;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.TopicBootstrap;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ClickHouse sink against real clickhouse-server processes: rows, idempotence, migrations that run
 * again, the V005 repair of replayed attempts, outages and a ClickHouse that starts after analytics.
 */
class ClickHouseSinkIT {

    @TempDir
    static Path dir;
    static InfraFixture infra;
    static LocalClickHouse server;
    static ClickHouseConnection clickhouse;
    static Codec codec;
    static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void start() {
        assertThat(LocalClickHouse.command()).as(LocalClickHouse.INSTALL_HINT).isPresent();
        infra = new InfraFixture(dir.resolve("stack"));
        try (Admin admin = infra.clients.admin("it")) {
            TopicBootstrap.ensureTopics(admin, List.of(), 3, (short) 1);
        }
        server = new LocalClickHouse(dir.resolve("clickhouse"), FreePorts.any(), FreePorts.any()).start();
        clickhouse = new ClickHouseConnection(server.url(), "default", "");
        codec = new Codec(new SchemaRegistryClient(infra.registryUrl()));
        producer = infra.clients.producer("it");
        assertThat(Migrations.apply(clickhouse)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @AfterAll
    static void stop() {
        producer.close();
        clickhouse.close();
        server.close();
        infra.close();
    }

    static AttemptOutcome attempt(String requestId, int attempt, String provider, boolean ok, long latency) {
        return AttemptOutcome.newBuilder().setRequestId(requestId).setTenantId("acme").setAttempt(attempt)
                .setProvider(provider).setModel(provider + "-m").setStatus(ok ? ReplyStatus.SUCCEEDED : ReplyStatus.FAILED)
                .setError(ok ? null : new ErrorInfo("SERVER_ERROR", "500")).setRetryable(!ok)
                .setInputTokens(10).setOutputTokens(ok ? 20 : 0).setCostUsd(ok ? 0.001 : 0.0).setLatencyMs(latency)
                .setStartedAtMs(1_795_546_800_000L).setCompletedAtMs(1_795_546_800_000L + latency).build();
    }

    static void publish(AttemptOutcome a) throws Exception {
        producer.send(codec.record(Topics.ATTEMPTS, a.getRequestId(), a)).get();
    }

    static long count(String sql) {
        return countOn(clickhouse, sql);
    }

    @Test
    void migrationsAreIdempotentAndRowsArriveOncePerNaturalKey() throws Exception {
        assertThat(Migrations.apply(clickhouse)).isEmpty();

        try (ClickHouseSink sink = new ClickHouseSink(clickhouse, infra.clients, codec, 100, 200).start()) {
            for (int i = 0; i < 10; i++) {
                publish(attempt("idem-" + i, 1, "alpha", true, 100 + i));
            }
            producer.send(codec.record(Topics.FEEDBACK, "idem-1",
                    new Feedback("idem-1", "acme", FeedbackKind.USER_SATISFACTION, 0.8, "good", 1_795_546_900_000L))).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count() FROM switchboard.attempts") == 10);

            // The same records again (the sink restarting between insert and commit): still 10 rows.
            for (int i = 0; i < 10; i++) {
                publish(attempt("idem-" + i, 1, "alpha", true, 100 + i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.written() >= 21);
            assertThat(count("SELECT count() FROM switchboard.attempts FINAL WHERE provider = 'alpha'")).isEqualTo(10);
            assertThat(count("SELECT count() FROM switchboard.feedback FINAL")).isEqualTo(1);
            JsonNode leader = clickhouse.query("SELECT * FROM switchboard.provider_leaderboard WHERE provider = 'alpha'").getFirst();
            assertThat(leader.get("attempts").asLong()).isEqualTo(10);
            assertThat(leader.get("success_rate").asDouble()).isEqualTo(1.0);
            assertThat(leader.get("satisfaction").asDouble()).isEqualTo(0.8);
            assertThat(leader.get("rated_requests").asLong()).isEqualTo(1);
        }
    }

    @Test
    void aMigrationInterruptedHalfWayRunsAgainWithoutLosingOrDoublingRows() throws Exception {
        try (ClickHouseSink sink = new ClickHouseSink(clickhouse, infra.clients, codec, 100, 200).start()) {
            publish(attempt("rerun-1", 1, "delta", true, 40));
            await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count() FROM switchboard.attempts WHERE request_id = 'rerun-1'") == 1);
        }
        // A dead letter whose record retention deleted before a restore, and the new dead letter at its offset after it.
        String deadLetter = "{\"dlq_partition\":0,\"dlq_offset\":7,\"original_topic\":\"llm.requests\",\"original_partition\":0,"
                + "\"original_offset\":1,\"stage\":\"planner\",\"error_class\":\"TOO_SHORT\",\"error_message\":\"\",\"request_id\":\"\","
                + "\"attempts\":1,\"ts\":1795546800,\"ts_ms\":";
        clickhouse.insert("switchboard.dead_letters", List.of(deadLetter + "1795546800000}"));
        // As if V003 (ALTER TABLE … ADD COLUMN), V005 and V008 (RENAME, CREATE, INSERT … SELECT, views) had run
        // without being recorded: each runs again from its first statement.
        clickhouse.execute("ALTER TABLE switchboard.schema_migrations DELETE WHERE version IN (3, 5, 8)");
        await().atMost(Duration.ofSeconds(10)).until(() -> count("SELECT count() FROM switchboard.schema_migrations WHERE version IN (3, 5, 8)") == 0);

        assertThat(Migrations.apply(clickhouse)).containsExactly(3, 5, 8);

        assertThat(count("SELECT count() FROM switchboard.attempts FINAL WHERE request_id = 'rerun-1'")).isEqualTo(1);
        assertThat(count("SELECT count() FROM system.tables WHERE database = 'switchboard' AND name LIKE 'attempts%'")).isEqualTo(2);
        assertThat(count("SELECT count() FROM system.tables WHERE database = 'switchboard' AND name LIKE 'dead_letters%'")).isEqualTo(2);
        // Two dead letters at one offset, written at different times, are two rows; the same one twice is one.
        clickhouse.insert("switchboard.dead_letters", List.of(deadLetter + "1795546800000}", deadLetter + "1795550400000}"));
        assertThat(count("SELECT count() FROM switchboard.dead_letters FINAL WHERE dlq_offset = 7")).isEqualTo(2);
    }

    @Test
    void attemptsOfAReplayedRequestAreEachARowAndRowsTheOldKeyMergedComeBackFromTheLog() throws Exception {
        // A ClickHouse of its own, at the schema before V005, whose attempts key kept one row per (request, attempt).
        try (LocalClickHouse older = new LocalClickHouse(dir.resolve("clickhouse-v004"), FreePorts.any(), FreePorts.any()).start();
             ClickHouseConnection old = new ClickHouseConnection(older.url(), "default", "")) {
            assertThat(Migrations.apply(old, 4)).containsExactly(1, 2, 3, 4);
            // The request failed on its first attempt, was dead-lettered, replayed, and its attempt 1 succeeded.
            AttemptOutcome failed = attempt("replayed-1", 1, "epsilon", false, 30);
            AttemptOutcome replayed = attempt("replayed-1", 1, "epsilon", true, 50);
            replayed.setStartedAtMs(failed.getCompletedAtMs() + 60_000);
            replayed.setCompletedAtMs(replayed.getStartedAtMs() + 50);
            publish(failed);
            publish(replayed);
            // What the sink wrote under the old key: the replay replaced the first attempt's row.
            old.insert("switchboard.attempts", List.of(attemptRow(replayed)));
            assertThat(countOn(old, "SELECT count() FROM switchboard.attempts FINAL WHERE request_id = 'replayed-1'")).isEqualTo(1);
            // And the offsets it committed: the whole log, without a row layout in their metadata.
            try (KafkaConsumer<byte[], byte[]> consumer = infra.clients.consumer(ClickHouseSink.GROUP_ID, "it-old-sink")) {
                List<TopicPartition> partitions = consumer.partitionsFor(Topics.ATTEMPTS.name()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
                consumer.endOffsets(partitions).forEach((p, end) -> ends.put(p, new OffsetAndMetadata(end)));
                consumer.assign(partitions);
                consumer.commitSync(ends);
            }

            try (ClickHouseSink sink = new ClickHouseSink(old, infra.clients, codec, 100, 200).start()) {
                assertThat(sink.awaitSchema(Duration.ofSeconds(30))).isTrue();
                await().atMost(Duration.ofSeconds(30)).until(() -> countOn(old,
                        "SELECT count() FROM switchboard.attempts FINAL WHERE request_id = 'replayed-1'") == 2);
                JsonNode rows = old.query("SELECT countIf(status = 'FAILED') AS failed, countIf(status = 'SUCCEEDED') AS answered, "
                        + "sum(cost_usd) AS cost FROM switchboard.attempts FINAL WHERE request_id = 'replayed-1'").getFirst();
                assertThat(rows.get("failed").asLong()).isEqualTo(1);
                assertThat(rows.get("answered").asLong()).isEqualTo(1);
                assertThat(rows.get("cost").asDouble()).isEqualTo(failed.getCostUsd() + replayed.getCostUsd());
                // The rows of the old table are kept beside it, and each other attempt is still one row.
                assertThat(countOn(old, "SELECT count() FROM switchboard.attempts_v004")).isEqualTo(1);
                await().atMost(Duration.ofSeconds(30)).until(() -> countOn(old,
                        "SELECT count() FROM switchboard.attempts FINAL WHERE request_id LIKE 'idem-%'") == 10);
            }
        }
    }

    @Test
    void analyticsStartedBeforeClickHouseWaitsForItAndThenWritesItsRows() throws Exception {
        LocalClickHouse late = new LocalClickHouse(dir.resolve("clickhouse-late"), FreePorts.any(), FreePorts.any());
        SwitchboardConfig config = TestStack.config(dir.resolve("late-analytics"), Map.of(
                SwitchboardConfig.BOOTSTRAP_SERVERS, infra.kafka.bootstrapServers(),
                SwitchboardConfig.SCHEMA_REGISTRY_URL, infra.registryUrl(),
                SwitchboardConfig.ANALYTICS_ENABLED, "true",
                SwitchboardConfig.CLICKHOUSE_URL, late.url()));
        try (AnalyticsService analytics = new AnalyticsService(config, infra.clients, codec).start();
             ClickHouseConnection connection = new ClickHouseConnection(late.url(), "default", "")) {
            HealthCheck sink = analytics.healthChecks().stream().filter(c -> c.name().equals("clickhouse-sink")).findFirst().orElseThrow();
            await().atMost(Duration.ofSeconds(30)).until(() -> !sink.check().up()
                    && sink.check().details().get("lastError").toString().startsWith("migrations not applied yet: ClickHouse at"));
            for (int i = 0; i < 3; i++) {
                publish(attempt("late-" + i, 1, "zeta", true, 70));
            }
            // Scoring does not wait for ClickHouse.
            HealthCheck scoring = analytics.healthChecks().getFirst();
            await().atMost(Duration.ofSeconds(60)).until(() -> scoring.check().up());

            late.start();
            try {
                assertThat(analytics.awaitClickHouseSchema(Duration.ofSeconds(60))).isTrue();
                await().atMost(Duration.ofSeconds(60)).until(() -> countOn(connection,
                        "SELECT count() FROM switchboard.attempts FINAL WHERE provider = 'zeta'") == 3);
                await().atMost(Duration.ofSeconds(30)).until(() -> sink.check().up());
                assertThat(countOn(connection, "SELECT count() FROM switchboard.schema_migrations")).isEqualTo(9);
            } finally {
                late.close();
            }
        }
    }

    static String attemptRow(AttemptOutcome a) {
        return "{\"request_id\":\"" + a.getRequestId() + "\",\"attempt\":" + a.getAttempt() + ",\"tenant_id\":\"" + a.getTenantId()
                + "\",\"provider\":\"" + a.getProvider() + "\",\"status\":\"" + a.getStatus() + "\",\"cost_usd\":" + a.getCostUsd()
                + ",\"latency_ms\":" + a.getLatencyMs() + ",\"ts\":" + a.getCompletedAtMs() / 1000 + ",\"ts_ms\":" + a.getCompletedAtMs() + "}";
    }

    static long countOn(ClickHouseConnection connection, String sql) {
        List<JsonNode> rows = connection.query(sql);
        return rows.isEmpty() ? -1 : rows.getFirst().elements().next().asLong();
    }

    static ExecutionPlan plan(String requestId, String tenant, String source, List<String> gaps, String variant) {
        return plan(requestId, tenant, source, gaps, variant, false, "latin", 12);
    }

    static ExecutionPlan plan(String requestId, String tenant, String source, List<String> gaps, String variant,
                              boolean code, String script, long inputTokens) {
        LlmRequest request = LlmRequest.newBuilder().setRequestId(requestId).setTenantId(tenant)
                .setMessages(List.of(Messages.of(ChatRole.USER, "hi"))).setCreatedAtMs(1_795_546_800_000L).build();
        return ExecutionPlan.newBuilder().setRequestId(requestId).setTenantId(tenant).setRequest(request)
                .setSteps(List.of(new PlanStep("p", "p-m", 0.001, "", 0.0, null)))
                .setStrategy("balanced").setTaskType("chat").setPlannedAtMs(1_795_546_800_000L).setPromptVariant(variant)
                .setAnalysis(PlanAnalysis.newBuilder().setTaskType("chat").setSource(source).setToolGaps(gaps)
                        .setCode(code).setScript(script).setInputTokens(inputTokens).build()).build();
    }

    @Test
    void plansLandWithTheirToolGapsAnalysisAndPromptVariant() throws Exception {
        Migrations.apply(clickhouse);
        try (ClickHouseSink sink = new ClickHouseSink(clickhouse, infra.clients, codec, 100, 200).start()) {
            ExecutionPlan[] plans = {
                    plan("plan-1", "initech", "planning-model", List.of("web_search"), "terse"),
                    plan("plan-2", "initech", "heuristic-fallback", List.of("web_search", "stock_quotes"), "friendly"),
                    plan("plan-3", "umbrella", "heuristic-fallback", List.of(), "terse", true, "cyrillic", 40)};
            double[] scores = {0.9, 0.4, 0.7};
            for (int i = 0; i < plans.length; i++) {
                producer.send(codec.record(Topics.PLANS, plans[i].getRequestId(), plans[i])).get();
                producer.send(codec.record(Topics.FEEDBACK, plans[i].getRequestId(), new Feedback(plans[i].getRequestId(),
                        plans[i].getTenantId(), FeedbackKind.ACCURACY, scores[i], null, 1_795_546_900_000L))).get();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count() FROM switchboard.plans WHERE request_id LIKE 'plan-%'") == 3
                    && count("SELECT count() FROM switchboard.feedback WHERE request_id LIKE 'plan-%'") == 3);

            List<JsonNode> gaps = clickhouse.query("SELECT tool, requests FROM switchboard.tool_gaps WHERE tenant_id = 'initech' ORDER BY tool");
            assertThat(gaps).extracting(g -> g.get("tool").asText() + "=" + g.get("requests").asLong())
                    .containsExactly("stock_quotes=1", "web_search=2");
            assertThat(count("SELECT sum(plans) FROM switchboard.planning_analysis WHERE analysis_source = 'heuristic-fallback'")).isEqualTo(2);
            List<JsonNode> variants = clickhouse.query("SELECT prompt_variant, rated_requests, mean_score FROM switchboard.prompt_variant_stats "
                    + "WHERE task_type = 'chat' ORDER BY prompt_variant");
            assertThat(variants).extracting(v -> v.get("prompt_variant").asText() + " " + v.get("rated_requests").asLong() + " "
                    + String.format(java.util.Locale.ROOT, "%.2f", v.get("mean_score").asDouble()))
                    .containsExactly("friendly 1 0.40", "terse 2 0.80");
            List<JsonNode> kinds = clickhouse.query("SELECT code, math, script, requests, mean_input_tokens FROM switchboard.request_kinds "
                    + "WHERE task_type = 'chat' AND day = toDate(toDateTime(1795546800)) ORDER BY script");
            assertThat(kinds).extracting(k -> k.get("code").asInt() + " " + k.get("math").asInt() + " " + k.get("script").asText() + " "
                    + k.get("requests").asLong() + " " + k.get("mean_input_tokens").asDouble())
                    .containsExactly("1 0 cyrillic 1 40.0", "0 0 latin 2 12.0");
        }
    }

    static AgentStep.Builder step(String run, int step, AgentStepKind kind) {
        return AgentStep.newBuilder().setRequestId(run).setTenantId("acme").setStep(step).setKind(kind)
                .setWorker("agent@1").setCreatedAtMs(1_795_546_800_000L + step);
    }

    @Test
    void eachToolCallOfAnAgentIsOneRowAndItsOtherStepsNone() throws Exception {
        Migrations.apply(clickhouse);
        try (ClickHouseSink sink = new ClickHouseSink(clickhouse, infra.clients, codec, 100, 200).start()) {
            List<AgentStep> steps = List.of(
                    step("run-t", 0, AgentStepKind.THOUGHT).setText("Thought: look it up").build(),
                    step("run-t", 1, AgentStepKind.ACTION).setTool("weather").setIdempotencyKey("run-t.t1").build(),
                    step("run-t", 2, AgentStepKind.OBSERVATION).setTool("weather").setIdempotencyKey("run-t.t1")
                            .setStatus("SUCCEEDED").setLatencyMs(120).setText("sunny").build(),
                    step("run-t", 3, AgentStepKind.OBSERVATION).setStatus("UNREADABLE").setText("no format").build(),
                    step("run-t", 5, AgentStepKind.OBSERVATION).setTool("weather").setIdempotencyKey("run-t.t4")
                            .setStatus("CIRCUIT_OPEN").setLatencyMs(0).setText("tool weather circuit_open").build(),
                    step("run-t", 6, AgentStepKind.ANSWER).setText("Sunny.").build());
            for (var s : steps) {
                producer.send(codec.record(Topics.AGENT_STEPS, s.getRequestId(), s)).get();
            }
            // A step read twice (the sink restarted between its insert and its commit) is one row.
            producer.send(codec.record(Topics.AGENT_STEPS, "run-t", steps.get(2))).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count() FROM switchboard.tool_calls WHERE request_id = 'run-t'") >= 3);

            List<JsonNode> rows = clickhouse.query("SELECT step, tenant_id, tool, status, latency_ms, idempotency_key, worker "
                    + "FROM switchboard.tool_calls FINAL WHERE request_id = 'run-t' ORDER BY step");
            assertThat(rows).extracting(r -> r.get("step").asText() + "|" + r.get("tenant_id").asText() + "|" + r.get("tool").asText() + "|"
                            + r.get("status").asText() + "|" + r.get("latency_ms").asText() + "|" + r.get("idempotency_key").asText() + "|"
                            + r.get("worker").asText())
                    .containsExactly("2|acme|weather|SUCCEEDED|120|run-t.t1|agent@1", "5|acme|weather|CIRCUIT_OPEN|0|run-t.t4|agent@1");
            JsonNode summary = clickhouse.query("SELECT calls, succeeded, circuit_open, p95_latency_ms FROM switchboard.tool_call_summary "
                    + "WHERE tool = 'weather' AND tenant_id = 'acme'").getFirst();
            assertThat(summary.get("calls").asLong()).isEqualTo(2);
            assertThat(summary.get("succeeded").asLong()).isEqualTo(1);
            assertThat(summary.get("circuit_open").asLong()).isEqualTo(1);
            assertThat(summary.get("p95_latency_ms").asDouble()).isEqualTo(120.0);
        }
    }

    @Test
    void auditRecordsLandWithTheirDecisionAsColumns() throws Exception {
        Migrations.apply(clickhouse);
        try (ClickHouseSink sink = new ClickHouseSink(clickhouse, infra.clients, codec, 100, 200).start()) {
            dev.switchboard.platform.audit.AuditWriter writer = new dev.switchboard.platform.audit.AuditWriter(codec, "it-edge");
            writer.publish(producer, dev.switchboard.avro.AuditEvent.newBuilder().setEventId("audit-1").setActor("unauthenticated")
                    .setAction("http.post").setTarget("/v1/chat/completions").setOutcome("UNAUTHENTICATED")
                    .setDetails(Map.of("decision", "DENIED", "reason", "EXPIRED")).setAtMs(1_795_546_800_000L).build(), null).get();
            writer.publish(producer, dev.switchboard.avro.AuditEvent.newBuilder().setEventId("audit-2").setActor("alice")
                    .setAction("request.submit").setTarget("llm.requests").setOutcome("FORBIDDEN")
                    .setDetails(Map.of("decision", "DENIED", "reason", "TENANT_MISMATCH", "tenant", "acme"))
                    .setAtMs(1_795_546_801_000L).build(), null).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count() FROM switchboard.audit_log WHERE event_id LIKE 'audit-%'") == 2);

            List<JsonNode> rows = clickhouse.query("SELECT principal, tenant, action, resource, decision, reason, chain, chain_seq "
                    + "FROM switchboard.audit_decisions WHERE event_id LIKE 'audit-%' ORDER BY chain_seq");
            assertThat(rows).extracting(r -> String.join("|", r.get("principal").asText(), r.get("tenant").asText(), r.get("action").asText(),
                            r.get("resource").asText(), r.get("decision").asText(), r.get("reason").asText(),
                            r.get("chain").asText().equals(writer.writer()) ? "chain" : r.get("chain").asText(), r.get("chain_seq").asText()))
                    .containsExactly("unauthenticated||http.post|/v1/chat/completions|DENIED|EXPIRED|chain|1",
                            "alice|acme|request.submit|llm.requests|DENIED|TENANT_MISMATCH|chain|2");
        }
    }

    @Test
    void theAnalyticsViewsAnswerWithTheExpectedFigures() throws Exception {
        Migrations.apply(clickhouse);
        try (ClickHouseSink sink = new ClickHouseSink(clickhouse, infra.clients, codec, 100, 200).start()) {
            // gamma: 3 successes (100, 200, 900 ms) and 2 failures (SERVER_ERROR, TIMEOUT) in one hour.
            publish(attempt("view-1", 1, "gamma", true, 100));
            publish(attempt("view-2", 1, "gamma", true, 200));
            publish(attempt("view-3", 1, "gamma", true, 900));
            AttemptOutcome timeout = attempt("view-4", 1, "gamma", false, 50);
            timeout.getError().setErrorClass("TIMEOUT");
            publish(timeout);
            publish(attempt("view-5", 1, "gamma", false, 50));
            await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count() FROM switchboard.attempts WHERE provider = 'gamma'") == 5);

            JsonNode leader = clickhouse.query("SELECT * FROM switchboard.provider_leaderboard WHERE provider = 'gamma'").getFirst();
            assertThat(leader.get("attempts").asLong()).isEqualTo(5);
            assertThat(leader.get("success_rate").asDouble()).isEqualTo(0.6);
            assertThat(leader.get("cost_per_success_usd").asDouble()).isEqualTo(0.001);
            assertThat(leader.get("rated_requests").asLong()).isZero();

            List<JsonNode> errors = clickhouse.query("SELECT error_class, failures FROM switchboard.error_patterns WHERE provider = 'gamma'");
            assertThat(errors).extracting(r -> r.get("error_class").asText() + "=" + r.get("failures").asLong())
                    .containsExactlyInAnyOrder("SERVER_ERROR=1", "TIMEOUT=1");

            JsonNode slowest = clickhouse.query("SELECT request_id, latency_ms FROM switchboard.slowest_requests WHERE provider = 'gamma' LIMIT 1").getFirst();
            assertThat(slowest.get("request_id").asText()).isEqualTo("view-3");
            assertThat(slowest.get("latency_ms").asLong()).isEqualTo(900);

            JsonNode spend = clickhouse.query("SELECT sum(cost_usd) AS cost, sum(answered) AS answered FROM switchboard.cost_per_tenant_per_day "
                    + "WHERE tenant_id = 'acme' AND day = toDate(toDateTime(1795546800))").getFirst();
            assertThat(spend.get("answered").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(sink.written()).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void rowsWaitOutAnOutageAndArriveWhenClickHouseIsBack() throws Exception {
        Migrations.apply(clickhouse);
        try (ClickHouseSink sink = new ClickHouseSink(clickhouse, infra.clients, codec, 100, 200).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.check().details().get("rowsHeld").equals(0)
                    && ((Long) sink.check().details().get("rowsWritten")) >= 0);
            server.close();
            for (int i = 0; i < 5; i++) {
                publish(attempt("outage-" + i, 1, "beta", i % 2 == 0, 200));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !sink.check().up()
                    && sink.check().details().get("lastError").toString().contains("ClickHouse at"));

            server.start();

            await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count() FROM switchboard.attempts FINAL WHERE provider = 'beta'") == 5);
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.check().up());
            assertThat(count("SELECT countIf(status = 'FAILED') FROM switchboard.attempts FINAL WHERE provider = 'beta'")).isEqualTo(2);
        }
    }

    @Test
    void everyQueryOfTheDashboardsRunsOnTheAnalyticsSchema() {
        List<String> queries = dev.switchboard.devstack.MonitoringConfig.sql();

        assertThat(queries).hasSizeGreaterThanOrEqualTo(4);
        for (String sql : queries) {
            try {
                clickhouse.query(sql);
            } catch (RuntimeException e) {
                throw new AssertionError("A dashboard query fails on ClickHouse: " + sql, e);
            }
        }
    }
}
