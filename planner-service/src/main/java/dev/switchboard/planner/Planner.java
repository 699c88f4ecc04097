package dev.switchboard.planner;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.platform.Tokens;
import dev.switchboard.platform.config.ModelSpec;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.platform.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import dev.switchboard.planner.analysis.Analyst;
import dev.switchboard.planner.prompts.VariantSelector;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.PromptAnalysis;
import dev.switchboard.planner.routing.QualityTarget;
import dev.switchboard.planner.routing.Ranker;
import dev.switchboard.planner.routing.Strategy;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Validates a request and decides which providers to try, in which order: as configured (static),
 * by live provider score, or ranked by the learned quality model (target, quality, cost, latency,
 * balanced, weighted). Strategy target ranks with a cost weight its {@link QualityTarget} moves
 * after every choice, one controller per tenant and target. No I/O of its own.
 */
public final class Planner {

    /** Output tokens assumed when estimating a step's cost before the call. */
    static final int ESTIMATED_OUTPUT_TOKENS = 256;

    /** Where the live scores come from: the provider, model and task type's, if analytics has one. */
    @FunctionalInterface
    public interface ScoreLookup {
        Optional<ProviderScore> score(String provider, String model, String taskType);

        ScoreLookup NONE = (provider, model, taskType) -> Optional.empty();
    }

    /** The score a provider without one ranks with: the middle of [0, 1]. */
    static final double UNSCORED = 0.5;

    /** The strategy of a plan that the over-budget policy {@code cheapest} let through. */
    public static final String OVER_BUDGET_STRATEGY = "over-budget-cheapest";
    /** The request attribute that chooses a strategy for one request. */
    public static final String STRATEGY_ATTRIBUTE = "strategy";
    /** Request attribute {@code quality_target=Q}: strategy target, keeping Q (0 to 1] of the best eligible model's quality. */
    public static final String QUALITY_TARGET_ATTRIBUTE = "quality_target";
    /** Request attribute {@code cost_target=USD}: strategy target, staying within USD a request on average. */
    public static final String COST_TARGET_ATTRIBUTE = "cost_target";
    private static final String TARGET = "target";
    /** Targets with a controller of their own at most (each tenant's and each value a request asked for): the least recently used go. */
    static final int TARGETS = 10_000;
    /** Request attributes {@code require.<key>=<value>} admit only providers with that catalogue attribute. */
    public static final String REQUIRE_PREFIX = "require.";
    /** Request attribute {@code response_format=json} admits only providers with the json capability. */
    public static final String RESPONSE_FORMAT_ATTRIBUTE = "response_format";

    private final SwitchboardConfig config;
    private final ScoreLookup scores;
    private final LearnedRouter learned;
    private final Spend spend;
    private final Analyst analyst;
    private final VariantSelector variants;
    private final Strategy weighted;
    /** Strategy target's controllers by tenant and target, used on the planning thread only. */
    private final Map<String, QualityTarget> targets = dev.switchboard.platform.Bounded.leastRecentlyUsed(TARGETS);

    /** What a planner consults besides its configuration; every part but the analyst may be absent (null). */
    public record Parts(ScoreLookup scores, LearnedRouter learned, Spend spend, Analyst analyst, VariantSelector variants) {
    }

    /** A tenant's spend so far on the UTC day of {@code nowMs}, in USD, and where plans reserve their estimate. */
    @FunctionalInterface
    public interface Spend {
        double spentUsd(String tenantId, long nowMs);

        /** A plan was made: its first step's estimated cost counts until the request's attempts do. */
        default void reserve(String tenantId, String requestId, double estimatedUsd, long nowMs) {
        }

        Spend NONE = (tenantId, nowMs) -> 0;
    }

    public Planner(SwitchboardConfig config) {
        this(config, ScoreLookup.NONE, null);
    }

    public Planner(SwitchboardConfig config, ScoreLookup scores) {
        this(config, scores, null);
    }

    /** @param learned the learned router; null when this planner does not learn (learned strategies are then rejected) */
    public Planner(SwitchboardConfig config, ScoreLookup scores, LearnedRouter learned) {
        this(config, scores, learned, Spend.NONE);
    }

    /** @param spend where tenants' spend today comes from, for budgets.daily.usd */
    public Planner(SwitchboardConfig config, ScoreLookup scores, LearnedRouter learned, Spend spend) {
        this(config, new Parts(scores, learned, spend, new Analyst(config.planning(), null), null));
    }

    public Planner(SwitchboardConfig config, Parts parts) {
        this.config = config;
        this.scores = parts.scores() == null ? ScoreLookup.NONE : parts.scores();
        this.learned = parts.learned();
        this.spend = parts.spend() == null ? Spend.NONE : parts.spend();
        this.analyst = parts.analyst();
        this.variants = parts.variants();
        SwitchboardConfig.RoutingSettings r = config.routing();
        this.weighted = new Strategy("weighted", r.qualityWeight(), r.costWeight(), r.latencyWeight());
    }

    /**
     * The strategy for this request: its {@code strategy} attribute, else {@code target} when it
     * asks for a target, else its tenant's (planner.tenant.strategies, else {@code target} for a
     * tenant planner.tenant.targets lists), else planner.strategy.
     */
    String strategyFor(LlmRequest request) {
        String asked = request.getAttributes().get(STRATEGY_ATTRIBUTE);
        String targeted = requestTargetAttribute(request);
        if (asked != null) {
            if (!SwitchboardConfig.STRATEGIES.contains(asked)) {
                throw invalid("attribute strategy is '" + asked + "'; known: " + SwitchboardConfig.STRATEGIES, request.getRequestId());
            }
            if (targeted != null && !TARGET.equals(asked)) {
                throw invalid("attribute " + targeted + " needs strategy target, but attribute strategy is '" + asked + "'",
                        request.getRequestId());
            }
            return asked;
        }
        if (targeted != null) {
            return TARGET;
        }
        SwitchboardConfig.RoutingSettings routing = config.routing();
        String tenant = routing.tenantStrategies().get(request.getTenantId());
        if (tenant != null) {
            return tenant;
        }
        return routing.tenantTargets().containsKey(request.getTenantId()) ? TARGET : config.plannerStrategy();
    }

    /** The target attribute the request sets ({@code quality_target} or {@code cost_target}), or null; both is an error. */
    private static String requestTargetAttribute(LlmRequest request) {
        Map<String, String> attributes = request.getAttributes();
        boolean quality = attributes.containsKey(QUALITY_TARGET_ATTRIBUTE);
        boolean cost = attributes.containsKey(COST_TARGET_ATTRIBUTE);
        if (quality && cost) {
            throw invalid("attributes " + QUALITY_TARGET_ATTRIBUTE + " and " + COST_TARGET_ATTRIBUTE
                    + " are both set; a request holds one target", request.getRequestId());
        }
        return quality ? QUALITY_TARGET_ATTRIBUTE : cost ? COST_TARGET_ATTRIBUTE : null;
    }

    /** What strategy target holds for this request: its own target attribute, else its tenant's, else the planner's. */
    SwitchboardConfig.RoutingTarget targetFor(LlmRequest request) {
        String attribute = requestTargetAttribute(request);
        if (attribute == null) {
            return config.routing().targetFor(request.getTenantId());
        }
        String value = request.getAttributes().get(attribute);
        String kind = attribute.equals(QUALITY_TARGET_ATTRIBUTE) ? "quality" : "cost";
        try {
            return SwitchboardConfig.routingTarget(kind + "=" + value);
        } catch (IllegalArgumentException e) {
            throw invalid("attribute " + attribute + " is '" + value + "'; expected "
                    + (kind.equals("quality") ? "a share in (0, 1], e.g. 0.95" : "USD per request > 0, e.g. 0.002"), request.getRequestId());
        }
    }

    /**
     * The text the learned router will embed when it plans this request (its user prompt), or empty
     * when the request will not be ranked by the learned model: it names its providers, or its
     * strategy does not learn. Quick and without side effects, for the poll thread to start the embedding.
     */
    public java.util.Optional<String> promptToEmbed(LlmRequest request) {
        try {
            if (learned == null || !learned.ready() || !request.getPreferredProviders().isEmpty() || !SwitchboardConfig.learned(strategyFor(request))) {
                return java.util.Optional.empty();
            }
        } catch (RejectedRecordException e) {
            return java.util.Optional.empty(); // an unknown strategy: planning rejects it, with the reason
        }
        return java.util.Optional.of(PromptAnalysis.promptOf(request.getMessages()));
    }

    /** The plan of a request whose maker is not checked (security off). */
    public ExecutionPlan plan(LlmRequest original, long nowMs) {
        return plan(original, nowMs, Access.unchecked());
    }

    /**
     * The plan of {@code original}, using only what {@code access} allows its maker: providers of the
     * tiers it may use, its tools, and for classified data only providers the policy lets that data
     * reach. A request nothing allowed can take is refused {@code FORBIDDEN}, naming the rules.
     */
    public ExecutionPlan plan(LlmRequest original, long nowMs, Access access) {
        ExecutionPlan plan = build(original, nowMs, access);
        if (!plan.getSteps().isEmpty()) {
            spend.reserve(plan.getTenantId(), plan.getRequestId(), plan.getSteps().getFirst().getEstimatedCostUsd(), nowMs);
        }
        return plan;
    }

    private ExecutionPlan build(LlmRequest original, long nowMs, Access access) {
        validate(original);
        String classification = original.getAttributes().get(dev.switchboard.platform.auth.Authorizer.DATA_CLASSIFICATION_ATTRIBUTE);
        if (classification != null && access.knownClassification(classification).isEmpty()) {
            throw invalid("attribute " + dev.switchboard.platform.auth.Authorizer.DATA_CLASSIFICATION_ATTRIBUTE + " is '" + classification
                    + "', which the access policy does not name; known: " + access.classifications(), original.getRequestId());
        }
        for (String tool : original.getTools()) {
            String denied = access.deniedTool(tool);
            if (denied != null) {
                throw new RejectedRecordException(RejectedRecordException.FORBIDDEN, "tool " + tool + ": " + denied,
                        original.getRequestId());
            }
        }
        Eligibility eligibility = new Eligibility(access, classification);
        String overBudget = overBudget(original, nowMs);
        if (overBudget != null && !"cheapest".equals(config.routing().overBudgetPolicy(original.getTenantId()))) {
            throw new RejectedRecordException(RejectedRecordException.BUDGET_EXCEEDED, overBudget, original.getRequestId());
        }
        Analyst.Result analysis = Tracing.inSpan(PlannerService.SERVICE, "analyse request", SpanKind.INTERNAL,
                () -> analyst.analyse(original));
        Span.current().setAttribute("switchboard.task_type", analysis.plan().getTaskType());
        String taskType = analysis.plan().getTaskType();
        SwitchboardConfig.PromptVariant variant = variants == null ? null
                : variants.choose(original.getRequestId(), taskType).orElse(null);
        LlmRequest request = variant == null ? original : withSystemPrompt(original, variant.systemPrompt());
        ExecutionPlan.Builder plan = ExecutionPlan.newBuilder()
                .setRequestId(request.getRequestId())
                .setTenantId(request.getTenantId())
                .setSessionId(request.getSessionId())
                .setRequest(request)
                .setTaskType(taskType)
                .setAnalysis(analysis.plan())
                .setPromptVariant(variant == null ? null : variant.id())
                .setPlannedAtMs(nowMs);
        if (overBudget != null) {
            return cheapestPlan(plan, request, overBudget, eligibility);
        }
        String chosen = strategyFor(request);
        boolean loading = learned != null && !learned.ready() && SwitchboardConfig.learned(chosen);
        if (loading) {
            chosen = "static";
        }
        if (request.getPreferredProviders().isEmpty() && TARGET.equals(chosen)) {
            SwitchboardConfig.RoutingTarget target = targetFor(request);
            QualityTarget controller = targets.computeIfAbsent(request.getTenantId() + " " + target,
                    key -> QualityTarget.of(target, Strategy.BALANCED.cost()));
            return learnedPlan(plan, request, analysis.prompt(), controller.strategy(), eligibility, controller);
        }
        if (request.getPreferredProviders().isEmpty() && SwitchboardConfig.learned(chosen)) {
            return learnedPlan(plan, request, analysis.prompt(), Strategy.named(chosen, weighted), eligibility, null);
        }
        List<String> providers;
        String strategy;
        if (!request.getPreferredProviders().isEmpty()) {
            providers = request.getPreferredProviders();
            strategy = "preferred";
        } else if ("score".equals(chosen)) {
            providers = byScore(request.getTaskHint());
            strategy = "score";
        } else {
            providers = config.plannerRanking().subList(0, Math.min(config.plannerMaxSteps(), config.plannerRanking().size()));
            strategy = "static-ranking";
        }
        long inputTokens = Tokens.estimate(request.getMessages());
        List<PlanStep> steps = new ArrayList<>(providers.size());
        Map<String, String> forbidden = new java.util.LinkedHashMap<>();
        for (int i = 0; i < providers.size(); i++) {
            ProviderSpec spec = config.provider(providers.get(i));
            String denied = eligibility.forbidden(spec);
            if (denied != null) {
                forbidden.put(spec.name(), denied);
                continue;
            }
            // A request that names a model of its (only) preferred provider gets that model.
            ModelSpec model = request.getModel() == null ? spec.defaultModel()
                    : spec.modelSpec(request.getModel()).orElse(spec.defaultModel());
            steps.add(PlanStep.newBuilder()
                    .setProvider(spec.name())
                    .setModel(model.name())
                    .setEstimatedCostUsd(model.costUsd(inputTokens, ESTIMATED_OUTPUT_TOKENS))
                    .setExpectedLatencyMs(scores.score(spec.name(), spec.model(), request.getTaskHint())
                            .map(ProviderScore::getLatencyMs).orElse(0.0))
                    .setReason(reason(strategy, steps.size(), spec, request.getTaskHint())
                            + (loading ? " (learned routing is reading its state back after a start)" : ""))
                    .build());
        }
        if (steps.isEmpty() && !forbidden.isEmpty()) {
            throw forbidden(forbidden, request.getRequestId());
        }
        return plan.setSteps(steps).setStrategy(strategy).build();
    }

    /** The request with {@code system} as its first message: the chosen prompt variant, before any system message of its own. */
    static LlmRequest withSystemPrompt(LlmRequest request, String system) {
        List<ChatMessage> messages = new ArrayList<>(request.getMessages().size() + 1);
        messages.add(Messages.of(ChatRole.SYSTEM, system));
        messages.addAll(request.getMessages());
        return LlmRequest.newBuilder(request).setMessages(messages).build();
    }

    /**
     * Every eligible provider ranked by the learned quality model against cost and latency; with a
     * {@code target}, the target's controller is told the choice.
     */
    private ExecutionPlan learnedPlan(ExecutionPlan.Builder plan, LlmRequest request, PromptAnalysis analysis, Strategy strategy,
                                      Eligibility eligibility, QualityTarget target) {
        String taskType = plan.getTaskType();
        long inputTokens = Tokens.estimate(request.getMessages());
        List<Ranker.Candidate> candidates = new ArrayList<>();
        Map<String, String> excluded = new java.util.LinkedHashMap<>();
        Map<String, String> forbidden = new java.util.LinkedHashMap<>();
        for (ProviderSpec spec : config.providers()) {
            // The policy decides per provider (its tier and attributes), not per model.
            String denied = eligibility.forbidden(spec);
            for (ModelSpec model : spec.models()) {
                String candidate = spec.otherModels().isEmpty() ? spec.name() : spec.name() + "/" + model.name();
                String why = ineligible(spec, model, request, inputTokens);
                if (why != null) {
                    excluded.put(candidate, why);
                    continue;
                }
                if (denied != null) {
                    excluded.put(candidate, denied);
                    forbidden.put(candidate, denied);
                    continue;
                }
                double latency = scores.score(spec.name(), model.name(), taskType).map(ProviderScore::getLatencyMs).orElse(0.0);
                candidates.add(new Ranker.Candidate(spec.name(), model.name(), model.costUsd(inputTokens, ESTIMATED_OUTPUT_TOKENS),
                        latency));
            }
        }
        if (candidates.isEmpty() && !forbidden.isEmpty()) {
            throw forbidden(excluded, request.getRequestId());
        }
        if (candidates.isEmpty()) {
            throw new RejectedRecordException(RejectedRecordException.NO_ELIGIBLE_PROVIDER, "no configured provider can take this request: "
                    + String.join("; ", excluded.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList()),
                    request.getRequestId());
        }
        if (learned == null) {
            throw invalid("strategy " + strategy.name() + " ranks with the learned quality model, which this planner does not "
                    + "run: planner.strategy is '" + config.plannerStrategy() + "' and no tenant uses a learned strategy",
                    request.getRequestId());
        }
        List<Ranker.Ranked> ranked = Tracing.inSpan(PlannerService.SERVICE, "rank providers", SpanKind.INTERNAL,
                () -> learned.rank(request.getRequestId(), request.getTenantId(), request.getSessionId(), analysis,
                        candidates, excluded, strategy));
        if (target != null) {
            target.chosen(ranked);
        }
        List<PlanStep> steps = new ArrayList<>();
        for (int i = 0; i < Math.min(config.plannerMaxSteps(), ranked.size()); i++) {
            Ranker.Ranked r = ranked.get(i);
            String reason = r.reason(i + 1, strategy);
            steps.add(PlanStep.newBuilder()
                    .setProvider(r.candidate().provider())
                    .setModel(r.candidate().model())
                    .setEstimatedCostUsd(r.candidate().estimatedCostUsd())
                    .setExpectedLatencyMs(r.candidate().expectedLatencyMs())
                    .setReason(i == 0 && target != null ? reason + "; " + target.describe() : reason)
                    .build());
        }
        return plan.setSteps(steps).setStrategy(strategy.name()).build();
    }

    /** Why the request's tenant is over its daily budget, or null when it is not (or has none). */
    private String overBudget(LlmRequest request, long nowMs) {
        Double budget = config.routing().dailyBudgetsUsd().get(request.getTenantId());
        if (budget == null) {
            return null;
        }
        double spent = spend.spentUsd(request.getTenantId(), nowMs);
        return spent < budget ? null : String.format(java.util.Locale.ROOT,
                "tenant %s has spent $%.6f today (UTC), counting requests in flight, of its daily budget of $%.6f", request.getTenantId(), spent, budget);
    }

    /** Over budget with policy cheapest: the one cheapest eligible provider, no failover. */
    private ExecutionPlan cheapestPlan(ExecutionPlan.Builder plan, LlmRequest request, String over, Eligibility eligibility) {
        long inputTokens = Tokens.estimate(request.getMessages());
        ProviderSpec cheapestProvider = null;
        ModelSpec cheapest = null;
        for (ProviderSpec spec : config.providers()) {
            if (eligibility.forbidden(spec) != null) {
                continue;
            }
            for (ModelSpec model : spec.models()) {
                if (ineligible(spec, model, request, inputTokens) == null && (cheapest == null
                        || model.costUsd(inputTokens, ESTIMATED_OUTPUT_TOKENS) < cheapest.costUsd(inputTokens, ESTIMATED_OUTPUT_TOKENS))) {
                    cheapestProvider = spec;
                    cheapest = model;
                }
            }
        }
        if (cheapest == null) {
            throw new RejectedRecordException(RejectedRecordException.BUDGET_EXCEEDED, over + ", and no provider can take the request", request.getRequestId());
        }
        PlanStep step = PlanStep.newBuilder().setProvider(cheapestProvider.name()).setModel(cheapest.name())
                .setEstimatedCostUsd(cheapest.costUsd(inputTokens, ESTIMATED_OUTPUT_TOKENS))
                .setReason("cheapest eligible provider: " + over).build();
        return plan.setSteps(List.of(step)).setStrategy(OVER_BUDGET_STRATEGY).build();
    }

    /** What the access policy lets one request use: its maker's tiers, and its data's destinations. */
    private record Eligibility(Access access, String classification) {
        /** Why the policy keeps this request from {@code spec}, naming the rule; null when it does not. */
        String forbidden(ProviderSpec spec) {
            return access.denied(spec, classification);
        }
    }

    private static RejectedRecordException forbidden(Map<String, String> reasons, String requestId) {
        return new RejectedRecordException(RejectedRecordException.FORBIDDEN, "the access policy lets this request reach no "
                + "provider: " + String.join("; ", reasons.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList()),
                requestId);
    }

    /** Why {@code model} of {@code spec} cannot take this request, or null when it can. */
    static String ineligible(ProviderSpec spec, ModelSpec model, LlmRequest request, long inputTokens) {
        if (inputTokens + ESTIMATED_OUTPUT_TOKENS > model.contextWindow()) {
            return "context window " + model.contextWindow() + " < " + (inputTokens + ESTIMATED_OUTPUT_TOKENS) + " tokens";
        }
        boolean functions = request.getParameters() != null && request.getParameters().getTools() != null;
        if ((!request.getTools().isEmpty() || functions) && !model.can("tools")) {
            return "no tools capability";
        }
        if ("json".equals(request.getAttributes().get(RESPONSE_FORMAT_ATTRIBUTE)) && !model.can("json")) {
            return "no json capability";
        }
        for (Map.Entry<String, String> e : request.getAttributes().entrySet()) {
            if (e.getKey().startsWith(REQUIRE_PREFIX)) {
                String key = e.getKey().substring(REQUIRE_PREFIX.length());
                if (!e.getValue().equals(spec.attributes().get(key))) {
                    return key + " is " + spec.attributes().getOrDefault(key, "unset") + ", required " + e.getValue();
                }
            }
        }
        return null;
    }

    /** The ranking ordered by live score, best first (a stable sort: ties keep the static order). */
    private List<String> byScore(String taskHint) {
        List<String> ranked = new ArrayList<>(config.plannerRanking());
        ranked.sort(java.util.Comparator.comparingDouble((String name) -> -scoreOf(name, taskHint)));
        return ranked.subList(0, Math.min(config.plannerMaxSteps(), ranked.size()));
    }

    private double scoreOf(String provider, String taskHint) {
        ProviderSpec spec = config.provider(provider);
        return scores.score(provider, spec.model(), taskHint).map(ProviderScore::getScore).orElse(UNSCORED);
    }

    private String reason(String strategy, int index, ProviderSpec spec, String taskHint) {
        return switch (strategy) {
            case "preferred" -> "preferred by the request, #" + (index + 1);
            case "score" -> scores.score(spec.name(), spec.model(), taskHint)
                    .map(s -> String.format(java.util.Locale.ROOT,
                            "#%d by score %.3f (%s: success %.2f, quality %.2f, %.0f ms, $%.6f a success, %d attempts)",
                            index + 1, s.getScore(), s.getTaskType(), s.getSuccessRate(), s.getQuality(), s.getLatencyMs(),
                            s.getCostPerSuccessUsd(), s.getAttempts()))
                    .orElse("#" + (index + 1) + " unscored (ranked at " + UNSCORED + ")");
            default -> "static ranking, #" + (index + 1);
        };
    }

    /** The request's replyTo when it is a valid topic name, else null (the default reply topic). */
    public static String validReplyTo(LlmRequest request) {
        if (request.getReplyTo() == null) {
            return null;
        }
        try {
            Topic.validate(request.getReplyTo());
            return request.getReplyTo();
        } catch (InvalidTopicException e) {
            return null;
        }
    }

    private void validate(LlmRequest request) {
        String id = request.getRequestId();
        if (id == null || id.isBlank()) {
            throw invalid("requestId is empty", null);
        }
        if (request.getTenantId() == null || request.getTenantId().isBlank()) {
            throw invalid("tenantId is empty", id);
        }
        if (request.getMessages().isEmpty()) {
            throw invalid("messages is empty: a request needs at least one message", id);
        }
        if (request.getReplyTo() != null) {
            try {
                Topic.validate(request.getReplyTo());
            } catch (InvalidTopicException e) {
                throw invalid("replyTo is not a valid topic name: " + e.getMessage(), id);
            }
        }
        for (String provider : request.getPreferredProviders()) {
            if (!config.hasProvider(provider)) {
                throw new RejectedRecordException(RejectedRecordException.UNKNOWN_PROVIDER, "preferredProviders names '" + provider
                        + "', which is not configured; configured: "
                        + config.providers().stream().map(ProviderSpec::name).toList(), id);
            }
        }
    }

    private static RejectedRecordException invalid(String message, String requestId) {
        return new RejectedRecordException(RejectedRecordException.INVALID_REQUEST, message, requestId);
    }
}
