package dev.switchboard.planner;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.planner.prompts.VariantSelector;
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
 * What became of planned requests, read from the log by every planner instance: all of
 * {@code llm.attempts} (who answered, at what cost) and {@code llm.feedback} (how well). It credits
 * each score to the model that answered (the learned router) and to the prompt
 * variant the request was given (when variants are configured), and charges each
 * attempt's cost to its tenant (the spend ledger, when budgets are configured: attempts are then
 * read from the start of the current UTC day, so a restarted planner knows the day's spend).
 * Feedback is read from the end at start-up. A record it cannot read is logged and skipped: it is
 * already in the log for analytics, and a planner must not stop learning over one bad record.
 */
final class OutcomeListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutcomeListener.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Codec codec;
    private final LearnedRouter router;
    private final SpendLedger ledger;
    private final VariantSelector variants;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param ledger   null when no budget is configured
     * @param variants null when no prompt variant is configured
     */
    OutcomeListener(KafkaClients clients, Codec codec, LearnedRouter router, SpendLedger ledger, VariantSelector variants) {
        this.codec = codec;
        this.router = router;
        this.ledger = ledger;
        this.variants = variants;
        this.consumer = clients.reader("switchboard-planner-outcomes");
        List<TopicPartition> attempts = partitions(Topics.ATTEMPTS.name());
        List<TopicPartition> feedback = partitions(Topics.FEEDBACK.name());
        List<TopicPartition> all = new ArrayList<>(attempts);
        all.addAll(feedback);
        consumer.assign(all);
        consumer.seekToEnd(all);
        if (ledger != null) {
            long dayStart = java.time.LocalDate.now(java.time.ZoneOffset.UTC).atStartOfDay(java.time.ZoneOffset.UTC)
                    .toInstant().toEpochMilli();
            java.util.Map<TopicPartition, Long> at = new java.util.HashMap<>();
            attempts.forEach(p -> at.put(p, dayStart));
            consumer.offsetsForTimes(at).forEach((p, offset) -> {
                if (offset != null) {
                    consumer.seek(p, offset.offset());
                }
            });
        }
        all.forEach(consumer::position); // resolve the positions now, so records published after start are seen
        this.thread = Thread.ofPlatform().daemon().name("switchboard-planner-outcomes").start(this::run);
    }

    private List<TopicPartition> partitions(String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    try {
                        if (record.topic().equals(Topics.ATTEMPTS.name())) {
                            AttemptOutcome attempt = codec.decode(Topics.ATTEMPTS, record.value());
                            if (ledger != null) {
                                ledger.record(attempt.getTenantId(), attempt.getRequestId(), attempt.getAttempt(),
                                        attempt.getCostUsd(), attempt.getCompletedAtMs());
                            }
                            if (attempt.getStatus() == ReplyStatus.SUCCEEDED) {
                                router.answered(attempt.getRequestId(), attempt.getProvider(), attempt.getModel());
                            }
                        } else {
                            Feedback feedback = codec.decode(Topics.FEEDBACK, record.value());
                            router.feedback(feedback.getRequestId(), feedback.getScore());
                            if (variants != null) {
                                variants.feedback(feedback.getRequestId(), feedback.getScore());
                            }
                        }
                    } catch (RuntimeException e) {
                        log.warn("Planner outcomes: skipping unreadable {} record at {}-{}: {}", record.topic(),
                                record.partition(), record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("Planner outcome listener stopped; the planner no longer learns or counts spend", e);
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
