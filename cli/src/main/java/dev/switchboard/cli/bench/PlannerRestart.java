package dev.switchboard.cli.bench;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.PlannerState;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.DevStack;
import dev.switchboard.devstack.FreePorts;
import dev.switchboard.planner.PlannerService;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.MiniLmEmbedder;
import dev.switchboard.platform.config.ConfigLoader;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.Messages;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * How long a planner takes to get its learned state back after a restart, with and without a
 * checkpoint, over a log of a given size. On an in-process broker and registry of its own (no
 * router or workers), it writes a synthetic history to {@code llm.plans}, {@code llm.attempts} and
 * {@code llm.feedback} (each request a plan, a successful attempt by one of three models, and for a
 * share of them a score), lets a first planner learn it all and checkpoint, then starts a second
 * planner and times it until {@link PlannerService#learnedStateReady()}, and (unless skipped) a third
 * with checkpoints off, which replays the log. It compares their estimates for probe prompts and
 * the tenant's spend today (it has a budget) with the first planner's.
 */
public final class PlannerRestart {

    /** What was measured for one restarted planner: from its construction (checkpoint read included) until ready. */
    public record Restart(String how, long readyMs, long recordsRead, double maxEstimateDifference, double spentUsd) {
    }

    public record Result(int requests, int scores, long records, Duration learnt, double spentUsd, List<Restart> restarts) {
    }

    static final int CHUNK = 5_000;
    private static final List<String> MODELS = List.of("sim-fast-small", "sim-strong-large", "sim-flaky-medium");
    private static final List<String> PROVIDERS = List.of("sim-fast", "sim-strong", "sim-flaky");
    private static final List<String> PROBES = List.of("Write a Python function that reverses a list.",
            "What is the capital of Australia?", "Summarise this paragraph about Kafka's log compaction.");

    private PlannerRestart() {
    }

    /**
     * @param requests   requests in the history: each a plan and an attempt
     * @param scoreShare the share of them that were rated
     * @param prompts    distinct prompts they cycle through
     * @param baseline   also restart a planner without checkpoints
     * @param progress   told (what, done, total) as the work goes
     */
    public static Result run(int requests, double scoreShare, int prompts, boolean baseline, BiConsumer<String, long[]> progress)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("switchboard-bench-restart");
        try {
            Map<String, String> o = FreePorts.stack(dir);
            o.put(SwitchboardConfig.CHECKPOINT_INTERVAL_MS, "5000");
            // A budget, so that the day's spend is rebuilt too: from the checkpoint, or from the day's attempts.
            o.put(SwitchboardConfig.BUDGETS_DAILY_USD, "bench:1000000");
            SwitchboardConfig config = ConfigLoader.load(null, o);
            try (DevStack stack = DevStack.start(config, true)) {
                KafkaClients clients = new KafkaClients(config.bootstrapServers());
                Codec codec = new Codec(SchemaRegistryClient.fromConfigs(config.schemaRegistryClientProperties()));
                try (PlannerService first = new PlannerService(config, clients, codec)) {
                    long started = System.nanoTime();
                    LearnedRouter learner = first.learnedRouter();
                    int scores = writeHistory(clients, codec, requests, scoreShare, prompts, learner, progress);
                    Duration learnt = Duration.ofNanos(System.nanoTime() - started);
                    awaitCheckpoint(clients, codec, scores, progress);
                    List<Restart> restarts = new ArrayList<>();
                    restarts.add(restart("from the latest checkpoint", config, clients, codec, learner, progress));
                    if (baseline) {
                        o.put(SwitchboardConfig.CHECKPOINT_INTERVAL_MS, "0");
                        restarts.add(restart("replaying 24 h of the log (no checkpoint)", ConfigLoader.load(null, o), clients, codec,
                                learner, progress));
                    }
                    return new Result(requests, scores, 2L * requests + scores, learnt, first.spentTodayUsd("bench"), restarts);
                }
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * The history: each request's plan, its attempt, and for {@code scoreShare} of them a score,
     * written as live traffic comes: {@value #CHUNK} requests at a time, each learnt by
     * {@code learner} before the next, so that plans do not run ahead of their scores by more than
     * the {@value LearnedRouter#REMEMBERED} requests a planner remembers.
     */
    private static int writeHistory(KafkaClients clients, Codec codec, int requests, double scoreShare, int prompts,
                                    LearnedRouter learner, BiConsumer<String, long[]> progress) throws InterruptedException {
        java.util.Random random = new java.util.Random(1);
        int scores = 0;
        long now = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("switchboard-bench-restart")) {
            for (int i = 0; i < requests; i++) {
                String id = "restart-" + i;
                int m = random.nextInt(MODELS.size());
                LlmRequest request = LlmRequest.newBuilder().setRequestId(id).setTenantId("bench")
                        .setMessages(List.of(Messages.of(ChatRole.USER, "Question " + (i % prompts) + " of the restart benchmark: "
                                + PROBES.get(i % PROBES.size())))).setCreatedAtMs(now).build();
                PlanStep step = PlanStep.newBuilder().setProvider(PROVIDERS.get(m)).setModel(MODELS.get(m))
                        .setEstimatedCostUsd(0.0001).setReason("bench").build();
                ExecutionPlan plan = ExecutionPlan.newBuilder().setRequestId(id).setTenantId("bench").setRequest(request)
                        .setSteps(List.of(step)).setStrategy("target").setTaskType("chat").setPlannedAtMs(now).build();
                producer.send(codec.record(Topics.PLANS, id, plan));
                producer.send(codec.record(Topics.ATTEMPTS, id, AttemptOutcome.newBuilder().setRequestId(id).setTenantId("bench")
                        .setAttempt(1).setProvider(PROVIDERS.get(m)).setModel(MODELS.get(m)).setStatus(ReplyStatus.SUCCEEDED)
                        .setInputTokens(20).setOutputTokens(50).setCostUsd(0.0001).setLatencyMs(100)
                        .setStartedAtMs(now).setCompletedAtMs(now).build()));
                if (random.nextDouble() < scoreShare) {
                    scores++;
                    // Each model is good at a third of the prompts.
                    double score = (i % prompts) % MODELS.size() == m ? 0.9 : 0.3;
                    producer.send(codec.record(Topics.FEEDBACK, id, new Feedback(id, "bench", FeedbackKind.ACCURACY, score, null, now)));
                }
                if ((i + 1) % CHUNK == 0 || i + 1 == requests) {
                    producer.flush();
                    while (learner.learned() + learner.unmatched() < scores) {
                        Thread.sleep(20);
                    }
                    progress.accept("writing the history and learning it", new long[] {i + 1, requests});
                }
            }
        }
        if (learner.unmatched() > 0) {
            throw new IllegalStateException(learner.unmatched() + " scores of the history found no plan");
        }
        return scores;
    }

    /** Waits for a manifest on llm.planner-state that covers every score. */
    private static void awaitCheckpoint(KafkaClients clients, Codec codec, int scores, BiConsumer<String, long[]> progress) {
        try (KafkaConsumer<byte[], byte[]> consumer = LogFollower.fromBeginning(clients.reader("switchboard-bench-restart"),
                Topics.PLANNER_STATE.name())) {
            long covered = 0;
            while (covered < scores) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null && "manifest".equals(new String(record.key(), java.nio.charset.StandardCharsets.UTF_8))) {
                        PlannerState manifest = codec.decode(Topics.PLANNER_STATE, record.value());
                        covered = manifest.getFeedbackOffsets().values().stream().mapToLong(Long::longValue).sum();
                    }
                }
                progress.accept("checkpoint", new long[] {covered, scores});
            }
        }
    }

    private static Restart restart(String how, SwitchboardConfig config, KafkaClients clients, Codec codec, LearnedRouter reference,
                                   BiConsumer<String, long[]> progress) throws InterruptedException {
        long started = System.nanoTime();
        try (PlannerService restarted = new PlannerService(config, clients, codec)) {
            while (!restarted.learnedStateReady()) {
                progress.accept("restart " + how, new long[] {restarted.learnedRouter().learned(), -1});
                Thread.sleep(20);
            }
            long readyMs = (System.nanoTime() - started) / 1_000_000;
            MiniLmEmbedder embedder = new MiniLmEmbedder();
            double worst = 0;
            Map<String, float[]> probes = new HashMap<>();
            PROBES.forEach(p -> probes.put(p, embedder.embed(p)));
            for (float[] x : probes.values()) {
                for (String model : MODELS) {
                    worst = Math.max(worst, Math.abs(restarted.learnedRouter().model().estimate(model, x, null).mean()
                            - reference.model().estimate(model, x, null).mean()));
                }
            }
            return new Restart(how, readyMs, restarted.learnedStateRecordsRead(), worst, restarted.spentTodayUsd("bench"));
        }
    }
}
