package dev.switchboard.cli.bench;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.DevStack;
import dev.switchboard.devstack.FreePorts;
import dev.switchboard.devstack.simulator.ProviderSimulator;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.ConfigLoader;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

/**
 * Runs a routing dataset through the real pipeline on an in-process stack of its own: every model
 * of the file becomes a simulated provider (list price as the file's costs imply, latency drawn
 * from a seeded log-normal) answering with its recorded outcome; each request goes to
 * {@code llm.requests} carrying the prompt alone (and the task, with {@code taskHint}); after each
 * reply an evaluator publishes ACCURACY feedback with the recorded score of the model that
 * answered. Nothing else about a row reaches the planner. At most {@code concurrency} requests are
 * in flight, so the planner learns as it goes, as it would from a stream of live traffic.
 */
public final class RoutingBenchmark {

    private static final Pattern NOT_TOPIC_SAFE = Pattern.compile("[^A-Za-z0-9._-]+");
    static final String REPLY_TOPIC = "bench.routing.replies";

    public record Settings(String strategy, boolean taskHint, int concurrency, long seed, double latencyP50Ms,
                           double latencyP99Ms, Path configFile, Map<String, String> overrides) {
    }

    /** The tenant every request of the run belongs to. */
    static final String TENANT = "bench";

    /**
     * What the run measured: quality and cost per query from the recorded outcomes of the models
     * that answered; with strategy target, the target the planner held (else null), and over the
     * answered requests whose plan held it (a plan made while the learned state was still loading
     * holds none: {@code unreferenced} counts them), the recorded quality per query of the answers
     * and of each plan's reference, the candidate with the highest estimated quality: what a quality
     * target keeps a share of (NaN without a target).
     */
    public record Result(int rows, int succeeded, int failed, double quality, double costPerQuery,
                         double pipelineCostPerQuery, Map<String, Integer> picks, long learned, Duration elapsed,
                         SwitchboardConfig.RoutingTarget target, double referencedQuality, double referenceQuality,
                         long unreferenced) {

        /** The answers' quality over their references' (NaN without a target). */
        public double referenceShare() {
            return referencedQuality / referenceQuality;
        }
    }

    private RoutingBenchmark() {
    }

    /** Provider name for a model: the model name with what a topic name cannot hold replaced by '-'. */
    static String providerName(String model) {
        return NOT_TOPIC_SAFE.matcher(model).replaceAll("-");
    }

    public static Result run(RoutingDataset data, Settings settings, IntConsumer progress) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("switchboard-bench-routing");
        try {
            SwitchboardConfig config = config(data, settings, dir);
            Map<String, RoutingDataset.Row> byPrompt = new HashMap<>();
            data.rows().forEach(r -> byPrompt.putIfAbsent(r.prompt(), r));
            ProviderSimulator.Responder responder = (provider, model, prompt, promptChars) -> {
                RoutingDataset.Row row = byPrompt.get(prompt);
                int in = RoutingDataset.promptTokens(prompt);
                if (row == null || row.outcome(model) == null) {
                    return new ProviderSimulator.Responder.Answer("No recorded answer for this prompt.", in, 1);
                }
                // Tokens that make the pipeline's cost (catalogue price × tokens) the recorded cost.
                double price = config.provider(providerName(model)).outputPricePerMTok();
                int total = price <= 0 ? in + 1 : (int) Math.round(row.outcome(model).costUsd() / price * 1e6);
                return new ProviderSimulator.Responder.Answer("Recorded answer of " + model + ".", in, Math.max(1, total - in));
            };
            try (DevStack stack = DevStack.start(config, false, responder)) {
                return drive(data, settings, config, stack, progress);
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static Result drive(RoutingDataset data, Settings settings, SwitchboardConfig config, DevStack stack,
                                IntConsumer progress) throws InterruptedException {
        KafkaClients clients = new KafkaClients(config.bootstrapServers());
        Codec codec = new Codec(SchemaRegistryClient.fromConfigs(config.schemaRegistryClientProperties()));
        try (Admin admin = clients.admin("switchboard-bench-routing")) {
            admin.createTopics(List.of(new NewTopic(REPLY_TOPIC, 1, config.topicReplicationFactor()))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot create " + REPLY_TOPIC + ": " + e.getCause().getMessage(), e);
        }
        int n = data.rows().size();
        String token = config.security().enabled() ? TokenClient.token(config.security(), Map.of("tenant", TENANT)) : null;
        Map<String, RoutingDataset.Row> pending = new ConcurrentHashMap<>();
        Map<String, RoutingDataset.Row> answered = new ConcurrentHashMap<>();
        Map<String, String> referenceModel = new ConcurrentHashMap<>();
        Map<String, String> answeredModel = new ConcurrentHashMap<>();
        Map<String, Integer> picks = new ConcurrentHashMap<>();
        double[] sums = new double[3]; // quality, recorded cost, pipeline cost
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Semaphore window = new Semaphore(settings.concurrency());
        long started = System.nanoTime();
        boolean targeted = config.plannerStrategy() == dev.switchboard.platform.config.RoutingStrategy.TARGET;
        try (LogFollower plans = targeted ? new LogFollower("bench-plans",
                LogFollower.fromBeginning(clients.reader("switchboard-bench-routing-plans"), Topics.PLANS.name()), record -> {
                    ExecutionPlan plan = codec.decode(Topics.PLANS, record.value());
                    referenceModel.put(plan.getRequestId(), plan.getTarget() == null ? "" : plan.getTarget().getReferenceModel());
                }) : null;
             KafkaProducer<byte[], byte[]> producer = clients.producer("switchboard-bench-routing");
             LogFollower evaluator = new LogFollower("bench-evaluator",
                     LogFollower.fromBeginning(clients.reader("switchboard-bench-routing"), REPLY_TOPIC), record -> {
                 LlmReply reply = codec.decode(Topics.replies(REPLY_TOPIC), record.value());
                 RoutingDataset.Row row = pending.remove(reply.getRequestId());
                 if (row == null) {
                     return; // a duplicate reply: the first one counted
                 }
                 RoutingDataset.Outcome outcome = reply.getModel() == null ? null : row.outcome(reply.getModel());
                 synchronized (sums) {
                     if (reply.getStatus() == ReplyStatus.SUCCEEDED && outcome != null) {
                         sums[0] += outcome.score();
                         sums[1] += outcome.costUsd();
                         sums[2] += reply.getCostUsd();
                         succeeded.incrementAndGet();
                         picks.merge(reply.getModel(), 1, Integer::sum);
                         answeredModel.put(reply.getRequestId(), reply.getModel());
                         answered.put(reply.getRequestId(), row);
                         Feedback feedback = Feedback.newBuilder().setRequestId(reply.getRequestId())
                                 .setTenantId(reply.getTenantId()).setKind(FeedbackKind.ACCURACY)
                                 .setScore(outcome.score()).setCreatedAtMs(System.currentTimeMillis()).build();
                         producer.send(codec.record(Topics.FEEDBACK, feedback.getRequestId(), feedback));
                     } else {
                         failed.incrementAndGet();
                     }
                 }
                 progress.accept(succeeded.get() + failed.get());
                 window.release();
             })) {
            for (int i = 0; i < n; i++) {
                RoutingDataset.Row row = data.rows().get(i);
                if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no reply for 60 s with " + settings.concurrency() + " requests in flight; "
                            + pending.size() + " pending after " + (succeeded.get() + failed.get()) + " of " + n);
                }
                String id = String.format(Locale.ROOT, "bench-%06d", i);
                pending.put(id, row);
                LlmRequest request = LlmRequest.newBuilder().setRequestId(id).setTenantId(TENANT)
                        .setMessages(List.of(Messages.of(ChatRole.USER, row.prompt())))
                        .setTaskHint(settings.taskHint() ? row.task() : null)
                        .setReplyTo(REPLY_TOPIC).setCreatedAtMs(System.currentTimeMillis()).build();
                producer.send(Credentials.withToken(codec.record(Topics.REQUESTS, id, request), token));
            }
            if (!window.tryAcquire(settings.concurrency(), 60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the last replies did not come within 60 s; " + pending.size() + " pending");
            }
            // A plan is written before its request is answered, but the plans are read on a thread of their own.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (targeted && !referenceModel.keySet().containsAll(answered.keySet())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the plans of " + answered.keySet().stream().filter(id -> !referenceModel.containsKey(id))
                            .count() + " answered requests were not read within 60 s");
                }
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }
        double referenced = Double.NaN;
        double reference = Double.NaN;
        long unreferenced = 0;
        if (targeted) {
            referenced = 0;
            reference = 0;
            for (Map.Entry<String, RoutingDataset.Row> e : answered.entrySet()) {
                String model = referenceModel.get(e.getKey());
                if (model.isEmpty()) {
                    unreferenced++;
                } else {
                    referenced += e.getValue().outcome(answeredModel.get(e.getKey())).score() / n;
                    reference += e.getValue().outcome(model).score() / n;
                }
            }
        }
        Map<String, Integer> sorted = new LinkedHashMap<>();
        picks.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        long learned = stack.planner().learnedRouter().learned();
        return new Result(n, succeeded.get(), failed.get(), sums[0] / n, sums[1] / n, sums[2] / n, sorted, learned,
                Duration.ofNanos(System.nanoTime() - started),
                targeted ? config.routing().targetFor(TENANT) : null, referenced, reference, unreferenced);
    }

    static SwitchboardConfig config(RoutingDataset data, Settings s, Path dir) {
        Map<String, String> o = FreePorts.stack(dir);
        o.put(SwitchboardConfig.TOPIC_PARTITIONS, "1");
        o.put(SwitchboardConfig.PLANNER_STRATEGY, s.strategy());
        o.put(SwitchboardConfig.PLANNER_RANKING, "");
        o.put(SwitchboardConfig.ROUTING_SEED, Long.toString(s.seed()));
        o.put(SwitchboardConfig.SIMULATOR_SEED, Long.toString(s.seed()));
        List<String> names = data.models().stream().map(RoutingBenchmark::providerName).toList();
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException("two models of the dataset map to the same provider name: " + data.models());
        }
        o.put(SwitchboardConfig.PROVIDERS, String.join(",", names));
        o.put(SwitchboardConfig.SIMULATOR_PROVIDERS, String.join(",", names));
        for (String model : data.models()) {
            String name = providerName(model);
            String price = Double.toString(data.impliedPricePerMTok(model));
            o.put("provider." + name + ".base.url", FreePorts.simulatorUrl(o, name));
            o.put("provider." + name + ".model", model);
            o.put("provider." + name + ".api.key", "sim-key");
            o.put("provider." + name + ".input.price.per.mtok", price);
            o.put("provider." + name + ".output.price.per.mtok", price);
            o.put("provider." + name + ".timeout.ms", "10000");
            o.put("simulator." + name + ".model", model);
            o.put("simulator." + name + ".latency.p50.ms", Double.toString(s.latencyP50Ms()));
            o.put("simulator." + name + ".latency.p99.ms", Double.toString(s.latencyP99Ms()));
            o.put("simulator." + name + ".error.rate", "0");
            o.put("simulator." + name + ".timeout.rate", "0");
        }
        o.putAll(s.overrides());
        return ConfigLoader.load(s.configFile(), o);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
