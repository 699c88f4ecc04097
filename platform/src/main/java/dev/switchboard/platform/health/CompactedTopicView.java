package dev.switchboard.platform.health;

import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topic;
import org.apache.avro.specific.SpecificRecord;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/**
 * The latest value per key of a compacted topic, kept current by a background reader from the
 * topic's beginning: the shared part of the health and score views.
 */
final class CompactedTopicView<V extends SpecificRecord> implements AutoCloseable {

    private final Map<String, V> latest = new ConcurrentHashMap<>();
    private final LogFollower follower;

    /** @param newer which of two values for one key to keep (the later, usually) */
    CompactedTopicView(KafkaClients clients, Codec codec, Topic<V> topic, Function<V, String> key, BinaryOperator<V> newer) {
        this.follower = new LogFollower("switchboard-view-" + topic.name(),
                LogFollower.fromBeginning(clients.reader("switchboard-view-" + topic.name()), topic.name()), record -> {
                    V value = codec.decode(topic, record.value());
                    latest.merge(key.apply(value), value, newer);
                });
    }

    V get(String key) {
        return latest.get(key);
    }

    Map<String, V> snapshot() {
        return Map.copyOf(latest);
    }

    @Override
    public void close() {
        follower.close();
    }
}
