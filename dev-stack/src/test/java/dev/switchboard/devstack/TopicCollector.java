package dev.switchboard.devstack;

import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topic;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Reads a topic from the beginning in the background and keeps every decoded record, for assertions. */
public final class TopicCollector<V extends SpecificRecord> implements AutoCloseable {

    /** A decoded record with its raw form. */
    public record Received<V>(ConsumerRecord<byte[], byte[]> raw, V value) {
    }

    private final List<Received<V>> received = new CopyOnWriteArrayList<>();
    private final LogFollower follower;

    public TopicCollector(Topic<V> topic, KafkaClients clients, Codec codec) {
        this.follower = new LogFollower("collector-" + topic.name(),
                LogFollower.fromBeginning(clients.reader("collector-" + topic.name()), topic.name()),
                record -> received.add(new Received<>(record, codec.decode(topic, record.value()))));
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
        follower.close();
    }
}
