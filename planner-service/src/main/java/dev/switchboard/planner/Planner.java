package dev.switchboard.planner;

import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.platform.Tokens;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.RejectedRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Validates a request and decides which providers to try, in which order. Pure: no I/O. */
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

    private final SwitchboardConfig config;
    private final ScoreLookup scores;

    public Planner(SwitchboardConfig config) {
        this(config, ScoreLookup.NONE);
    }

    public Planner(SwitchboardConfig config, ScoreLookup scores) {
        this.config = config;
        this.scores = scores;
    }

    public ExecutionPlan plan(LlmRequest request, long nowMs) {
        validate(request);
        List<String> providers;
        String strategy;
        if (!request.getPreferredProviders().isEmpty()) {
            providers = request.getPreferredProviders();
            strategy = "preferred";
        } else if ("score".equals(config.plannerStrategy())) {
            providers = byScore(request.getTaskHint());
            strategy = "score";
        } else {
            providers = config.plannerRanking().subList(0, Math.min(config.plannerMaxSteps(), config.plannerRanking().size()));
            strategy = "static-ranking";
        }
        long inputTokens = Tokens.estimate(request.getMessages());
        List<PlanStep> steps = new ArrayList<>(providers.size());
        for (int i = 0; i < providers.size(); i++) {
            ProviderSpec spec = config.provider(providers.get(i));
            steps.add(PlanStep.newBuilder()
                    .setProvider(spec.name())
                    .setModel(spec.model())
                    .setEstimatedCostUsd(spec.costUsd(inputTokens, ESTIMATED_OUTPUT_TOKENS))
                    .setReason(reason(strategy, i, spec, request.getTaskHint()))
                    .build());
        }
        return ExecutionPlan.newBuilder()
                .setRequestId(request.getRequestId())
                .setTenantId(request.getTenantId())
                .setSessionId(request.getSessionId())
                .setRequest(request)
                .setSteps(steps)
                .setStrategy(strategy)
                .setPlannedAtMs(nowMs)
                .build();
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
                throw new RejectedRecordException("UNKNOWN_PROVIDER", "preferredProviders names '" + provider
                        + "', which is not configured; configured: "
                        + config.providers().stream().map(ProviderSpec::name).toList(), id);
            }
        }
    }

    private static RejectedRecordException invalid(String message, String requestId) {
        return new RejectedRecordException("INVALID_REQUEST", message, requestId);
    }
}
