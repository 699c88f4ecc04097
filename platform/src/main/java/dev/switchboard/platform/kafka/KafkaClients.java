package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.HashMap;
import java.util.Map;

/**
 * Kafka clients with the settings Switchboard's latency targets need: a 1 ms linger so records of
 * one poll batch share a request without waiting long, idempotent acks=all producers, consumers that
 * commit explicitly and read only committed records (dead-letter replays are transactional). Services read and write bytes and decode through a {@link Codec}, so nothing
 * fails inside {@code poll()}.
 */
public final class KafkaClients {

    /**
     * How long the broker holds a fetch that finds nothing ({@code fetch.max.wait.ms}). It costs no
     * latency: the broker answers a waiting fetch as soon as a record arrives (fetch.min.bytes 1).
     * It only sets how often an idle consumer asks again, so it is long: the stack runs a dozen idle
     * readers.
     */
    public static final int IDLE_FETCH_WAIT_MS = 500;

    /** How long a group member may go silent before its partitions go to the others ({@code session.timeout.ms}). */
    public static final int SESSION_TIMEOUT_MS = 10_000;

    private final String bootstrapServers;
    private final Map<String, Object> security;

    public KafkaClients(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    /** @param security Kafka client settings for a secured cluster ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) */
    public KafkaClients(String bootstrapServers, Map<String, Object> security) {
        this.bootstrapServers = bootstrapServers;
        this.security = Map.copyOf(security);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The security settings every client of this factory takes. */
    public Map<String, Object> security() {
        return security;
    }

    public KafkaProducer<byte[], byte[]> producer(String clientId) {
        Map<String, Object> props = common(clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Send at once: a request's records leave in three produces (request; plan with its task; reply),
        // and at low rates each waited out the whole linger. bench pipeline (sim-fast, 0 ms) p50 with 1 ms → 0 ms: 10.5 → 7.3 ms at 20/s,
        // 8.2 → 4.5 ms at 200/s, 21.7 → 17.4 ms at 1,000/s (docs/performance-tuning.md). A busy
        // producer still batches: records wait while its earlier sends are in flight.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // No compression: records are small, and consumers of other languages (kafkajs, say) lack lz4/zstd.
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A producer like {@link #producer} whose records may be up to {@code maxRecordBytes} (the topic must allow them too). */
    public KafkaProducer<byte[], byte[]> producer(String clientId, int maxRecordBytes) {
        Map<String, Object> props = common(clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRecordBytes);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A transactional producer: records sent between begin and commit become visible together. */
    public KafkaProducer<byte[], byte[]> transactionalProducer(String clientId, String transactionalId) {
        Map<String, Object> props = common(clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        // A replay killed mid-transaction holds read_committed consumers back until the broker aborts
        // it: keep that short.
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public KafkaConsumer<byte[], byte[]> consumer(String groupId, String clientId) {
        Map<String, Object> props = common(clientId);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // The classic protocol: on the embedded broker the plan → task hop measured 7 ms with it and
        // 80-110 ms with the KIP-848 "consumer" protocol (4.3.1, idle stage, a few samples).
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        // A member that dies (kill -9) keeps its partitions until its session runs out: 10 s, not the
        // default 45 s. Heartbeats go from a thread of their own, so long handler work does not count.
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, SESSION_TIMEOUT_MS / 4);
        // Cooperative rebalancing takes away only the partitions that move: a member joining or the
        // coordinator moving does not make every member drop (and later redo) the records in hand.
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, IDLE_FETCH_WAIT_MS);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A consumer without a group, for assign/seek readers such as the CLI. */
    public KafkaConsumer<byte[], byte[]> reader(String clientId) {
        Map<String, Object> props = common(clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, IDLE_FETCH_WAIT_MS);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    public Admin admin(String clientId) {
        Map<String, Object> props = common(clientId);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        return Admin.create(props);
    }

    private Map<String, Object> common(String clientId) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        props.putAll(security);
        return props;
    }
}
