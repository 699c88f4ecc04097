package dev.switchboard.devstack.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.analytics.clickhouse.ClickHouseConnection;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.devstack.DevStack;
import dev.switchboard.devstack.TestStack;
import dev.switchboard.devstack.TopicCollector;
import dev.switchboard.devstack.clickhouse.LocalClickHouse;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Requests through the whole stack land in ClickHouse: one attempts row per attempt within 10 s of
 * the last reply, provider_stats p95 latency within 10 % of the simulator's configured distribution,
 * and feedback that moves the answering provider's satisfaction.
 */
class AnalyticsEndToEndIT {

    private static final int PER_PROVIDER = 600;
    /** Requests in flight at once: enough to be quick, few enough that the calls' own CPU cost stays small on 2 cores. */
    private static final int ROUND = 50;

    @TempDir
    Path dataDir;

    /** p95 of the log-normal through p50 and p99, as the simulator draws it. */
    static double expectedP95(double p50, double p99) {
        double sigma = Math.log(p99 / p50) / 2.3263478740408408;
        return p50 * Math.exp(sigma * 1.6448536269514722);
    }

    @Test
    void requestsBecomeRowsStatisticsAndScores() throws Exception {
        assertThat(LocalClickHouse.command()).as(LocalClickHouse.INSTALL_HINT).isPresent();
        SwitchboardConfig config = TestStack.config(dataDir, Map.of(
                SwitchboardConfig.ANALYTICS_ENABLED, "true",
                SwitchboardConfig.PLANNER_STRATEGY, "score",
                "simulator.sim-fast.latency.p50.ms", "300", "simulator.sim-fast.latency.p99.ms", "1000",
                "simulator.sim-strong.latency.p50.ms", "500", "simulator.sim-strong.latency.p99.ms", "1500"));
        try (DevStack stack = DevStack.start(config, false)) {
            // The simulator starts with the test's quick defaults overridden here, as a user's config would.
            Codec codec = TestStack.codec(config);
            KafkaClients clients = TestStack.clients(config);
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("analytics-test");
                 TopicCollector<LlmReply> replies = new TopicCollector<>(Topics.REPLIES, clients, codec);
                 TopicCollector<ProviderScore> scores = new TopicCollector<>(Topics.PROVIDER_SCORES, clients, codec);
                 ClickHouseConnection clickhouse = new ClickHouseConnection(config.analytics().clickhouseUrl(), "default", "")) {
                String rated = null;
                int sent = 0;
                while (sent < 2 * PER_PROVIDER) {
                    for (int i = 0; i < ROUND; i++, sent++) {
                        String provider = sent % 2 == 0 ? "sim-fast" : "sim-strong";
                        LlmRequest request = LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("analytics")
                                .setMessages(List.of(Messages.of(ChatRole.USER, "What is " + sent + "+2?")))
                                .setPreferredProviders(List.of(provider)).setCreatedAtMs(System.currentTimeMillis()).build();
                        producer.send(TestStack.requestRecord(config, codec, request.getRequestId(), request));
                        if (rated == null) {
                            rated = request.getRequestId();
                        }
                    }
                    producer.flush();
                    int expected = sent;
                    await().atMost(Duration.ofSeconds(60)).until(() -> replies.values(r -> true).size() >= expected);
                }

                // Within 10 s of the last reply, ClickHouse holds one row per attempt.
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    Map<String, Long> counts = new java.util.TreeMap<>();
                    clickhouse.query("SELECT provider, count() AS n FROM switchboard.attempts GROUP BY provider")
                            .forEach(r -> counts.put(r.get("provider").asText(), r.get("n").asLong()));
                    return counts.equals(Map.of("sim-fast", (long) PER_PROVIDER, "sim-strong", (long) PER_PROVIDER));
                });

                // provider_stats: the fullest window's p95 is within 10 % of the configured distribution's.
                for (String provider : List.of("sim-fast", "sim-strong")) {
                    double expected = provider.equals("sim-fast") ? expectedP95(300, 1000) : expectedP95(500, 1500);
                    JsonNode window = await().atMost(Duration.ofSeconds(20)).until(() -> clickhouse.query(
                            "SELECT attempts, p95_ms FROM switchboard.provider_stats FINAL WHERE provider = '" + provider
                                    + "' ORDER BY attempts DESC LIMIT 1"), rows -> !rows.isEmpty() && rows.getFirst().get("attempts").asLong() >= PER_PROVIDER / 2)
                            .getFirst();
                    System.out.printf("AnalyticsEndToEndIT: %s p95 %.0f ms over %d attempts, configured distribution's p95 %.0f ms%n",
                            provider, window.get("p95_ms").asDouble(), window.get("attempts").asLong(), expected);
                    assertThat(window.get("p95_ms").asDouble()).as(provider + " p95").isCloseTo(expected, within(expected * 0.10));
                }

                // Feedback shows up in its table and moves the answering provider's satisfaction and quality.
                String ratedRequest = rated;
                producer.send(codec.record(Topics.FEEDBACK, ratedRequest,
                        new Feedback(ratedRequest, "analytics", FeedbackKind.USER_SATISFACTION, 0.25, "too terse", System.currentTimeMillis()))).get();
                await().atMost(Duration.ofSeconds(10)).until(() -> clickhouse.query(
                        "SELECT satisfaction, rated_requests FROM switchboard.provider_leaderboard WHERE provider = 'sim-fast'"),
                        rows -> rows.size() == 1 && rows.getFirst().get("rated_requests").asLong() == 1
                                && rows.getFirst().get("satisfaction").asDouble() == 0.25);
                assertThat(clickhouse.query("SELECT count() AS n FROM switchboard.feedback").getFirst().get("n").asLong()).isEqualTo(1);
                ProviderScore score = await().atMost(Duration.ofSeconds(20)).until(() -> scores.values(
                        s -> s.getProvider().equals("sim-fast") && s.getTaskType().equals("*") && s.getFeedbackCount() == 1), l -> !l.isEmpty())
                        .getLast();
                assertThat(score.getQuality()).isCloseTo(0.5 + 0.2 * (0.25 - 0.5), within(1e-9));

                // The planner reads the scores: a request without preferences is planned by them.
                try (TopicCollector<ExecutionPlan> plans = new TopicCollector<>(Topics.PLANS, clients, codec)) {
                    LlmRequest open = LlmRequest.newBuilder().setRequestId("by-score").setTenantId("analytics")
                            .setMessages(List.of(Messages.of(ChatRole.USER, "What is 1+1?")))
                            .setCreatedAtMs(System.currentTimeMillis()).build();
                    producer.send(TestStack.requestRecord(config, codec, "by-score", open)).get();
                    ExecutionPlan plan = await().atMost(Duration.ofSeconds(20)).until(
                            () -> plans.values(p -> p.getRequestId().equals("by-score")), l -> !l.isEmpty()).getFirst();
                    assertThat(plan.getStrategy()).isEqualTo("score");
                    assertThat(plan.getSteps()).extracting(PlanStep::getProvider).containsExactlyInAnyOrder("sim-fast", "sim-strong", "sim-flaky");
                    // sim-flaky served nothing in this run: unscored, it ranks last.
                    assertThat(plan.getSteps().get(2).getProvider()).isEqualTo("sim-flaky");
                    assertThat(plan.getSteps().get(0).getReason()).startsWith("#1 by score 0.");
                }
            }
        }
    }
}
