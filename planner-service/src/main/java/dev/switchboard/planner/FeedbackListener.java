package dev.switchboard.planner;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds the learned router from the log: every planner instance reads all of {@code llm.attempts}
 * (who answered) and {@code llm.feedback} (how well), from the end at start-up, and credits each
 * score to the model that answered. A record it cannot read is logged and skipped: it is already
 * in the log for analytics, and a planner must not stop learning over one bad record.
 */
final class FeedbackListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FeedbackListener.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Codec codec;
    private final LearnedRouter router;
    private final Thread thread;
    private volatile boolean running = true;

    FeedbackListener(KafkaClients clients, Codec codec, LearnedRouter router) {
        this.codec = codec;
        this.router = router;
        this.consumer = clients.reader("switchboard-planner-feedback");
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.ATTEMPTS.name(), Topics.FEEDBACK.name())) {
            consumer.partitionsFor(topic, Duration.ofSeconds(10))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end now, so records published after start are seen
        this.thread = Thread.ofPlatform().daemon().name("switchboard-planner-feedback").start(this::run);
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    try {
                        if (record.topic().equals(Topics.ATTEMPTS.name())) {
                            AttemptOutcome attempt = codec.decode(Topics.ATTEMPTS, record.value());
                            if (attempt.getStatus() == ReplyStatus.SUCCEEDED) {
                                router.answered(attempt.getRequestId(), attempt.getProvider(), attempt.getModel());
                            }
                        } else {
                            Feedback feedback = codec.decode(Topics.FEEDBACK, record.value());
                            router.feedback(feedback.getRequestId(), feedback.getScore());
                        }
                    } catch (RuntimeException e) {
                        log.warn("Planner feedback: skipping unreadable {} record at {}-{}: {}", record.topic(),
                                record.partition(), record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("Planner feedback listener stopped; the planner no longer learns", e);
        } finally {
            consumer.close();
        }
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
