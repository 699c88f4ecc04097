package dev.switchboard.analytics.scoring;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.avro.ProviderStats;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;

import java.time.Duration;
import java.util.List;

/**
 * The scoring topology, built by a pure method:
 *
 * <pre>
 * llm.attempts ─┬─ successes by requestId ──> table success-by-request ─┐
 *               │                                                      │ join
 * llm.feedback ─┼──────────────────────────────────────────────────────┘──> feedback observations
 *               └─ attempt observations ──┬── 1-minute windows per provider|model (grace) ──> llm.provider-stats
 *                    feedback observations┘── rolling score per provider|model|taskType ─────> llm.provider-scores
 * </pre>
 *
 * Event time is the attempt's completedAtMs and the feedback's createdAtMs. A record later than a
 * window's grace is left out of that window's statistics (Kafka Streams drops it and counts it in
 * its dropped-records metric); every attempt still reaches ClickHouse's attempts table.
 */
public final class ScoringTopology {

    /** The serdes of the contract topics (Confluent wire format in production). */
    public record AvroSerdes(Serde<AttemptOutcome> attempts, Serde<Feedback> feedback, Serde<ProviderStats> stats,
                             Serde<ProviderScore> scores) {
    }

    public static final String SUCCESS_BY_REQUEST = "success-by-request";
    public static final String WINDOW_STORE = "provider-window-stats";
    public static final String SCORE_STORE = "provider-scores";
    public static final Duration WINDOW = Duration.ofMinutes(1);
    static final String ALL_TASKS = "*";

    private ScoringTopology() {
    }

    public static Topology build(AvroSerdes serdes, Duration grace) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<String> keys = Serdes.String();
        Serde<Observation> observations = new JsonSerde<>(Observation.class);
        Serde<Observation.Answer> answers = new JsonSerde<>(Observation.Answer.class);
        Serde<WindowStats> windowStats = new JsonSerde<>(WindowStats.class, WindowStats::pack);
        Serde<ProviderScorer> scorers = new JsonSerde<>(ProviderScorer.class);

        KStream<String, AttemptOutcome> attempts = builder.stream(Topics.ATTEMPTS.name(),
                Consumed.with(keys, serdes.attempts()).withTimestampExtractor(EVENT_TIME).withName("attempts"));
        KStream<String, Feedback> feedback = builder.stream(Topics.FEEDBACK.name(),
                Consumed.with(keys, serdes.feedback()).withTimestampExtractor(EVENT_TIME).withName("feedback"));

        KTable<String, Observation.Answer> answered = attempts
                .filter((requestId, a) -> a.getStatus() == ReplyStatus.SUCCEEDED, Named.as("successes"))
                .selectKey((key, a) -> a.getRequestId(), Named.as("successes-by-request-id"))
                .mapValues(a -> new Observation.Answer(a.getProvider(), a.getModel(), a.getTaskHint() == null ? "" : a.getTaskHint()),
                        Named.as("answers"))
                .toTable(Named.as(SUCCESS_BY_REQUEST), Materialized.<String, Observation.Answer, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(SUCCESS_BY_REQUEST)
                        .withKeySerde(keys).withValueSerde(answers));

        KStream<String, Observation> attemptObservations = attempts
                .map((key, a) -> KeyValue.pair(Observation.of(a).providerModel(), Observation.of(a)), Named.as("attempt-observations"));
        KStream<String, Observation> feedbackObservations = feedback
                .selectKey((key, f) -> f.getRequestId(), Named.as("feedback-by-request-id"))
                .join(answered, Observation::of,
                        org.apache.kafka.streams.kstream.Joined.with(keys, serdes.feedback(), answers).withName("feedback-with-answer"))
                .selectKey((requestId, o) -> o.providerModel(), Named.as("feedback-observations"));
        KStream<String, Observation> all = attemptObservations.merge(feedbackObservations, Named.as("observations"));

        all.groupByKey(Grouped.with(keys, observations).withName("by-provider-model"))
                .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, grace))
                .aggregate(WindowStats::new, (key, o, stats) -> stats.add(o), Named.as("window-stats"),
                        Materialized.<String, WindowStats, org.apache.kafka.streams.state.WindowStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(WINDOW_STORE)
                                .withKeySerde(keys).withValueSerde(windowStats))
                .toStream(Named.as("window-stats-changes"))
                .map((window, stats) -> KeyValue.pair(window.key() + "|" + window.window().start(),
                        stats.toAvro(window.window().start(), window.window().end(), System.currentTimeMillis())),
                        Named.as("provider-stats"))
                .to(Topics.PROVIDER_STATS.name(), Produced.with(keys, serdes.stats()).withName("provider-stats-out"));

        all.flatMap((key, o) -> List.of(
                        KeyValue.pair(key + "|" + ALL_TASKS, o),
                        KeyValue.pair(key + "|" + (o.taskType().isEmpty() ? "unknown" : o.taskType()), o)),
                        Named.as("by-task-type"))
                .groupByKey(Grouped.with(keys, observations).withName("by-provider-model-task"))
                .aggregate(ProviderScorer::new, (key, o, scorer) -> scorer.add(o, key.substring(key.lastIndexOf('|') + 1)),
                        Named.as("scores"),
                        Materialized.<String, ProviderScorer, org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>>as(SCORE_STORE)
                                .withKeySerde(keys).withValueSerde(scorers))
                .toStream(Named.as("score-changes"))
                .mapValues(scorer -> scorer.toAvro(System.currentTimeMillis()), Named.as("provider-scores"))
                .to(Topics.PROVIDER_SCORES.name(), Produced.with(keys, serdes.scores()).withName("provider-scores-out"));

        return builder.build();
    }

    /** Event time from the value: when the attempt completed, when the feedback was given. */
    static final TimestampExtractor EVENT_TIME = (record, partitionTime) -> {
        Object value = record.value();
        if (value instanceof AttemptOutcome a) {
            return a.getCompletedAtMs();
        }
        if (value instanceof Feedback f) {
            return f.getCreatedAtMs();
        }
        return record.timestamp();
    };
}
