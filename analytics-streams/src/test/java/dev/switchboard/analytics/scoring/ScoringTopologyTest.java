package dev.switchboard.analytics.scoring;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.ErrorInfo;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.avro.ProviderStats;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ScoringTopologyTest {

    private static final long T0 = 1_795_546_800_000L; // a minute boundary
    private static final Duration GRACE = Duration.ofSeconds(30);

    private TopologyTestDriver driver;
    private TestInputTopic<String, AttemptOutcome> attempts;
    private TestInputTopic<String, Feedback> feedback;
    private TestOutputTopic<String, ProviderStats> stats;
    private TestOutputTopic<String, ProviderScore> scores;
    private int sequence;

    @BeforeEach
    void setUp() {
        ScoringTopology.AvroSerdes serdes = new ScoringTopology.AvroSerdes(new PlainAvroSerde<>(AttemptOutcome.class),
                new PlainAvroSerde<>(Feedback.class), new PlainAvroSerde<>(ProviderStats.class), new PlainAvroSerde<>(ProviderScore.class));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "scoring-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(ScoringTopology.build(serdes, GRACE), props);
        attempts = driver.createInputTopic(Topics.ATTEMPTS.name(), Serdes.String().serializer(), serdes.attempts().serializer());
        feedback = driver.createInputTopic(Topics.FEEDBACK.name(), Serdes.String().serializer(), serdes.feedback().serializer());
        stats = driver.createOutputTopic(Topics.PROVIDER_STATS.name(), Serdes.String().deserializer(), serdes.stats().deserializer());
        scores = driver.createOutputTopic(Topics.PROVIDER_SCORES.name(), Serdes.String().deserializer(), serdes.scores().deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private void attempt(String provider, long atMs, boolean ok, long latencyMs, String errorClass, String task) {
        String id = "r" + (++sequence);
        attempts.pipeInput(id, AttemptOutcome.newBuilder().setRequestId(id).setTenantId("t").setAttempt(1)
                .setProvider(provider).setModel(provider + "-m").setStatus(ok ? ReplyStatus.SUCCEEDED : ReplyStatus.FAILED)
                .setError(ok ? null : new ErrorInfo(errorClass, "x")).setRetryable(!ok).setInputTokens(ok ? 100 : 0)
                .setOutputTokens(ok ? 50 : 0).setCostUsd(ok ? 0.002 : 0).setLatencyMs(latencyMs).setTaskHint(task)
                .setStartedAtMs(atMs - latencyMs).setCompletedAtMs(atMs).build());
    }

    /** The latest statistics of every window, by key (provider|model|windowStart). */
    private Map<String, ProviderStats> latestStats() {
        Map<String, ProviderStats> latest = new HashMap<>();
        stats.readKeyValuesToList().forEach(kv -> latest.put(kv.key, kv.value));
        return latest;
    }

    private Map<String, ProviderScore> latestScores() {
        Map<String, ProviderScore> latest = new HashMap<>();
        scores.readKeyValuesToList().forEach(kv -> latest.put(kv.key, kv.value));
        return latest;
    }

    @Test
    void attemptsAreCountedPerProviderAndMinute() {
        attempt("alpha", T0 + 1_000, true, 100, null, null);
        attempt("alpha", T0 + 2_000, true, 300, null, null);
        attempt("alpha", T0 + 3_000, false, 50, "SERVER_ERROR", null);
        attempt("alpha", T0 + 4_000, false, 50, "TIMEOUT", null);
        attempt("alpha", T0 + 5_000, false, 50, "SERVER_ERROR", null);
        attempt("alpha", T0 + 61_000, true, 200, null, null);
        attempt("beta", T0 + 1_500, true, 900, null, null);

        Map<String, ProviderStats> latest = latestStats();

        ProviderStats first = latest.get("alpha|alpha-m|" + T0);
        assertThat(first.getAttempts()).isEqualTo(5);
        assertThat(first.getSuccesses()).isEqualTo(2);
        assertThat(first.getFailures()).isEqualTo(3);
        assertThat(first.getFailuresByClass()).containsOnly(Map.entry("SERVER_ERROR", 2L), Map.entry("TIMEOUT", 1L));
        assertThat(first.getWindowEndMs()).isEqualTo(T0 + 60_000);
        assertThat(first.getInputTokens()).isEqualTo(200);
        assertThat(first.getOutputTokens()).isEqualTo(100);
        assertThat(first.getCostUsd()).isCloseTo(0.004, within(1e-12));
        assertThat(first.getCostPerSuccessUsd()).isCloseTo(0.002, within(1e-12));
        assertThat(latest.get("alpha|alpha-m|" + (T0 + 60_000)).getAttempts()).isEqualTo(1);
        assertThat(latest.get("beta|beta-m|" + T0).getLatencyP50Ms()).isEqualTo(900.0);
    }

    @Test
    void latencyQuantilesComeFromTheSketch() {
        for (int i = 1; i <= 1_000; i++) {
            attempt("alpha", T0 + i * 50L, true, i, null, null);
        }

        ProviderStats window = latestStats().get("alpha|alpha-m|" + T0);

        assertThat(window.getSuccesses()).isEqualTo(1_000);
        assertThat(window.getLatencyP50Ms()).isCloseTo(500, within(10.0));
        assertThat(window.getLatencyP95Ms()).isCloseTo(950, within(10.0));
        assertThat(window.getLatencyP99Ms()).isCloseTo(990, within(5.0));
    }

    @Test
    void aLateRecordWithinGraceCountsAndOneBeyondGraceDoesNot() {
        attempt("alpha", T0 + 10_000, true, 100, null, null);
        attempt("alpha", T0 + 70_000, true, 100, null, null);      // stream time 70 s: window [0, 60) open until 90 s
        attempt("alpha", T0 + 20_000, true, 100, null, null);      // late, within grace: counted
        assertThat(latestStats().get("alpha|alpha-m|" + T0).getAttempts()).isEqualTo(2);

        attempt("alpha", T0 + 95_000, true, 100, null, null);      // stream time 95 s: window [0, 60) closed
        attempt("alpha", T0 + 30_000, true, 100, null, null);      // late beyond grace: dropped from the window
        Map<String, ProviderStats> latest = latestStats();
        assertThat(latest).doesNotContainKey("alpha|alpha-m|" + T0);
        assertThat(latest.get("alpha|alpha-m|" + (T0 + 60_000)).getAttempts()).isEqualTo(2);
    }

    @Test
    void feedbackIsJoinedToTheProviderThatAnsweredAndMovesItsQuality() {
        attempt("alpha", T0 + 1_000, true, 100, null, "math");
        String answered = "r" + sequence;
        feedback.pipeInput(answered, new Feedback(answered, "t", FeedbackKind.USER_SATISFACTION, 0.9, null, T0 + 2_000));
        feedback.pipeInput(answered, new Feedback(answered, "t", FeedbackKind.ACCURACY, 1.0, null, T0 + 3_000));
        feedback.pipeInput("never-answered", new Feedback("never-answered", "t", FeedbackKind.ACCURACY, 0.0, null, T0 + 3_000));

        ProviderStats window = latestStats().get("alpha|alpha-m|" + T0);
        assertThat(window.getSatisfactionMean()).isEqualTo(0.9);
        assertThat(window.getSatisfactionCount()).isEqualTo(1);
        assertThat(window.getAccuracyMean()).isEqualTo(1.0);
        assertThat(window.getAccuracyCount()).isEqualTo(1);

        Map<String, ProviderScore> latest = latestScores();
        // quality: 0.5 → 0.5 + 0.2·(0.9 − 0.5) = 0.58 → 0.58 + 0.2·(1.0 − 0.58) = 0.664
        assertThat(latest.get("alpha|alpha-m|*").getQuality()).isCloseTo(0.664, within(1e-9));
        assertThat(latest.get("alpha|alpha-m|math").getQuality()).isCloseTo(0.664, within(1e-9));
        assertThat(latest.get("alpha|alpha-m|*").getFeedbackCount()).isEqualTo(2);
    }

    @Test
    void theScoreFollowsItsFormula() {
        attempt("alpha", T0 + 1_000, true, 1_000, null, null);
        attempt("alpha", T0 + 2_000, false, 10, "SERVER_ERROR", null);

        ProviderScore score = latestScores().get("alpha|alpha-m|*");

        // successRate 1 → 1 (success) → 0.9 (failure); latency 1000 ms; cost $0.002 per success; quality 0.5
        assertThat(score.getSuccessRate()).isCloseTo(0.9, within(1e-12));
        assertThat(score.getLatencyMs()).isEqualTo(1_000.0);
        assertThat(score.getCostPerSuccessUsd()).isCloseTo(0.002, within(1e-12));
        double expected = 0.40 * 0.9 + 0.30 * 0.5 + 0.15 / (1 + 1.0) + 0.15 / (1 + 2.0);
        assertThat(score.getScore()).isCloseTo(expected, within(1e-12));
        assertThat(score.getAttempts()).isEqualTo(2);
        assertThat(latestScores()).isEmpty();
    }

    @Test
    void aReliableCheapFastProviderOutscoresAFlakyDearSlowOne() {
        for (int i = 0; i < 20; i++) {
            attempt("good", T0 + i * 100L, true, 200, null, null);
            attempt("bad", T0 + i * 100L, i % 2 == 0, 2_000, i % 2 == 0 ? null : "SERVER_ERROR", null);
        }
        Map<String, ProviderScore> latest = latestScores();
        assertThat(latest.get("good|good-m|*").getScore()).isGreaterThan(latest.get("bad|bad-m|*").getScore() + 0.2);
    }
}
