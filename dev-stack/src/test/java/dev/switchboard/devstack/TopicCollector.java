package dev.switchboard.devstack;

import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topic;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Reads a topic from the beginning in the background and keeps every decoded record, for assertions. */
public final class TopicCollector<V extends SpecificRecord> implements AutoCloseable {

    /** A decoded record with its raw form. */
    public record Received<V>(ConsumerRecord<byte[], byte[]> raw, V value) {
    }

    private final Topic<V> topic;
    private final Codec codec;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Received<V>> received = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public TopicCollector(Topic<V> topic, KafkaClients clients, Codec codec) {
        this.topic = topic;
        this.codec = codec;
        this.consumer = clients.reader("collector-" + topic.name());
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic.name(), Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::run, "collector-" + topic.name());
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    received.add(new Received<>(record, codec.decode(topic, record.value())));
                }
            }
        } catch (WakeupException ignored) {
            // closing
        } finally {
            consumer.close();
        }
    }

    public List<Received<V>> all() {
        return List.copyOf(received);
    }

    public List<V> values(Predicate<V> filter) {
        return received.stream().map(Received::value).filter(filter).toList();
    }

    public List<Received<V>> matching(Predicate<V> filter) {
        return received.stream().filter(r -> filter.test(r.value())).toList();
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
