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
import java.time.Instant;
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
 * <p>At start-up it restores the latest checkpoint ({@link Checkpoints}) and reads the feedback
 * after it, with plans and attempts from a little before it (late feedback then finds its plan);
 * without a checkpoint it reads the last {@code planner.learning.replay.hours} of all three topics,
 * so a restarted planner learns again what it had learnt. When budgets are configured it needs the
 * day's spend: the checkpoint's and the attempts after it, or without a checkpoint that has one,
 * the attempts since the start of the UTC day. Every {@code planner.checkpoint.interval.ms} in which
 * it learnt or charged something, it waits for the learning thread and writes a checkpoint. A
 * record it cannot read is logged and skipped: it is already in the log for analytics, and a
 * planner must not stop learning over one bad record.
 */
final class OutcomeListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutcomeListener.class);

    /** Lessons the learning thread may have queued for a checkpoint to wait for them; with more it waits for a later poll. */
    static final int CHECKPOINT_BACKLOG = 100;
    /** How long a checkpoint waits for the learning thread at most. */
    static final Duration CHECKPOINT_WAIT = Duration.ofSeconds(5);

    /** How a planner keeps its learned state: where checkpoints go, how often, how far back plans are read after one. */
    record Checkpointing(Checkpoints checkpoints, Duration interval, Duration plansLookback) {
    }

    private final Codec codec;
    private final LearnedRouter router;
    private final SpendLedger ledger;
    private final VariantSelector variants;
    private final Checkpointing checkpointing;
    /** Where each partition's log ended at start: records before that are replayed. */
    private final Map<TopicPartition, Long> replayEnd;
    private final List<TopicPartition> feedbackPartitions;
    /** Per plans and attempts partition, the first offset the restored spend does not cover (none: charge every record). */
    private final Map<TopicPartition, Long> chargedFrom;
    private final String startedFrom;
    private final long behindAtStart;
    private final long startedAtNanos = System.nanoTime();
    private volatile boolean ready;
    private volatile long readyAfterMs = -1;
    private long lastCheckpointMs = System.currentTimeMillis();
    private long learntAtCheckpoint;
    /** Spend recorded since the last checkpoint (on the follower's thread). */
    private boolean chargedSinceCheckpoint;
    private final LogFollower follower;

    /**
     * @param replay        how far back to read plans, attempts and feedback at start when there is no checkpoint
     * @param ledger        null when no budget is configured
     * @param variants      null when no prompt variant is configured
     * @param checkpoint    the checkpoint to start from, or null: the router and variants are restored
     *                      from it, and only feedback after it is read (plans and attempts from
     *                      {@code checkpointing.plansLookback()} before it, so late feedback finds its plan)
     * @param checkpointing null: no checkpoints are written
     */
    OutcomeListener(KafkaClients clients, Codec codec, LearnedRouter router, Duration replay, SpendLedger ledger,
                    VariantSelector variants, Checkpoints.Loaded checkpoint, Checkpointing checkpointing) {
        this.codec = codec;
        this.router = router;
        this.ledger = ledger;
        this.variants = variants;
        this.checkpointing = checkpointing;
        if (checkpoint != null) {
            try {
                router.restore(checkpoint.router()); // all or nothing: before anything else is restored
            } catch (RuntimeException e) {
                log.warn("Checkpoint {} cannot be restored ({}): the log is replayed instead", checkpoint.id(), e.getMessage());
                checkpoint = null;
            }
        }
        KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-planner-outcomes");
        List<TopicPartition> attempts = LogFollower.partitions(consumer, Topics.ATTEMPTS.name());
        this.feedbackPartitions = LogFollower.partitions(consumer, Topics.FEEDBACK.name());
        List<TopicPartition> all = new ArrayList<>(attempts);
        all.addAll(feedbackPartitions);
        all.addAll(LogFollower.partitions(consumer, Topics.PLANS.name()));
        consumer.assign(all);
        consumer.seekToEnd(all);
        long now = System.currentTimeMillis();
        long replayFrom = checkpoint == null ? now - replay.toMillis()
                : checkpoint.createdAtMs() - (checkpointing == null ? Duration.ZERO : checkpointing.plansLookback()).toMillis();
        long dayStart = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        // The checkpoint's spend covers the attempts and plans before its positions: those are read again for
        // the router only. Without it (no budgets when it was taken), the day's attempts are read as without a checkpoint.
        boolean spendCovered = checkpoint != null && ledger != null && checkpoint.spend() != null;
        this.chargedFrom = spendCovered ? positionsOf(checkpoint.positions()) : Map.of();
        Map<TopicPartition, Long> from = new HashMap<>();
        for (TopicPartition p : all) {
            if (checkpoint != null && feedbackPartitions.contains(p) && checkpoint.positions().feedback().containsKey(p.partition())) {
                continue; // sought below, to the checkpoint's offset
            }
            long at = ledger != null && !spendCovered && attempts.contains(p) ? Math.min(dayStart, replayFrom) : replayFrom;
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
        if (checkpoint != null) {
            if (spendCovered) {
                ledger.restore(checkpoint.spend());
            }
            if (variants != null) {
                variants.restore(checkpoint.variants());
            }
            for (TopicPartition p : feedbackPartitions) {
                Long offset = checkpoint.positions().feedback().get(p.partition());
                if (offset != null) {
                    consumer.seek(p, offset);
                }
            }
            // Of the plans (and attempts) before the checkpoint, at most as many as the router remembers: a busy log's
            // lookback holds far more than feedback could still find (its plan would have been forgotten anyway).
            long perPartition = LearnedRouter.REMEMBERED / Math.max(1, all.stream().filter(p -> p.topic().equals(Topics.PLANS.name())).count());
            for (TopicPartition p : all) {
                Long at = p.topic().equals(Topics.PLANS.name()) ? checkpoint.positions().plans().get(p.partition())
                        : (ledger == null || spendCovered) && attempts.contains(p) ? checkpoint.positions().attempts().get(p.partition())
                        : null;
                if (at != null && consumer.position(p) < at - perPartition) {
                    consumer.seek(p, at - perPartition);
                }
            }
            this.learntAtCheckpoint = router.learned();
            this.startedFrom = "checkpoint " + checkpoint.id() + " of " + Instant.ofEpochMilli(checkpoint.createdAtMs());
        } else {
            this.startedFrom = replay.toHours() + " h of the log";
        }
        this.replayEnd = Map.copyOf(consumer.endOffsets(all));
        long behind = 0;
        for (TopicPartition p : all) {
            behind += replayEnd.get(p) - consumer.position(p); // also resolves the positions now, so records published after start are seen
        }
        this.behindAtStart = behind;
        if (behind > 0) {
            router.loading();
            log.info("Replaying {} records of {}, {} and {} to rebuild learned routing, from {}", behind,
                    Topics.PLANS.name(), Topics.ATTEMPTS.name(), Topics.FEEDBACK.name(), startedFrom);
        } else {
            markReady();
        }
        this.follower = new LogFollower("switchboard-planner-outcomes", consumer, this::handle, this::afterPoll);
    }

    /** After each poll, on the follower's thread: is the log read up to where it ended at start; is a checkpoint due. */
    private void afterPoll(KafkaConsumer<byte[], byte[]> consumer) {
        if (!ready && replayEnd.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())
                && router.learningIdle()) {
            markReady();
        }
        if (checkpointing == null || !ready) {
            return;
        }
        long now = System.currentTimeMillis();
        if (now - lastCheckpointMs < checkpointing.interval().toMillis() || (router.learned() == learntAtCheckpoint && !chargedSinceCheckpoint)
                || router.learningBacklog() > CHECKPOINT_BACKLOG) {
            return;
        }
        try {
            if (!router.awaitLearnt(CHECKPOINT_WAIT)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        Map<Integer, Long> feedback = new HashMap<>();
        Map<Integer, Long> plans = new HashMap<>();
        Map<Integer, Long> attempts = new HashMap<>();
        for (TopicPartition p : replayEnd.keySet()) {
            Map<Integer, Long> into = feedbackPartitions.contains(p) ? feedback : p.topic().equals(Topics.PLANS.name()) ? plans : attempts;
            into.put(p.partition(), consumer.position(p));
        }
        learntAtCheckpoint = router.learned();
        chargedSinceCheckpoint = false;
        checkpointing.checkpoints().write(router.snapshot(), variants == null ? List.of() : variants.snapshot(),
                ledger == null ? null : ledger.snapshot(), new Checkpoints.Positions(feedback, plans, attempts), now);
        lastCheckpointMs = now;
    }

    private void markReady() {
        readyAfterMs = (System.nanoTime() - startedAtNanos) / 1_000_000;
        ready = true;
        router.loaded();
        if (behindAtStart > 0) {
            log.info("Learned routing ready after {} ms: {} records read from {}", readyAfterMs, behindAtStart, startedFrom);
        }
    }

    /**
     * True once the log is read up to where it ended at start and everything read is learnt: the
     * learned state is what it was before the restart.
     */
    boolean ready() {
        return ready;
    }

    /** Milliseconds from start until ready, or -1 before. */
    long readyAfterMs() {
        return readyAfterMs;
    }

    /** Records of plans, attempts and feedback there were to read at start. */
    long behindAtStart() {
        return behindAtStart;
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        if (record.topic().equals(Topics.PLANS.name())) {
            ExecutionPlan plan = codec.decode(Topics.PLANS, record.value());
            Map<String, Double> estimates = new HashMap<>();
            plan.getSteps().forEach(step -> {
                if (step.getEstimatedQuality() != null) {
                    estimates.putIfAbsent(step.getModel(), step.getEstimatedQuality());
                }
            });
            router.planned(plan.getRequestId(), PromptAnalysis.promptOf(plan.getRequest().getMessages()), plan.getTaskType(), estimates);
            if (ledger != null && !plan.getSteps().isEmpty() && uncharged(record)) {
                // Another planner's plan: its estimate counts against the tenant until its attempts do.
                ledger.reserve(plan.getTenantId(), plan.getRequestId(), plan.getSteps().getFirst().getEstimatedCostUsd(),
                        plan.getPlannedAtMs());
            }
            if (variants != null && plan.getPromptVariant() != null) {
                variants.planned(plan.getRequestId(), plan.getPromptVariant(), !replayed(record));
            }
        } else if (record.topic().equals(Topics.ATTEMPTS.name())) {
            AttemptOutcome attempt = codec.decode(Topics.ATTEMPTS, record.value());
            if (ledger != null && uncharged(record)) {
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

    /** True unless the restored checkpoint's spend already counts this plan or attempt. */
    private boolean uncharged(ConsumerRecord<byte[], byte[]> record) {
        Long from = chargedFrom.get(new TopicPartition(record.topic(), record.partition()));
        boolean uncharged = from == null || record.offset() >= from;
        chargedSinceCheckpoint |= uncharged;
        return uncharged;
    }

    private static Map<TopicPartition, Long> positionsOf(Checkpoints.Positions positions) {
        Map<TopicPartition, Long> out = new HashMap<>();
        positions.plans().forEach((partition, offset) -> out.put(new TopicPartition(Topics.PLANS.name(), partition), offset));
        positions.attempts().forEach((partition, offset) -> out.put(new TopicPartition(Topics.ATTEMPTS.name(), partition), offset));
        return Map.copyOf(out);
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
