package dev.switchboard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.analytics.AnalyticsService;
import dev.switchboard.analytics.clickhouse.ClickHouseConnection;
import dev.switchboard.analytics.clickhouse.ClickHouseSink;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.PlannerState;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.clickhouse.LocalClickHouse;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.planner.routing.MiniLmEmbedder;
import dev.switchboard.planner.routing.QualityModel;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The disaster-recovery drill: a stack with analytics in ClickHouse takes traffic, feedback and dead
 * letters; it is backed up; every data directory is wiped; a stack restored from the backup answers
 * the analytics views with the same figures, its learned router gives the same estimates for probe
 * prompts, its dead letters still replay, its audit chain verifies, and nothing is counted twice,
 * neither in the views nor in the analytics app's own statistics, which go on from where they were.
 */
class DisasterRecoveryDrillIT {

    private static final Pattern REQUEST = Pattern.compile("request\\s+(\\S+)\\n");
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The analytics, as users query them: every view, and the tables no view covers. */
    private static final List<String> FIGURES = List.of(
            "SELECT * FROM switchboard.provider_leaderboard ORDER BY provider",
            "SELECT * FROM switchboard.cost_per_tenant_per_day ORDER BY tenant_id, day",
            "SELECT * FROM switchboard.error_patterns ORDER BY provider, hour, error_class",
            "SELECT * FROM switchboard.slowest_requests ORDER BY request_id",
            "SELECT * FROM switchboard.tool_gaps ORDER BY tenant_id, tool",
            "SELECT * FROM switchboard.planning_analysis ORDER BY day, analysis_source",
            "SELECT * FROM switchboard.prompt_variant_stats ORDER BY task_type, prompt_variant",
            "SELECT * FROM switchboard.request_kinds ORDER BY day, task_type, code, math, script",
            "SELECT * FROM switchboard.audit_decisions ORDER BY event_id",
            "SELECT * FROM switchboard.provider_stats FINAL ORDER BY provider, model, window_start",
            "SELECT request_id, kind, score, ts_ms FROM switchboard.feedback FINAL ORDER BY request_id, kind",
            "SELECT count() AS attempts, sum(cost_usd) AS cost FROM switchboard.attempts FINAL");
    private static final String JUNK_ROWS = "SELECT dlq_partition, dlq_offset, error_class, ts_ms FROM switchboard.dead_letters FINAL "
            + "WHERE request_id = '' ORDER BY ts_ms";
    private static final List<String> MODELS = List.of("sim-fast-small", "sim-strong-large", "sim-flaky-medium");
    private static final List<String> PROBES = List.of("What is 2+2?", "Summarise the history of Kafka in two lines");

    @TempDir
    Path dir;

    @Test
    void aStackWipedAndRestoredFromItsBackupAnswersWithTheSameFiguresAndCountsNothingTwice() throws Exception {
        assertThat(LocalClickHouse.command()).as(LocalClickHouse.INSTALL_HINT).isPresent();
        Path data = dir.resolve("data");
        Path backup = dir.resolve("backup");
        Map<String, String> settings = Map.of("planner.checkpoint.interval.ms", "300");
        Map<String, List<String>> figures;
        Map<String, double[]> estimates;
        String failedRequest;
        long deadLetterRows;
        long spans;
        long scoredAttempts;
        String expiredRow;
        try (CliStack a = new CliStack(data, true, null, settings)) {
            KafkaClients clients = new KafkaClients(a.settings.get(SwitchboardConfig.BOOTSTRAP_SERVERS));
            Codec codec = new Codec(new SchemaRegistryClient(a.settings.get(SwitchboardConfig.SCHEMA_REGISTRY_URL)));
            // Traffic on two providers, each request rated twice.
            List<String> requests = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                CliStack.Run sent = a.run("send", i % 2 == 0 ? "What is 2+2?" : "Write a haiku about request " + i,
                        "-p", i % 3 == 0 ? "sim-strong" : "sim-fast", "--tenant", i < 4 ? "acme" : "globex");
                assertThat(sent.exitCode()).as(sent.err()).isEqualTo(0);
                requests.add(requestId(sent.out()));
            }
            for (int i = 0; i < requests.size(); i++) {
                assertThat(a.run("feedback", requests.get(i), "--kind", "ACCURACY", "--score", i % 2 == 0 ? "1" : "0.25").exitCode())
                        .isEqualTo(0);
                assertThat(a.run("feedback", requests.get(i), "--kind", "USER_SATISFACTION", "--score", "0." + (i + 3)).exitCode())
                        .isEqualTo(0);
            }
            // Two records that are no Avro, with one key: two dead letters in one partition of llm.dlq, the first of which
            // retention then deletes (its row stays in ClickHouse; the second's restored record takes its offset).
            List<ConsumerRecord<byte[], byte[]>> junk = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("it-garbage")) {
                for (int i = 1; i <= 2; i++) {
                    producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), "junk".getBytes(StandardCharsets.UTF_8),
                            new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) i})).get();
                    int letters = i;
                    junk = new ArrayList<>(await().atMost(WAIT).until(() -> TopicReader.readToEnd(clients, List.of(Topics.DLQ.name()),
                            r -> true), l -> l.size() == letters));
                }
            }
            junk.sort(Comparator.comparingLong(ConsumerRecord::offset));
            assertThat(junk.get(0).partition()).isEqualTo(junk.get(1).partition());
            // A request every attempt of which fails: a dead letter that replays once the provider is back.
            a.stack.simulator().setFaults("sim-flaky", new Faults(1.0, 0, 1, 2, Map.of(503, 1.0)));
            CliStack.Run failed = a.run("send", "What is 4+4?", "-p", "sim-flaky");
            assertThat(failed.exitCode()).isEqualTo(1);
            failedRequest = requestId(failed.out());
            await().atMost(WAIT).until(() -> TopicReader.readToEnd(clients, List.of(Topics.DLQ.name()), r -> true).size() == 3);

            ClickHouseConnection clickhouse = new ClickHouseConnection(a.settings.get(SwitchboardConfig.CLICKHOUSE_URL), "default", "");
            // Everything is in ClickHouse and in the analytics app's state, and the planner has learnt every score and checkpointed it.
            await().atMost(WAIT).until(() -> caughtUp(clients, ClickHouseSink.GROUP_ID) && caughtUp(clients, AnalyticsService.APPLICATION_ID)
                    && count(clickhouse, "SELECT count() FROM switchboard.dead_letters FINAL") == 3
                    && count(clickhouse, "SELECT count() FROM switchboard.feedback FINAL") == 12);
            await().atMost(WAIT).until(() -> a.stack.planner().learnedRouter().learned() == 12);
            await().atMost(WAIT).until(() -> checkpointedFeedback(clients, codec) == 12);
            try (Admin admin = clients.admin("it-retention")) {
                admin.deleteRecords(Map.of(new TopicPartition(Topics.DLQ.name(), junk.getFirst().partition()),
                        RecordsToDelete.beforeOffset(junk.getFirst().offset() + 1))).all().get();
            }
            List<JsonNode> junkRows = clickhouse.query(JUNK_ROWS);
            assertThat(junkRows).extracting(r -> r.get("dlq_offset").asLong())
                    .containsExactly(junk.get(0).offset(), junk.get(1).offset());
            expiredRow = junkRows.getFirst().toString();
            deadLetterRows = count(clickhouse, "SELECT count() FROM switchboard.dead_letters FINAL");
            figures = figures(clickhouse);
            long attemptRows = count(clickhouse, "SELECT count() FROM switchboard.attempts FINAL");
            assertThat(figures.get(FIGURES.getFirst())).hasSize(3);
            scoredAttempts = latestScore(clients, codec, "sim-fast|sim-fast-small|*").getAttempts();
            estimates = estimates(a.stack.planner().learnedRouter().model());
            clickhouse.close();

            CliStack.Run created = a.run("backup", "create", backup.toString());
            assertThat(created.exitCode()).as(created.err()).isEqualTo(0);
            assertThat(created.out()).as(figures.get(FIGURES.getLast()).toString())
                    .containsPattern("switchboard\\.attempts\\s+" + attemptRows + "\\n")
                    .containsPattern("switchboard\\.dead_letters\\s+3\\n").containsPattern("switchboard\\.feedback\\s+12\\n")
                    .containsPattern("switchboard-analytics-provider-window-stats-changelog\\s+\\d+\\s+[1-9]")
                    .contains("ClickHouse tables in " + backup);
            // Trace spans are exported in batches, so the backup's count is the one to find again.
            Matcher spanRows = Pattern.compile("switchboard\\.spans\\s+(\\d+)\\n").matcher(created.out());
            assertThat(spanRows.find()).as(created.out()).isTrue();
            spans = Long.parseLong(spanRows.group(1));
            assertThat(spans).isPositive();
        }

        // The disaster: every data directory is gone.
        deleteTree(data);
        assertThat(data).doesNotExist();
        assertThat(CliStack.run(Map.of(), "backup", "verify", backup.toString()).out()).contains("all intact");

        try (CliStack b = new CliStack(data, true, backup, settings)) {
            KafkaClients clients = new KafkaClients(b.settings.get(SwitchboardConfig.BOOTSTRAP_SERVERS));
            Codec codec = new Codec(new SchemaRegistryClient(b.settings.get(SwitchboardConfig.SCHEMA_REGISTRY_URL)));
            try (ClickHouseConnection clickhouse = new ClickHouseConnection(b.settings.get(SwitchboardConfig.CLICKHOUSE_URL), "default", "")) {
                // The same figures, and no row twice.
                assertThat(figures(clickhouse)).isEqualTo(figures);
                assertThat(count(clickhouse, "SELECT count() FROM switchboard.attempts"))
                        .isEqualTo(count(clickhouse, "SELECT count() FROM switchboard.attempts FINAL"));
                assertThat(count(clickhouse, "SELECT count() FROM switchboard.spans")).isEqualTo(spans);
                // The dead letter retention had deleted keeps its row; the others' rows name where their records are now.
                assertThat(count(clickhouse, "SELECT count() FROM switchboard.dead_letters FINAL")).isEqualTo(deadLetterRows);
                List<JsonNode> junkRows = clickhouse.query(JUNK_ROWS);
                assertThat(junkRows).hasSize(2);
                assertThat(junkRows.getFirst().toString()).isEqualTo(expiredRow);
                List<ConsumerRecord<byte[], byte[]>> letters = TopicReader.readToEnd(clients, List.of(Topics.DLQ.name()), r -> true);
                ConsumerRecord<byte[], byte[]> junkLetter = letters.stream()
                        .filter(r -> codec.decode(Topics.DLQ, r.value()).getRequestId() == null).findFirst().orElseThrow();
                assertThat(junkRows.get(1).get("dlq_partition").asInt()).isEqualTo(junkLetter.partition());
                assertThat(junkRows.get(1).get("dlq_offset").asLong()).isEqualTo(junkLetter.offset());
                ConsumerRecord<byte[], byte[]> letter = letters.stream()
                        .filter(r -> failedRequest.equals(codec.decode(Topics.DLQ, r.value()).getRequestId())).findFirst().orElseThrow();
                DeadLetter restored = codec.decode(Topics.DLQ, letter.value());
                assertThat(restored.getRequestId()).isEqualTo(failedRequest);
                JsonNode row = clickhouse.query("SELECT dlq_partition, dlq_offset FROM switchboard.dead_letters FINAL WHERE request_id = '"
                        + failedRequest + "'").getFirst();
                assertThat(row.get("dlq_partition").asInt()).isEqualTo(letter.partition());
                assertThat(row.get("dlq_offset").asLong()).isEqualTo(letter.offset());

                // The learned router: the same estimates, from the restored checkpoint.
                await().atMost(WAIT).until(() -> b.stack.planner().learnedStateReady());
                Map<String, double[]> after = estimates(b.stack.planner().learnedRouter().model());
                for (Map.Entry<String, double[]> e : estimates.entrySet()) {
                    assertThat(after.get(e.getKey())[0]).as(e.getKey()).isCloseTo(e.getValue()[0], within(1e-9));
                    assertThat(after.get(e.getKey())[1]).as(e.getKey()).isCloseTo(e.getValue()[1], within(1e-9));
                }

                // One request more: counted once, on top of what was restored, in the views and in the analytics app's scores.
                CliStack.Run more = b.run("send", "What is 3+3?", "-p", "sim-fast");
                assertThat(more.exitCode()).isEqualTo(0);
                long attempts = leaderboardAttempts(figures.get(FIGURES.getFirst()), "sim-fast");
                await().atMost(WAIT).until(() -> count(clickhouse, "SELECT attempts FROM switchboard.provider_leaderboard "
                        + "WHERE provider = 'sim-fast'") == attempts + 1);
                await().atMost(WAIT).until(() -> latestScore(clients, codec, "sim-fast|sim-fast-small|*").getAttempts() == scoredAttempts + 1);

                // The dead letter replays, once its provider is back; its row is not written twice.
                b.stack.simulator().setFaults("sim-flaky", new Faults(0.0, 0, 1, 2, Map.of(503, 1.0)));
                CliStack.Run replay = b.run("dlq", "replay", "--provider", "sim-flaky");
                assertThat(replay.out()).contains("Replayed 1, parked 0.");
                List<LlmReply> answers = await().atMost(WAIT).until(() -> TopicReader.readToEnd(clients, List.of(Topics.REPLIES.name()),
                                r -> failedRequest.equals(new String(r.key(), StandardCharsets.UTF_8)))
                        .stream().map(r -> codec.decode(Topics.REPLIES, r.value())).toList(), l -> l.size() == 2);
                assertThat(answers).extracting(LlmReply::getStatus).containsExactly(ReplyStatus.FAILED, ReplyStatus.SUCCEEDED);
                await().atMost(WAIT).until(() -> count(clickhouse, "SELECT countIf(status = 'SUCCEEDED') FROM switchboard.attempts FINAL "
                        + "WHERE request_id = '" + failedRequest + "'") == 1);
                assertThat(count(clickhouse, "SELECT count() FROM switchboard.dead_letters FINAL")).isEqualTo(deadLetterRows);

                // The audit chains verify, and ClickHouse's restored copy of them matches llm.audit's.
                CliStack.Run audit = await().atMost(WAIT).until(() -> b.run("audit", "verify", "--clickhouse"),
                        r -> r.out().contains("nothing it holds is missing from llm.audit") && !r.out().contains("not in ClickHouse yet"));
                assertThat(audit.exitCode()).as(audit.out()).isEqualTo(0);
                assertThat(audit.out()).containsPattern("\\d+ chain\\(s\\), \\d+ chained record\\(s\\): intact");
            }
        }
    }

    private static String requestId(String out) {
        Matcher m = REQUEST.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    /** Each query of {@link #FIGURES} with its rows as JSON. */
    private static Map<String, List<String>> figures(ClickHouseConnection clickhouse) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String query : FIGURES) {
            out.put(query, clickhouse.query(query).stream().map(JsonNode::toString).toList());
        }
        return out;
    }

    private static long leaderboardAttempts(List<String> leaderboard, String provider) {
        return leaderboard.stream().filter(r -> r.contains("\"provider\":\"" + provider + "\"")).findFirst().orElseThrow()
                .replaceAll(".*\"attempts\":\"?(\\d+).*", "$1").transform(Long::parseLong);
    }

    /** Per model and probe, the learned model's estimate: mean and spread. */
    private static Map<String, double[]> estimates(QualityModel model) {
        MiniLmEmbedder embedder = new MiniLmEmbedder();
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String probe : PROBES) {
            float[] x = embedder.embed(probe);
            for (String m : MODELS) {
                QualityModel.Estimate e = model.estimate(m, x, null);
                out.put(m + " on " + probe, new double[] {e.mean(), e.spread()});
            }
        }
        return out;
    }

    private static long count(ClickHouseConnection clickhouse, String sql) {
        List<JsonNode> rows = clickhouse.query(sql);
        return rows.isEmpty() ? -1 : rows.getFirst().elements().next().asLong();
    }

    /** Whether {@code group} has committed, on every partition it reads, the end of the log. */
    private static boolean caughtUp(KafkaClients clients, String group) throws Exception {
        try (Admin admin = clients.admin("it-lag")) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get();
            return !committed.isEmpty() && committed.entrySet().stream()
                    .allMatch(e -> e.getValue() != null && e.getValue().offset() >= ends.get(e.getKey()).offset());
        }
    }

    /** The feedback records the newest planner checkpoint covers. */
    private static long checkpointedFeedback(KafkaClients clients, Codec codec) {
        return TopicReader.readToEnd(clients, List.of(Topics.PLANNER_STATE.name()), r -> r.value() != null).stream()
                .map(r -> codec.decode(Topics.PLANNER_STATE, r.value()))
                .filter(s -> s.getPart().equals("manifest"))
                .reduce((x, y) -> y).map(PlannerState::getFeedbackOffsets)
                .map(m -> m.values().stream().mapToLong(Long::longValue).sum()).orElse(0L);
    }

    /** The analytics app's newest rolling score for {@code key} (provider|model|task type). */
    private static ProviderScore latestScore(KafkaClients clients, Codec codec, String key) {
        return TopicReader.readToEnd(clients, List.of(Topics.PROVIDER_SCORES.name()),
                        r -> key.equals(new String(r.key(), StandardCharsets.UTF_8))).stream()
                .max(Comparator.comparingLong(ConsumerRecord::offset))
                .map(r -> codec.decode(Topics.PROVIDER_SCORES, r.value())).orElseThrow();
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
