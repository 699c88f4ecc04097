package dev.switchboard.platform.health;

import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topic;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/**
 * The latest value per key of a compacted topic, kept current by a background reader from the
 * topic's beginning: the shared part of the health and score views.
 */
final class CompactedTopicView<V extends SpecificRecord> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CompactedTopicView.class);

    private final Map<String, V> latest = new ConcurrentHashMap<>();
    private final Topic<V> topic;
    private final Codec codec;
    private final Function<V, String> key;
    private final BinaryOperator<V> newer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    /** @param newer which of two values for one key to keep (the later, usually) */
    CompactedTopicView(KafkaClients clients, Codec codec, Topic<V> topic, Function<V, String> key, BinaryOperator<V> newer) {
        this.topic = topic;
        this.codec = codec;
        this.key = key;
        this.newer = newer;
        this.consumer = clients.reader("switchboard-view-" + topic.name());
        List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::run, "switchboard-view-" + topic.name());
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        V value = codec.decode(topic, record.value());
                        latest.merge(key.apply(value), value, newer);
                    } catch (RuntimeException e) {
                        log.warn("Skipping unreadable {} record at {}-{}: {}", topic.name(), record.partition(), record.offset(),
                                e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("View of {} stopped", topic.name(), e);
        } finally {
            consumer.close();
        }
    }

    V get(String key) {
        return latest.get(key);
    }

    Map<String, V> snapshot() {
        return Map.copyOf(latest);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
