package dev.switchboard.planner;

import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.planner.analysis.Analyst;
import dev.switchboard.planner.analysis.OpenAiPlanningModel;
import dev.switchboard.planner.analysis.PlanningModel;
import dev.switchboard.planner.prompts.VariantSelector;
import dev.switchboard.planner.routing.CachedEmbedder;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.LinearQualityModel;
import dev.switchboard.planner.routing.QualityPrior;
import dev.switchboard.planner.routing.MiniLmEmbedder;
import dev.switchboard.platform.Service;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.dispatch.Dispatcher;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.health.ProviderHealthView;
import dev.switchboard.platform.health.ProviderScoreView;
import dev.switchboard.platform.kafka.AsyncRecordHandler;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.ConsumeTransformProduce;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.platform.kafka.Replies;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.platform.telemetry.Tracing;
import io.opentelemetry.context.Context;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs the {@link Planner} over {@code llm.requests}, publishing each plan to {@code llm.plans}
 * together with the task for its first step to {@code llm.tasks.<provider>} ({@link Dispatcher}), so
 * the worker pool has the task one Kafka hop sooner than through the router. A plan none of whose
 * providers can take it now (every circuit open) goes out alone: the router dead-letters it for a
 * later replay, as it does any plan it cannot dispatch. A request the planner rejects is
 * dead-lettered and, when its requestId is known, answered with a FAILED reply so that the producer
 * waiting for it hears why at once.
 *
 * <p>The poll thread only decodes a request and, when its plan will be ranked by the learned model,
 * asks the {@link CachedEmbedder} for its prompt's embedding; the plan is made on the planning
 * thread once the embedding is there, and published as soon as it is made.
 */
public final class PlannerService implements Service {

    private static final Logger log = LoggerFactory.getLogger(PlannerService.class);

    public static final String GROUP_ID = "switchboard-planner";
    public static final String STAGE = "planner";
    /** The service the planner's spans belong to. */
    public static final String SERVICE = "switchboard-" + STAGE;

    private final ConsumeTransformProduce loop;
    private final ProviderScoreView scores;
    private final ProviderHealthView health;
    private final Dispatcher dispatcher;
    private final LearnedRouter learned;
    private final TopicSessionStore sessions;
    private final OutcomeListener outcomes;
    /** Where the learned state is checkpointed; null when planner.checkpoint.interval.ms is 0. */
    private final Checkpoints checkpoints;
    private final Analyst analyst;
    private final VariantSelector variants;
    private final TopicVariantLog variantLog;
    private final SpendLedger ledger;
    private final RequestGate gate;
    private final CachedEmbedder embedder;
    /**
     * Plans one request after another, off the poll thread: the planner's state (spend, variants,
     * the quality model) is then touched by one thread, and a planning-model call or an embedding
     * never stops polling.
     */
    private final ExecutorService planning = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("planner-planning").factory());

    /**
     * The learned quality model, starting from the configured prior: a catalogue model the prior was
     * trained on starts from its own weights, any other from the pooled ones at the level its price
     * (the mean of its input and output price) predicts.
     */
    static LinearQualityModel qualityModel(SwitchboardConfig config) {
        SwitchboardConfig.RoutingSettings r = config.routing();
        LinearQualityModel.Settings settings = new LinearQualityModel.Settings(r.ridge(), r.noise(),
                LinearQualityModel.Settings.DEFAULT.priorMean());
        QualityPrior prior;
        try {
            prior = switch (r.prior()) {
                case "none" -> null;
                case "builtin" -> QualityPrior.builtin();
                default -> QualityPrior.read(java.nio.file.Path.of(r.prior()));
            };
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException(SwitchboardConfig.ROUTING_PRIOR + "=" + r.prior() + ": " + e.getMessage(), e);
        }
        if (prior == null) {
            return new LinearQualityModel(settings);
        }
        if (r.priorPrecision() > 0) {
            prior = prior.withPrecision(r.priorPrecision());
        }
        java.util.Map<String, Double> prices = new java.util.HashMap<>();
        config.providers().forEach(p -> p.models().forEach(m -> prices.putIfAbsent(m.name(),
                (m.inputPricePerMTok() + m.outputPricePerMTok()) / 2)));
        log.info("Learned routing starts from the {} quality prior ({} models of its own, precision {}); the catalogue's "
                + "other models start from its pooled weights at their price's level", r.prior(), prior.models().size(), prior.precision());
        return new LinearQualityModel(settings, prior, prior.beliefs(prices));
    }

    public PlannerService(SwitchboardConfig config, KafkaClients clients, Codec codec) {
        this.embedder = new CachedEmbedder(new MiniLmEmbedder());
        // Scores order strategy score and give the learned strategies their latency estimates.
        this.scores = new ProviderScoreView(clients, codec);
        this.health = new ProviderHealthView(clients, codec);
        this.dispatcher = Dispatcher.of(config, health);
        SwitchboardConfig.RoutingSettings r = config.routing();
        if (r.learnsWith(config.plannerStrategy())) {
            // Learned routing is configured: load the embedding model now, beside start-up, not on the first request.
            embedder.prefetch("warm up");
        }
        this.sessions = new TopicSessionStore(clients, codec);
        this.learned = new LearnedRouter(embedder, qualityModel(config), r.seed(), sessions);
        this.ledger = r.dailyBudgetsUsd().isEmpty() ? null : new SpendLedger(r.dailyBudgetsUsd().keySet());
        r.dailyBudgetsUsd().forEach((tenant, budget) -> dev.switchboard.platform.metrics.SwitchboardMetrics.gauge(
                "switchboard.budget.used.ratio", "A tenant's spend today (UTC), in flight included, over its daily budget",
                "tenant", tenant, () -> budget > 0 ? ledger.spentUsd(tenant, System.currentTimeMillis()) / budget : 1));
        SwitchboardConfig.PlanningSettings p = config.planning();
        PlanningModel planningModel = p.modelEnabled()
                // The analyst's own timeout decides; the HTTP client's, a second later, only ends the abandoned call.
                ? new OpenAiPlanningModel(p.modelBaseUrl(), p.modelApiKey(), p.modelName(), p.modelTimeout().plusSeconds(1)) : null;
        this.analyst = new Analyst(p, planningModel);
        boolean addsVariants = planningModel != null && (p.refinement() || p.improvements().enabled());
        this.variantLog = addsVariants ? new TopicVariantLog(clients, codec) : null;
        this.variants = p.promptVariants().isEmpty() && !addsVariants ? null : new VariantSelector(p.promptVariants(),
                RandomSource.XO_RO_SHI_RO_128_PP.create(r.seed()), p.refinement() ? planningModel : null, p.improvements(),
                variantLog == null ? proposal -> { } : variantLog::publish);
        if (variantLog != null) {
            variantLog.follow(clients, variants);
        }
        boolean checkpointed = !r.checkpointInterval().isZero();
        this.checkpoints = checkpointed ? new Checkpoints(clients, codec) : null;
        Checkpoints.Loaded checkpoint = null;
        if (checkpointed) {
            try {
                checkpoint = Checkpoints.load(clients, codec).orElse(null);
            } catch (RuntimeException e) {
                log.warn("The latest checkpoint on {} cannot be read ({}): the log is replayed instead", Topics.PLANNER_STATE.name(),
                        e.getMessage());
            }
        }
        this.outcomes = new OutcomeListener(clients, codec, learned, r.replay(), ledger, variants, checkpoint, checkpointed
                ? new OutcomeListener.Checkpointing(checkpoints, r.checkpointInterval(), r.checkpointPlansLookback()) : null);
        Planner planner = new Planner(config, new Planner.Parts(scores::score, learned,
                ledger, analyst, variants));
        this.gate = new RequestGate(config, clients, codec, STAGE);
        this.loop = new ConsumeTransformProduce(STAGE, GROUP_ID, Topics.REQUESTS.name(), clients, codec,
                (AsyncRecordHandler) record -> {
                    // On the poll thread: decode, and start embedding the prompt when the plan will need it.
                    LlmRequest request = Replies.withReplyHeaders(codec.decode(Topics.REQUESTS, record.value()), record.headers());
                    Tracing.requestId(request.getRequestId());
                    // Before anything is spent on it (an embedding, a plan): who made it.
                    RequestGate.Verdict verdict = gate.check(record, request);
                    if (verdict.refusal() != null) {
                        return CompletableFuture.completedFuture(verdict.refusal());
                    }
                    Context traced = Context.current();
                    CompletableFuture<?> embedded = planner.promptToEmbed(request)
                            .<CompletableFuture<?>>map(prompt -> Tracing.until(SERVICE, "embed prompt", () -> embedder.prefetch(prompt)))
                            .orElse(CompletableFuture.completedFuture(null));
                    // A failed embedding is not this request's fault: planning embeds again, and rejects it if that fails too.
                    return embedded.handle((vector, error) -> null)
                            .thenApplyAsync(ignored -> plan(planner, codec, record, request, verdict.access()), traced.wrap(planning));
                });
    }

    /** On the planning thread: the plan of one request, or its deadline reply, or its rejection. */
    private List<ProducerRecord<byte[], byte[]>> plan(Planner planner, Codec codec, ConsumerRecord<byte[], byte[]> record,
                                                      LlmRequest request, Access access) {
        long now = System.currentTimeMillis();
        boolean replyToUsable = request.getReplyTo() == null || Planner.validReplyTo(request) != null;
        if (Replies.expired(request, now) && replyToUsable) {
            return List.of(Replies.deadlineExceeded(codec, request, "planning", 0, now));
        }
        try {
            ExecutionPlan plan = planner.plan(request, now, access);
            io.opentelemetry.api.trace.Span.current().setAttribute("switchboard.strategy", plan.getStrategy())
                    .setAttribute("switchboard.plan", plan.getSteps().stream().map(s -> s.getProvider() + "/" + s.getModel())
                            .collect(java.util.stream.Collectors.joining(",")));
            if (request.getCreatedAtMs() > 0) {
                dev.switchboard.platform.metrics.SwitchboardMetrics.stage("plan", now - request.getCreatedAtMs());
            }
            if (Planner.OVER_BUDGET_STRATEGY.equals(plan.getStrategy())) {
                gate.budgetOverridden(request, access, plan.getSteps().getFirst().getReason());
            }
            return dispatch(codec, plan, now);
        } catch (RejectedRecordException e) {
            if (e.requestId() == null) {
                throw e;
            }
            // The producer is waiting on its reply topic: answer FAILED, and dead-letter the request.
            log.warn("{}: rejected request {} ({}): {}", STAGE, e.requestId(), e.errorClass(), e.getMessage());
            gate.planningRefused(request, access, e);
            return Replies.rejected(codec, STAGE, record, request, Planner.validReplyTo(request), e, now);
        }
    }

    /** The plan and its first task, or the plan alone when no provider of it can take the task now. */
    private List<ProducerRecord<byte[], byte[]>> dispatch(Codec codec, ExecutionPlan plan, long now) {
        ProducerRecord<byte[], byte[]> planRecord = codec.record(Topics.PLANS, plan.getRequestId(), plan);
        ProviderTask task;
        try {
            task = dispatcher.firstTask(plan, now);
        } catch (RejectedRecordException e) {
            // The router rejects it in turn: dead-lettered as a plan, so that a replay dispatches it when a circuit has closed.
            log.debug("{}: plan of request {} published without its task ({}): {}", STAGE, plan.getRequestId(), e.errorClass(),
                    e.getMessage());
            return List.of(planRecord);
        }
        String provider = Dispatcher.provider(task);
        Topic<ProviderTask> taskTopic = Topics.tasks(provider);
        io.opentelemetry.api.trace.Span.current().setAttribute("switchboard.provider", provider);
        planRecord.headers().add(Dispatcher.DISPATCHED_HEADER, Dispatcher.dispatchedTo(taskTopic.name()));
        return List.of(planRecord, codec.record(taskTopic, task.getRequestId(), task));
    }

    public PlannerService start() {
        loop.start();
        return this;
    }

    /** The request analyst (its planning-model fallback count, for one). */
    public Analyst analyst() {
        return analyst;
    }

    /** The prompt-variant selector, when variants are configured or the planning model may add them. */
    public java.util.Optional<VariantSelector> variants() {
        return java.util.Optional.ofNullable(variants);
    }

    public LearnedRouter learnedRouter() {
        return learned;
    }

    /** True once the learned state is what it was before a restart (checkpoint and the log after it read). */
    public boolean learnedStateReady() {
        return outcomes.ready();
    }

    /** Milliseconds from start until the learned state was ready, or -1 before. */
    public long learnedStateReadyAfterMs() {
        return outcomes.readyAfterMs();
    }

    /** What {@code tenant} has spent today (UTC), requests in flight included, as this planner's budget check sees it; 0 without budgets. */
    public double spentTodayUsd(String tenant) {
        return ledger == null ? 0 : ledger.spentUsd(tenant, System.currentTimeMillis());
    }

    /** Records of llm.plans, llm.attempts and llm.feedback there were to read at start (after the checkpoint, when there was one). */
    public long learnedStateRecordsRead() {
        return outcomes.behindAtStart();
    }

    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        return loop.awaitAssignment(timeout);
    }

    @Override
    public List<HealthCheck> healthChecks() {
        return List.of(loop);
    }

    @Override
    public void close() {
        loop.close();
        gate.close();
        planning.shutdown();
        embedder.close();
        outcomes.close();
        if (checkpoints != null) {
            checkpoints.close();
        }
        learned.close();
        analyst.close();
        if (variantLog != null) {
            variantLog.close();
        }
        sessions.close();
        scores.close();
        health.close();
    }
}
