package dev.switchboard.planner;

import dev.switchboard.avro.PlannerState;
import dev.switchboard.avro.QualityModelState;
import dev.switchboard.avro.SpendReservation;
import dev.switchboard.avro.SpendState;
import dev.switchboard.avro.VariantState;
import dev.switchboard.planner.prompts.VariantSelector;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.LinearQualityModel;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicBootstrap;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The planner's learned state on the compacted {@code llm.planner-state}, so that a starting
 * planner reads a checkpoint and the log after it rather than a day of the log: the quality
 * model's regressions (one part per model), the prompt variants' feedback and refined variants,
 * budgeted tenants' spend today, and the feedback scores still waiting for their plan or answer.
 *
 * <p>A checkpoint is its parts, keyed {@code <checkpointId>/<part>}, then a manifest keyed
 * {@code manifest} that lists them with the {@code llm.feedback} offsets the state covers. The
 * previous checkpoint's parts are deleted (tombstones) only once the next manifest is written, so
 * the latest manifest's parts are always there, whichever planner instance wrote it: every instance
 * learns from the same log, so any instance's checkpoint will do for any other. A manifest whose
 * parts are missing (a write that failed half-way) is not used: the planner then replays the log
 * as it does without a checkpoint.
 */
final class Checkpoints implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);

    static final String MANIFEST = "manifest";

    /** Where a planner had read each topic to, per partition, when it took a checkpoint. */
    record Positions(Map<Integer, Long> feedback, Map<Integer, Long> plans, Map<Integer, Long> attempts) {
    }

    /** A checkpoint read back. */
    record Loaded(String id, long createdAtMs, Positions positions, LearnedRouter.State router,
                  List<VariantSelector.Saved> variants, SpendLedger.Saved spend) {
    }

    private final Codec codec;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String instance = UUID.randomUUID().toString().substring(0, 8);
    private long sequence;
    private List<String> previousParts = List.of();

    Checkpoints(KafkaClients clients, Codec codec) {
        this.codec = codec;
        this.producer = clients.producer("switchboard-planner-checkpoints", TopicBootstrap.PLANNER_STATE_MAX_BYTES);
    }

    /** The latest complete checkpoint, or empty when there is none (or its parts are not all there). */
    static Optional<Loaded> load(KafkaClients clients, Codec codec) {
        Map<String, byte[]> latest = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-planner-checkpoint-reader")) {
            List<TopicPartition> partitions = dev.switchboard.platform.kafka.LogFollower.partitions(consumer, Topics.PLANNER_STATE.name());
            if (partitions.isEmpty()) {
                return Optional.empty();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() == null) {
                        continue;
                    }
                    String key = new String(record.key(), StandardCharsets.UTF_8);
                    if (record.value() == null) {
                        latest.remove(key);
                    } else {
                        latest.put(key, record.value());
                    }
                }
            }
        }
        byte[] manifestBytes = latest.get(MANIFEST);
        if (manifestBytes == null) {
            return Optional.empty();
        }
        PlannerState manifest = codec.decode(Topics.PLANNER_STATE, manifestBytes);
        List<LinearQualityModel.State> models = new ArrayList<>();
        List<VariantSelector.Saved> variants = new ArrayList<>();
        Map<String, List<Double>> waiting = new LinkedHashMap<>();
        SpendLedger.Saved spend = null;
        for (String key : manifest.getParts()) {
            byte[] bytes = latest.get(key);
            if (bytes == null) {
                log.warn("Checkpoint {} lacks its part {}: the log is replayed instead", manifest.getCheckpointId(), key);
                return Optional.empty();
            }
            PlannerState part = codec.decode(Topics.PLANNER_STATE, bytes);
            if (part.getModel() != null) {
                QualityModelState m = part.getModel();
                models.add(new LinearQualityModel.State(m.getName(), m.getObservations(), m.getDimension(),
                        m.getInverseUpper().stream().mapToDouble(Double::doubleValue).toArray(),
                        m.getB().stream().mapToDouble(Double::doubleValue).toArray()));
            }
            part.getVariants().forEach(v -> variants.add(new VariantSelector.Saved(v.getId(), v.getTaskType(), v.getSystemPrompt(),
                    v.getScoreSum(), v.getObservations())));
            part.getWaitingFeedback().forEach((id, scores) -> waiting.put(id, List.copyOf(scores)));
            if (part.getSpend() != null) {
                SpendState s = part.getSpend();
                Map<String, Double> spent = new HashMap<>();
                s.getSpentUsd().forEach((tenant, usd) -> spent.put(tenant.toString(), usd));
                spend = new SpendLedger.Saved(java.time.LocalDate.parse(s.getDay()), spent, s.getReservations().stream()
                        .map(r -> new SpendLedger.Held(r.getRequestId(), r.getTenantId(), r.getUsd(), r.getAtMs())).toList());
            }
        }
        Positions positions = new Positions(numbered(manifest.getFeedbackOffsets()), numbered(manifest.getPlanOffsets()),
                numbered(manifest.getAttemptOffsets()));
        return Optional.of(new Loaded(manifest.getCheckpointId(), manifest.getCreatedAtMs(), positions,
                new LearnedRouter.State(models, waiting), variants, spend));
    }

    private static Map<Integer, Long> numbered(Map<? extends CharSequence, Long> offsets) {
        Map<Integer, Long> out = new HashMap<>();
        offsets.forEach((partition, offset) -> out.put(Integer.parseInt(partition.toString()), offset));
        return out;
    }

    private static Map<String, Long> named(Map<Integer, Long> offsets) {
        Map<String, Long> out = new HashMap<>();
        offsets.forEach((partition, offset) -> out.put(Integer.toString(partition), offset));
        return out;
    }

    /**
     * Writes a checkpoint of {@code router} (and {@code variants}, when there are any) covering
     * {@code llm.feedback} up to {@code positions.feedback()} (exclusive); asynchronous.
     */
    void write(LearnedRouter.State router, List<VariantSelector.Saved> variants, SpendLedger.Saved spend, Positions positions,
               long nowMs) {
        String id = instance + "-" + (++sequence);
        List<String> parts = new ArrayList<>();
        for (LinearQualityModel.State m : router.models()) {
            QualityModelState model = QualityModelState.newBuilder().setName(m.model()).setObservations(m.observations())
                    .setDimension(m.dimension()).setInverseUpper(boxed(m.inverseUpper())).setB(boxed(m.b())).build();
            parts.add(send(id + "/model/" + m.model(), base(id, "model", nowMs).setModel(model).build()));
        }
        if (!variants.isEmpty()) {
            List<VariantState> saved = variants.stream().map(v -> VariantState.newBuilder().setId(v.id()).setTaskType(v.taskType())
                    .setSystemPrompt(v.systemPrompt()).setScoreSum(v.scoreSum()).setObservations(v.observations()).build()).toList();
            parts.add(send(id + "/variants", base(id, "variants", nowMs).setVariants(saved).build()));
        }
        if (spend != null && spend.day() != null) {
            Map<String, Double> spent = new HashMap<>(spend.spent());
            SpendState state = SpendState.newBuilder().setDay(spend.day().toString()).setSpentUsd(spent)
                    .setReservations(spend.reservations().stream().map(h -> SpendReservation.newBuilder().setRequestId(h.requestId())
                            .setTenantId(h.tenantId()).setUsd(h.usd()).setAtMs(h.atMs()).build()).toList()).build();
            parts.add(send(id + "/spend", base(id, "spend", nowMs).setSpend(state).build()));
        }
        if (!router.waitingFeedback().isEmpty()) {
            parts.add(send(id + "/waiting", base(id, "waiting", nowMs).setWaitingFeedback(new HashMap<>(router.waitingFeedback())).build()));
        }
        PlannerState manifest = base(id, MANIFEST, nowMs).setParts(parts).setFeedbackOffsets(named(positions.feedback()))
                .setPlanOffsets(named(positions.plans())).setAttemptOffsets(named(positions.attempts())).build();
        List<String> superseded = previousParts;
        previousParts = parts;
        producer.send(codec.record(Topics.PLANNER_STATE, MANIFEST, manifest), (metadata, e) -> {
            if (e != null) {
                log.warn("Checkpoint {} was not written: {}", id, e.toString());
                return;
            }
            // The parts of the checkpoint this one replaces, now that no manifest names them.
            superseded.forEach(key -> producer.send(new ProducerRecord<>(Topics.PLANNER_STATE.name(),
                    key.getBytes(StandardCharsets.UTF_8), null)));
        });
    }

    private String send(String key, PlannerState part) {
        producer.send(codec.record(Topics.PLANNER_STATE, key, part), (metadata, e) -> {
            if (e != null) {
                log.warn("Checkpoint part {} was not written: {}", key, e.toString());
            }
        });
        return key;
    }

    private static PlannerState.Builder base(String id, String part, long nowMs) {
        return PlannerState.newBuilder().setCheckpointId(id).setCreatedAtMs(nowMs).setPart(part);
    }

    private static List<Double> boxed(double[] values) {
        List<Double> out = new ArrayList<>(values.length);
        for (double v : values) {
            out.add(v);
        }
        return out;
    }

    /** Waits for what was sent. */
    void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
