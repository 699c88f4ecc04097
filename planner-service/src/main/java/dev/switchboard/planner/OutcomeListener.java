package dev.switchboard.planner;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.planner.prompts.VariantSelector;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.PromptAnalysis;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What became of planned requests, read from the log by every planner instance: {@code llm.plans}
 * (which prompt, task type and prompt variant each request had, whichever planner planned it),
 * {@code llm.attempts} (who answered, at what cost) and {@code llm.feedback} (how well). It credits
 * each score to the model that answered (the learned router) and to the prompt variant the request
 * was given (when variants are configured), and charges each attempt's cost to its tenant (the
 * spend ledger, when budgets are configured).
 *
 * <p>At start-up it reads the last {@code planner.learning.replay.hours} of all three topics, so a
 * restarted planner learns again what it had learnt (the quality model and the variant statistics
 * live in memory), and attempts from the start of the UTC day when budgets are configured, so it
 * knows the day's spend. A record it cannot read is logged and skipped: it is already in the log
 * for analytics, and a planner must not stop learning over one bad record.
 */
final class OutcomeListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutcomeListener.class);

    private final Codec codec;
    private final LearnedRouter router;
    private final SpendLedger ledger;
    private final VariantSelector variants;
    /** Where each partition's log ended at start: records before that are replayed. */
    private final Map<TopicPartition, Long> replayEnd;
    private final LogFollower follower;

    /**
     * @param replay   how far back to read plans, attempts and feedback at start
     * @param ledger   null when no budget is configured
     * @param variants null when no prompt variant is configured
     */
    OutcomeListener(KafkaClients clients, Codec codec, LearnedRouter router, Duration replay, SpendLedger ledger,
                    VariantSelector variants) {
        this.codec = codec;
        this.router = router;
        this.ledger = ledger;
        this.variants = variants;
        KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-planner-outcomes");
        List<TopicPartition> attempts = LogFollower.partitions(consumer, Topics.ATTEMPTS.name());
        List<TopicPartition> all = new ArrayList<>(attempts);
        all.addAll(LogFollower.partitions(consumer, Topics.FEEDBACK.name()));
        all.addAll(LogFollower.partitions(consumer, Topics.PLANS.name()));
        consumer.assign(all);
        consumer.seekToEnd(all);
        long now = System.currentTimeMillis();
        long replayFrom = now - replay.toMillis();
        long dayStart = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        Map<TopicPartition, Long> from = new HashMap<>();
        for (TopicPartition p : all) {
            long at = ledger != null && attempts.contains(p) ? Math.min(dayStart, replayFrom) : replayFrom;
            if (at < now) {
                from.put(p, at);
            }
        }
        if (!from.isEmpty()) {
            consumer.offsetsForTimes(from).forEach((p, offset) -> {
                if (offset != null) {
                    consumer.seek(p, offset.offset());
                }
            });
        }
        this.replayEnd = Map.copyOf(consumer.endOffsets(all));
        long behind = 0;
        for (TopicPartition p : all) {
            behind += replayEnd.get(p) - consumer.position(p); // also resolves the positions now, so records published after start are seen
        }
        if (behind > 0) {
            log.info("Replaying {} records of {}, {} and {} to rebuild learned routing ({} h back)", behind,
                    Topics.PLANS.name(), Topics.ATTEMPTS.name(), Topics.FEEDBACK.name(), replay.toHours());
        }
        this.follower = new LogFollower("switchboard-planner-outcomes", consumer, this::handle);
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        if (record.topic().equals(Topics.PLANS.name())) {
            ExecutionPlan plan = codec.decode(Topics.PLANS, record.value());
            router.planned(plan.getRequestId(), PromptAnalysis.promptOf(plan.getRequest().getMessages()), plan.getTaskType());
            if (ledger != null && !plan.getSteps().isEmpty()) {
                // Another planner's plan: its estimate counts against the tenant until its attempts do.
                ledger.reserve(plan.getTenantId(), plan.getRequestId(), plan.getSteps().getFirst().getEstimatedCostUsd(),
                        plan.getPlannedAtMs());
            }
            if (variants != null && plan.getPromptVariant() != null) {
                variants.planned(plan.getRequestId(), plan.getPromptVariant(), !replayed(record));
            }
        } else if (record.topic().equals(Topics.ATTEMPTS.name())) {
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
                variants.feedback(feedback.getRequestId(), feedback.getScore(), !replayed(record));
            }
        }
    }

    /** Read again at start-up rather than published since: counts, but asks the planning model for nothing. */
    private boolean replayed(ConsumerRecord<byte[], byte[]> record) {
        return record.offset() < replayEnd.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L);
    }

    @Override
    public void close() {
        follower.close();
    }
}
