package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Where state kept from a compacted topic gets its records: the topic read once to its end, or
 * followed from its beginning until closed, with a signal once all the topic held at the start has
 * been read. The shared part of the tool registry and the knowledge base.
 */
public final class TopicSource implements AutoCloseable {

    /** Null when the topic was read once. */
    private final LogFollower follower;
    private final CountDownLatch caughtUp;

    private TopicSource(LogFollower follower, CountDownLatch caughtUp) {
        this.follower = follower;
        this.caughtUp = caughtUp;
    }

    /** Hands every record {@code topic} holds now to {@code apply}, before returning. */
    public static TopicSource read(KafkaClients clients, String topic, Consumer<ConsumerRecord<byte[], byte[]>> apply) {
        TopicReader.readToEnd(clients, List.of(topic), r -> true).forEach(apply);
        return new TopicSource(null, new CountDownLatch(0));
    }

    /** Hands every record of {@code topic} to {@code apply}, from its beginning, on a thread of its own until closed. */
    public static TopicSource follow(KafkaClients clients, String name, String topic, Consumer<ConsumerRecord<byte[], byte[]>> apply) {
        CountDownLatch caughtUp = new CountDownLatch(1);
        return new TopicSource(LogFollower.fromBeginning(name, clients.reader(name), topic, apply, caughtUp), caughtUp);
    }

    /** Whether all the topic held at the start has been read, waiting up to {@code timeout}; at once when it was read once. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.close();
        }
    }
}
