package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * Follows what a group-less consumer is assigned, on a {@link PollLoop} daemon thread of its own,
 * handing each record to a handler until closed: the shared part of the views, listeners and
 * readers that keep state from the log. A record the handler throws on is logged and skipped, so
 * one bad record does not stop the follower; a failing consumer is polled again after the loop's
 * back-off, from where it was. {@link #close} wakes the consumer, waits for the thread and closes
 * the consumer.
 */
public final class LogFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LogFollower.class);
    private static final Duration METADATA_WAIT = Duration.ofSeconds(30);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    private final PollLoop loop;

    /** @param consumer assigned and positioned; the follower owns it from now on */
    public LogFollower(String name, KafkaConsumer<byte[], byte[]> consumer, Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        this(name, consumer, handler, polled -> { });
    }

    /**
     * @param afterPoll called on the follower's thread after each poll's records were handled, with
     *                  the consumer (its positions are then past every handled record)
     */
    public LogFollower(String name, KafkaConsumer<byte[], byte[]> consumer, Consumer<ConsumerRecord<byte[], byte[]>> handler,
                       Consumer<KafkaConsumer<byte[], byte[]>> afterPoll) {
        PollLoop.Session session = new PollLoop.Session() {
            @Override
            public void poll() {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
                    try {
                        handler.accept(record);
                    } catch (RuntimeException e) {
                        log.warn("{}: skipping unreadable {} record at {}-{}: {}", name, record.topic(), record.partition(),
                                record.offset(), e.getMessage());
                    }
                }
                afterPoll.accept(consumer);
            }

            @Override
            public void wakeup() {
                consumer.wakeup();
            }

            @Override
            public void close(boolean orderly) {
                consumer.close();
            }

            @Override
            public boolean reopenAfterFailure() {
                return false; // the consumer keeps its position: poll it again
            }
        };
        this.loop = new PollLoop(name, () -> session, true).start();
    }

    /** Every partition of {@code topic}. */
    public static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        return consumer.partitionsFor(topic, METADATA_WAIT).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** {@code consumer} assigned every partition of {@code topic}, from the beginning. */
    public static KafkaConsumer<byte[], byte[]> fromBeginning(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = partitions(consumer, topic);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /**
     * A follower of every partition of {@code topic} from its beginning, which counts {@code caughtUp}
     * down once it has handled every record the topic held when it was made: state rebuilt from a
     * compacted topic is complete from then on.
     */
    public static LogFollower fromBeginning(String name, KafkaConsumer<byte[], byte[]> consumer, String topic,
                                            Consumer<ConsumerRecord<byte[], byte[]>> handler, CountDownLatch caughtUp) {
        fromBeginning(consumer, topic);
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
        return new LogFollower(name, consumer, handler, c -> {
            if (caughtUp.getCount() > 0 && ends.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                caughtUp.countDown();
            }
        });
    }

    /** {@code consumer} assigned every partition of {@code topics}, from their current ends. */
    public static KafkaConsumer<byte[], byte[]> fromEnd(KafkaConsumer<byte[], byte[]> consumer, List<String> topics) {
        List<TopicPartition> partitions = topics.stream().flatMap(topic -> partitions(consumer, topic).stream()).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the ends now, not at the first poll
        return consumer;
    }

    @Override
    public void close() {
        loop.close(Duration.ofSeconds(5));
    }
}
