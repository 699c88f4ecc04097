package dev.switchboard.planner;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.planner.prompts.VariantSelector;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    private final Codec codec;
    private final LearnedRouter router;
    private final SpendLedger ledger;
    private final VariantSelector variants;
    private final LogFollower follower;

    /**
     * @param ledger   null when no budget is configured
     * @param variants null when no prompt variant is configured
     */
    OutcomeListener(KafkaClients clients, Codec codec, LearnedRouter router, SpendLedger ledger, VariantSelector variants) {
        this.codec = codec;
        this.router = router;
        this.ledger = ledger;
        this.variants = variants;
        KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-planner-outcomes");
        List<TopicPartition> attempts = LogFollower.partitions(consumer, Topics.ATTEMPTS.name());
        List<TopicPartition> all = new ArrayList<>(attempts);
        all.addAll(LogFollower.partitions(consumer, Topics.FEEDBACK.name()));
        consumer.assign(all);
        consumer.seekToEnd(all);
        if (ledger != null) {
            long dayStart = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            Map<TopicPartition, Long> at = new HashMap<>();
            attempts.forEach(p -> at.put(p, dayStart));
            consumer.offsetsForTimes(at).forEach((p, offset) -> {
                if (offset != null) {
                    consumer.seek(p, offset.offset());
                }
            });
        }
        all.forEach(consumer::position); // resolve the positions now, so records published after start are seen
        this.follower = new LogFollower("switchboard-planner-outcomes", consumer, this::handle);
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
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
    }

    @Override
    public void close() {
        follower.close();
    }
}
