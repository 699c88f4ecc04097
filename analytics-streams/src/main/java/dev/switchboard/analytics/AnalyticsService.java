package dev.switchboard.analytics;

import dev.switchboard.analytics.clickhouse.ClickHouseConnection;
import dev.switchboard.analytics.clickhouse.ClickHouseSink;
import dev.switchboard.analytics.scoring.DeadLetterDeserializationHandler;
import dev.switchboard.analytics.scoring.ScoringTopology;
import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.avro.ProviderStats;
import dev.switchboard.platform.Service;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.schemas.serde.AvroSerde;
import dev.switchboard.schemas.serde.AvroSerdeConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The analytics service: the scoring topology as a Kafka Streams app (exactly once, v2) and, when
 * ClickHouse is enabled, the sink, which applies the migrations itself once ClickHouse answers: the
 * service starts, and scores, whether ClickHouse is up or not.
 */
public final class AnalyticsService implements Service {

    public static final String APPLICATION_ID = "switchboard-analytics";

    private final KafkaStreams streams;
    private final ClickHouseConnection clickhouse;
    private final ClickHouseSink sink;

    public AnalyticsService(SwitchboardConfig config, KafkaClients clients, Codec codec) {
        SwitchboardConfig.AnalyticsSettings settings = config.analytics();
        ScoringTopology.AvroSerdes serdes = new ScoringTopology.AvroSerdes(
                new AvroSerde<>(codec.registry(), AttemptOutcome.class), new AvroSerde<>(codec.registry(), Feedback.class),
                new AvroSerde<>(codec.registry(), ProviderStats.class), new AvroSerde<>(codec.registry(), ProviderScore.class));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.putAll(config.security().kafkaClientProperties());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir().toAbsolutePath().toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.topicReplicationFactor());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        props.putAll(config.schemaRegistryClientProperties());
        this.streams = new KafkaStreams(ScoringTopology.build(serdes, settings.windowGrace()), props);
        if (settings.clickhouseEnabled()) {
            this.clickhouse = new ClickHouseConnection(settings.clickhouseUrl(), settings.clickhouseUser(), settings.clickhousePassword());
            this.sink = new ClickHouseSink(clickhouse, clients, codec, settings.sinkBatchSize(), settings.sinkFlush().toMillis());
        } else {
            this.clickhouse = null;
            this.sink = null;
        }
    }

    public AnalyticsService start() {
        streams.start();
        if (sink != null) {
            sink.start();
        }
        return this;
    }

    /**
     * Waits until ClickHouse holds the current schema (the sink applies the migrations as soon as
     * ClickHouse answers); true at once without ClickHouse, false if not done within {@code timeout}.
     */
    public boolean awaitClickHouseSchema(Duration timeout) throws InterruptedException {
        return sink == null || sink.awaitSchema(timeout);
    }

    public boolean writesToClickHouse() {
        return sink != null;
    }

    @Override
    public List<HealthCheck> healthChecks() {
        List<HealthCheck> checks = new ArrayList<>();
        checks.add(new HealthCheck() {
            @Override
            public String name() {
                return "analytics-scoring";
            }

            @Override
            public Health check() {
                KafkaStreams.State state = streams.state();
                return new Health(state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING,
                        Map.of("state", state.name()));
            }
        });
        if (sink != null) {
            checks.add(sink);
        }
        return checks;
    }

    @Override
    public void close() {
        if (sink != null) {
            sink.close();
            clickhouse.close();
        }
        streams.close(Duration.ofSeconds(10));
    }
}
