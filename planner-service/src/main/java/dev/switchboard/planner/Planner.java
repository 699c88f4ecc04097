package dev.switchboard.planner;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.planner.analysis.Analyst;
import dev.switchboard.planner.prompts.VariantSelector;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.PromptAnalysis;
import dev.switchboard.planner.routing.QualityTarget;
import dev.switchboard.planner.routing.Strategy;
import dev.switchboard.platform.config.RoutingStrategy;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.platform.telemetry.Tracing;
import dev.switchboard.schemas.Messages;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which providers to try for a request, in which order. A plan is made in four steps:
 * <ol>
 *   <li>the {@link RequestValidator} checks the request against the contract and its maker's
 *       {@link Access}, and reads what it asks of routing (strategy and target);</li>
 *   <li>the {@link BudgetGate} refuses a tenant over its daily budget, or lets it through to the
 *       cheapest model;</li>
 *   <li>the request is analysed and given its prompt variant, into one {@link PlanContext};</li>
 *   <li>exactly one {@link PlanPolicy} orders the providers: preferred, static, score, learned
 *       (quality, cost, latency, balanced, weighted), target, or cheapest.</li>
 * </ol>
 * Strategy target ranks with a cost weight its {@link QualityTarget} moves after every choice, one
 * controller per tenant and target. No I/O of its own.
 */
public final class Planner {

    /** Where the live scores come from: the provider, model and task type's, if analytics has one. */
    @FunctionalInterface
    public interface ScoreLookup {
        Optional<ProviderScore> score(String provider, String model, String taskType);

        ScoreLookup NONE = (provider, model, taskType) -> Optional.empty();
    }

    /** The strategy of a plan that the over-budget policy {@code cheapest} let through. */
    public static final String OVER_BUDGET_STRATEGY = PlanPolicy.OVER_BUDGET_STRATEGY;
    /** Targets with a controller of their own at most (each tenant's and each value a request asked for): the least recently used go. */
    static final int TARGETS = 10_000;
    /** Why a learned strategy is planned by the static ranking while the learned state is read back. */
    static final String LOADING = "learned routing is reading its state back after a start";

    private final SwitchboardConfig config;
    private final ScoreLookup scores;
    private final LearnedRouter learned;
    private final Analyst analyst;
    private final VariantSelector variants;
    private final Strategy weighted;
    private final RequestValidator validator;
    private final BudgetGate budget;
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
        this.analyst = parts.analyst();
        this.variants = parts.variants();
        SwitchboardConfig.RoutingSettings r = config.routing();
        this.weighted = new Strategy("weighted", r.qualityWeight(), r.costWeight(), r.latencyWeight());
        this.validator = new RequestValidator(config);
        this.budget = new BudgetGate(r, parts.spend() == null ? Spend.NONE : parts.spend());
    }

    /**
     * The text the learned router will embed when it plans this request (its user prompt), or empty
     * when the request will not be ranked by the learned model: it names its providers, or its
     * strategy does not learn. Quick and without side effects, for the poll thread to start the embedding.
     */
    public Optional<String> promptToEmbed(LlmRequest request) {
        try {
            if (learned == null || !learned.ready() || !request.getPreferredProviders().isEmpty() || !validator.strategy(request).learned()) {
                return Optional.empty();
            }
        } catch (RejectedRecordException e) {
            return Optional.empty(); // an unknown strategy: planning rejects it, with the reason
        }
        return Optional.of(PromptAnalysis.promptOf(request.getMessages()));
    }

    /** The request attribute that asks for an agent run: {@code mode=agent}. */
    public static final String MODE_ATTRIBUTE = "mode";
    public static final String AGENT_MODE = "agent";
    /**
     * The one step of an agent run: the agent runtime takes it from {@code llm.tasks.agent}; each
     * of its model calls is a request of its own, planned then.
     */
    private static final PlanStep AGENT_STEP = PlanStep.newBuilder().setProvider(Topics.AGENT_PROVIDER).setModel("react")
            .setEstimatedCostUsd(0.0).setReason("mode=agent: a ReAct agent runs it; each of its model calls is planned on its own")
            .build();

    /**
     * An agent run's request with its maker's roles as {@link Topics#AGENT_ROLES_ATTRIBUTE} (none when
     * not checked), for the agent runtime to apply the access policy to the tools it may call.
     */
    private static LlmRequest withMakersRoles(LlmRequest request, Access access) {
        Map<String, String> attributes = new java.util.HashMap<>(request.getAttributes());
        attributes.remove(Topics.AGENT_ROLES_ATTRIBUTE);
        if (access.principal() != null) {
            attributes.put(Topics.AGENT_ROLES_ATTRIBUTE, String.join(",", new java.util.TreeSet<>(access.principal().roles())));
        }
        return LlmRequest.newBuilder(request).setAttributes(attributes).build();
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
        RequestValidator.Checked checked = validator.check(original, access);
        Optional<String> overBudget = budget.check(original, nowMs);
        Analyst.Result analysis = Tracing.inSpan(PlannerService.SERVICE, "analyse request", SpanKind.INTERNAL,
                () -> analyst.analyse(original));
        String taskType = analysis.plan().getTaskType();
        Span.current().setAttribute("switchboard.task_type", taskType);
        SwitchboardConfig.PromptVariant variant = null;
        if (variants != null) {
            variants.suggested(taskType, analysis.prompt().prompt(), analysis.plan().getPromptImprovements());
            variant = variants.choose(original.getRequestId(), taskType).orElse(null);
        }
        // A baseline variant is the request as it came.
        LlmRequest request = variant == null || variant.systemPrompt().isEmpty() ? original
                : withSystemPrompt(original, variant.systemPrompt());
        boolean agent = AGENT_MODE.equals(request.getAttributes().get(MODE_ATTRIBUTE));
        if (agent) {
            request = withMakersRoles(request, access);
        }
        PlanContext context = new PlanContext(config, scores, request, taskType, analysis.prompt(), checked, access);
        PlanPolicy.Decision decision = agent
                ? new PlanPolicy.Decision(List.of(AGENT_STEP), Topics.AGENT_PROVIDER, null)
                : policyFor(context, overBudget).plan(context);
        ExecutionPlan plan = ExecutionPlan.newBuilder()
                .setRequestId(request.getRequestId())
                .setTenantId(request.getTenantId())
                .setSessionId(request.getSessionId())
                .setRequest(request)
                .setTaskType(taskType)
                .setAnalysis(analysis.plan())
                .setPromptVariant(variant == null ? null : variant.id())
                .setPlannedAtMs(nowMs)
                .setSteps(decision.steps())
                .setStrategy(decision.strategy())
                .setTarget(decision.target())
                .build();
        budget.reserve(plan, nowMs);
        return plan;
    }

    /** The one policy that plans this request. */
    PlanPolicy policyFor(PlanContext context, Optional<String> overBudget) {
        if (overBudget.isPresent()) {
            return new PlanPolicy.Cheapest(overBudget.get());
        }
        if (!context.request().getPreferredProviders().isEmpty()) {
            return new PlanPolicy.Preferred();
        }
        RoutingStrategy strategy = context.routing().strategy();
        if (strategy.learned() && learned != null && !learned.ready()) {
            return new PlanPolicy.StaticRanking(LOADING);
        }
        return switch (strategy) {
            case STATIC -> new PlanPolicy.StaticRanking(null);
            case SCORE -> new PlanPolicy.ByScore();
            case TARGET -> {
                SwitchboardConfig.RoutingTarget target = context.routing().target();
                yield learned == null ? new PlanPolicy.Learned(null, new Strategy(strategy.id(), 1, 0, 0))
                        : new PlanPolicy.Target(learned, targets.computeIfAbsent(context.request().getTenantId() + " " + target,
                                key -> QualityTarget.of(target, Strategy.BALANCED.cost(), learned.calibration())));
            }
            case QUALITY, COST, LATENCY, BALANCED, WEIGHTED -> new PlanPolicy.Learned(learned, Strategy.named(strategy.id(), weighted));
        };
    }

    /** The request with {@code system} as its first message: the chosen prompt variant, before any system message of its own. */
    static LlmRequest withSystemPrompt(LlmRequest request, String system) {
        List<ChatMessage> messages = new ArrayList<>(request.getMessages().size() + 1);
        messages.add(Messages.of(ChatRole.SYSTEM, system));
        messages.addAll(request.getMessages());
        return LlmRequest.newBuilder(request).setMessages(messages).build();
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
}
