package dev.switchboard.planner;

import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.avro.TargetDecision;
import dev.switchboard.platform.config.ModelSpec;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.config.SwitchboardConfig.RoutingTarget;
import dev.switchboard.platform.telemetry.Tracing;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.QualityTarget;
import dev.switchboard.planner.routing.Ranker;
import dev.switchboard.planner.routing.Strategy;
import io.opentelemetry.api.trace.SpanKind;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * How one request's steps are chosen, once the request is valid and within its budget: the
 * {@link Planner} picks exactly one policy per request and the policy orders the providers from the
 * request's {@link PlanContext}.
 * <ul>
 *   <li>{@link Preferred}: the providers the request names, in its order;</li>
 *   <li>{@link StaticRanking}: planner.ranking;</li>
 *   <li>{@link ByScore}: planner.ranking ordered by live provider scores;</li>
 *   <li>{@link Learned}: every eligible model ranked by the learned quality model with a fixed strategy;</li>
 *   <li>{@link Target}: the same, with the cost weight a {@link QualityTarget} moves after every choice;</li>
 *   <li>{@link Cheapest}: a tenant over its budget whose policy lets it through, on the cheapest eligible model.</li>
 * </ul>
 */
sealed interface PlanPolicy {

    /** The steps, best first, the strategy the plan records, and for a target plan what it held (else null). */
    record Decision(List<PlanStep> steps, String strategy, TargetDecision target) {
        Decision(List<PlanStep> steps, String strategy) {
            this(steps, strategy, null);
        }
    }

    Decision plan(PlanContext context);

    /** The strategy a plan records when the over-budget policy {@code cheapest} let it through. */
    String OVER_BUDGET_STRATEGY = "over-budget-cheapest";
    /** The score a provider without one ranks with: the middle of [0, 1]. */
    double UNSCORED = 0.5;

    /** The providers the request names, in its order; one that names a model of its provider gets that model. */
    record Preferred() implements PlanPolicy {
        @Override
        public Decision plan(PlanContext context) {
            return new Decision(listed(context, context.request().getPreferredProviders(), i -> "preferred by the request, #" + (i + 1)),
                    "preferred");
        }
    }

    /**
     * planner.ranking, at most planner.max.steps of it.
     *
     * @param note said after each step's reason (why the static ranking stands in for a learned one), or null
     */
    record StaticRanking(String note) implements PlanPolicy {
        @Override
        public Decision plan(PlanContext context) {
            List<String> ranking = context.config().plannerRanking();
            List<String> providers = ranking.subList(0, Math.min(context.config().plannerMaxSteps(), ranking.size()));
            return new Decision(listed(context, providers, i -> "static ranking, #" + (i + 1) + (note == null ? "" : " (" + note + ")")),
                    "static-ranking");
        }
    }

    /** planner.ranking ordered by live score, best first (a stable sort: ties keep the static order). */
    record ByScore() implements PlanPolicy {
        @Override
        public Decision plan(PlanContext context) {
            String taskHint = context.request().getTaskHint();
            List<String> ranked = new ArrayList<>(context.config().plannerRanking());
            ranked.sort(Comparator.comparingDouble((String name) -> -score(context, name).map(ProviderScore::getScore).orElse(UNSCORED)));
            List<String> providers = ranked.subList(0, Math.min(context.config().plannerMaxSteps(), ranked.size()));
            return new Decision(listed(context, providers, i -> score(context, providers.get(i))
                    .map(s -> String.format(Locale.ROOT,
                            "#%d by score %.3f (%s: success %.2f, quality %.2f, %.0f ms, $%.6f a success, %d attempts)",
                            i + 1, s.getScore(), s.getTaskType(), s.getSuccessRate(), s.getQuality(), s.getLatencyMs(),
                            s.getCostPerSuccessUsd(), s.getAttempts()))
                    .orElse("#" + (i + 1) + " unscored (ranked at " + UNSCORED + ")")), "score");
        }

        private static java.util.Optional<ProviderScore> score(PlanContext context, String provider) {
            ProviderSpec spec = context.config().provider(provider);
            return context.scores().score(provider, spec.model(), context.request().getTaskHint());
        }
    }

    /** Every eligible model ranked by the learned quality model against cost and latency with {@code strategy}'s weights. */
    record Learned(LearnedRouter router, Strategy strategy) implements PlanPolicy {
        @Override
        public Decision plan(PlanContext context) {
            return new Decision(steps(context, rank(context, router, strategy), strategy, null), strategy.name());
        }
    }

    /** As {@link Learned}, with the cost weight of {@code controller}, which is told each choice. */
    record Target(LearnedRouter router, QualityTarget controller) implements PlanPolicy {
        @Override
        public Decision plan(PlanContext context) {
            Strategy strategy = controller.strategy();
            List<Ranker.Ranked> ranked = rank(context, router, strategy);
            double kept = controller.chosen(ranked);
            Ranker.Ranked reference = QualityTarget.reference(ranked);
            RoutingTarget target = controller.target();
            TargetDecision decision = TargetDecision.newBuilder()
                    .setQualityShare(target.isCost() ? null : target.qualityShare())
                    .setCostUsd(target.isCost() ? target.costUsd() : null)
                    .setReferenceProvider(reference.candidate().provider())
                    .setReferenceModel(reference.candidate().model())
                    .setReferenceQuality(reference.estimate().mean())
                    .setKept(kept)
                    .setCostWeight(strategy.cost())
                    .build();
            return new Decision(steps(context, ranked, strategy, controller.describe()), strategy.name(), decision);
        }
    }

    /** Over budget with policy cheapest: the one cheapest eligible model, no failover. */
    record Cheapest(String over) implements PlanPolicy {
        @Override
        public Decision plan(PlanContext context) {
            Ranker.Candidate cheapest = context.candidates().eligible().stream()
                    .min(Comparator.comparingDouble(Ranker.Candidate::estimatedCostUsd))
                    .orElseThrow(() -> new dev.switchboard.platform.kafka.RejectedRecordException(
                            dev.switchboard.platform.kafka.RejectedRecordException.Reason.BUDGET_EXCEEDED,
                            over + ", and no provider can take the request", context.requestId()));
            PlanStep step = PlanStep.newBuilder().setProvider(cheapest.provider()).setModel(cheapest.model())
                    .setEstimatedCostUsd(cheapest.estimatedCostUsd())
                    .setReason("cheapest eligible provider: " + over).build();
            return new Decision(List.of(step), OVER_BUDGET_STRATEGY);
        }
    }

    /** Steps for the listed providers that the access policy lets the request reach; none is FORBIDDEN, naming the rules. */
    private static List<PlanStep> listed(PlanContext context, List<String> providers, IntFunction<String> reason) {
        List<PlanStep> steps = new ArrayList<>(providers.size());
        Map<String, String> forbidden = new LinkedHashMap<>();
        var request = context.request();
        for (String name : providers) {
            ProviderSpec spec = context.config().provider(name);
            String denied = context.forbidden(spec);
            if (denied != null) {
                forbidden.put(spec.name(), denied);
                continue;
            }
            // A request that names a model of its (only) preferred provider gets that model.
            ModelSpec model = request.getModel() == null ? spec.defaultModel() : spec.modelSpec(request.getModel()).orElse(spec.defaultModel());
            steps.add(PlanStep.newBuilder()
                    .setProvider(spec.name())
                    .setModel(model.name())
                    .setEstimatedCostUsd(model.costUsd(context.inputTokens(), PlanContext.ESTIMATED_OUTPUT_TOKENS))
                    .setExpectedLatencyMs(context.scores().score(spec.name(), spec.model(), request.getTaskHint())
                            .map(ProviderScore::getLatencyMs).orElse(0.0))
                    .setReason(reason.apply(steps.size()))
                    .build());
        }
        if (steps.isEmpty() && !forbidden.isEmpty()) {
            throw context.forbiddenEverywhere(forbidden);
        }
        return steps;
    }

    private static List<Ranker.Ranked> rank(PlanContext context, LearnedRouter router, Strategy strategy) {
        List<Ranker.Candidate> candidates = context.eligibleOrRefuse();
        if (router == null) {
            throw RequestValidator.invalid("strategy " + strategy.name() + " ranks with the learned quality model, which this "
                    + "planner does not run: planner.strategy is '" + context.config().plannerStrategy()
                    + "' and no tenant uses a learned strategy", context.requestId());
        }
        var request = context.request();
        return Tracing.inSpan(PlannerService.SERVICE, "rank providers", SpanKind.INTERNAL,
                () -> router.rank(request.getRequestId(), request.getTenantId(), request.getSessionId(), context.prompt(),
                        candidates, context.candidates().excluded(), strategy));
    }

    /** The first planner.max.steps of {@code ranked} as steps; {@code firstNote}, when not null, follows the first one's reason. */
    private static List<PlanStep> steps(PlanContext context, List<Ranker.Ranked> ranked, Strategy strategy, String firstNote) {
        List<PlanStep> steps = new ArrayList<>();
        for (int i = 0; i < Math.min(context.config().plannerMaxSteps(), ranked.size()); i++) {
            Ranker.Ranked r = ranked.get(i);
            String reason = r.reason(i + 1, strategy);
            steps.add(PlanStep.newBuilder()
                    .setProvider(r.candidate().provider())
                    .setModel(r.candidate().model())
                    .setEstimatedCostUsd(r.candidate().estimatedCostUsd())
                    .setExpectedLatencyMs(r.candidate().expectedLatencyMs())
                    .setEstimatedQuality(r.estimate().mean())
                    .setReason(i == 0 && firstNote != null ? reason + "; " + firstNote : reason)
                    .build());
        }
        return steps;
    }
}
