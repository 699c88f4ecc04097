package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
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
     * readers and dozens of idle worker slots.
     */
    public static final int IDLE_FETCH_WAIT_MS = 500;

    private final String bootstrapServers;

    public KafkaClients(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public KafkaProducer<byte[], byte[]> producer(String clientId) {
        Map<String, Object> props = common(clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        // No compression: records are small, and consumers of other languages (kafkajs, say) lack lz4/zstd.
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
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

    /**
     * A share-group consumer with explicit acknowledgement that acquires at most {@code maxPollRecords}
     * records a fetch ({@code record_limit}). The default acquire mode, {@code batch_optimized},
     * acquires whole producer batches, and the client hands out {@code max.poll.records} of them a
     * poll: the rest wait in its buffer, their locks running, until the next poll, which a worker
     * slot busy with its calls does not make. Poll it with a timeout longer than
     * {@link #IDLE_FETCH_WAIT_MS}, so a poll's fetch comes back within the poll.
     */
    public KafkaShareConsumer<byte[], byte[]> shareConsumer(String groupId, String clientId, int maxPollRecords) {
        Map<String, Object> props = common(clientId);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, IDLE_FETCH_WAIT_MS);
        return new KafkaShareConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
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
        return props;
    }
}
