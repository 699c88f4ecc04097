package dev.switchboard.planner;

import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.platform.Tokens;
import dev.switchboard.platform.config.ModelSpec;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.planner.routing.PromptAnalysis;
import dev.switchboard.planner.routing.Ranker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a {@link PlanPolicy} decides from, computed once per request: the request as it will
 * be sent (with its prompt variant), its task type and prompt analysis, what it asks of routing,
 * its estimated input tokens, what its maker's access allows, and, when a policy asks, every
 * catalogue model that can take it, with why each other one cannot.
 */
final class PlanContext {

    /** Output tokens assumed when estimating a step's cost before the call. */
    static final int ESTIMATED_OUTPUT_TOKENS = 256;
    /** Request attributes {@code require.<key>=<value>} admit only providers with that catalogue attribute. */
    static final String REQUIRE_PREFIX = "require.";
    /** Request attribute {@code response_format=json} admits only providers with the json capability. */
    static final String RESPONSE_FORMAT_ATTRIBUTE = "response_format";

    /**
     * The catalogue split for one request.
     *
     * @param eligible  the models that can take it, in catalogue order, with estimated cost and expected latency
     * @param excluded  every other model ({@code provider} or {@code provider/model}) and why
     * @param forbidden those of {@code excluded} that only the access policy keeps out, and its rule
     */
    record Candidates(List<Ranker.Candidate> eligible, Map<String, String> excluded, Map<String, String> forbidden) {
    }

    private final SwitchboardConfig config;
    private final Planner.ScoreLookup scores;
    private final LlmRequest request;
    private final String taskType;
    private final PromptAnalysis prompt;
    private final RequestValidator.Checked routing;
    private final Access access;
    private final long inputTokens;
    private Candidates candidates;

    PlanContext(SwitchboardConfig config, Planner.ScoreLookup scores, LlmRequest request, String taskType, PromptAnalysis prompt,
                RequestValidator.Checked routing, Access access) {
        this.config = config;
        this.scores = scores;
        this.request = request;
        this.taskType = taskType;
        this.prompt = prompt;
        this.routing = routing;
        this.access = access;
        this.inputTokens = Tokens.estimate(request.getMessages());
    }

    SwitchboardConfig config() {
        return config;
    }

    Planner.ScoreLookup scores() {
        return scores;
    }

    /** The request as its providers will get it: with the chosen prompt variant first. */
    LlmRequest request() {
        return request;
    }

    String requestId() {
        return request.getRequestId();
    }

    String taskType() {
        return taskType;
    }

    PromptAnalysis prompt() {
        return prompt;
    }

    RequestValidator.Checked routing() {
        return routing;
    }

    long inputTokens() {
        return inputTokens;
    }

    /** Why the access policy keeps this request from {@code spec}, naming the rule; null when it does not. */
    String forbidden(ProviderSpec spec) {
        return access.denied(spec, routing.classification());
    }

    /** The expected latency of {@code model} on {@code provider} for this request's task type: its live score's, else 0. */
    double expectedLatencyMs(String provider, String model) {
        return scores.score(provider, model, taskType).map(ProviderScore::getLatencyMs).orElse(0.0);
    }

    /** Every model of the catalogue that can take this request; computed on first use. */
    Candidates candidates() {
        if (candidates == null) {
            List<Ranker.Candidate> eligible = new ArrayList<>();
            Map<String, String> excluded = new LinkedHashMap<>();
            Map<String, String> forbidden = new LinkedHashMap<>();
            for (ProviderSpec spec : config.providers()) {
                // The policy decides per provider (its tier and attributes), not per model.
                String denied = forbidden(spec);
                for (ModelSpec model : spec.models()) {
                    String candidate = spec.otherModels().isEmpty() ? spec.name() : spec.name() + "/" + model.name();
                    String why = ineligible(spec, model, request, inputTokens);
                    if (why != null) {
                        excluded.put(candidate, why);
                    } else if (denied != null) {
                        excluded.put(candidate, denied);
                        forbidden.put(candidate, denied);
                    } else {
                        eligible.add(new Ranker.Candidate(spec.name(), model.name(),
                                model.costUsd(inputTokens, ESTIMATED_OUTPUT_TOKENS), expectedLatencyMs(spec.name(), model.name())));
                    }
                }
            }
            candidates = new Candidates(List.copyOf(eligible), excluded, forbidden);
        }
        return candidates;
    }

    /**
     * The eligible candidates; none is an error.
     *
     * @throws RejectedRecordException FORBIDDEN when the access policy kept out a model that could
     *         have taken the request, else NO_ELIGIBLE_PROVIDER, naming each model's reason
     */
    List<Ranker.Candidate> eligibleOrRefuse() {
        Candidates c = candidates();
        if (!c.eligible().isEmpty()) {
            return c.eligible();
        }
        if (!c.forbidden().isEmpty()) {
            throw forbiddenEverywhere(c.excluded());
        }
        throw new RejectedRecordException(RejectedRecordException.Reason.NO_ELIGIBLE_PROVIDER,
                "no configured provider can take this request: " + joined(c.excluded()), requestId());
    }

    /** The refusal of a request the access policy lets reach none of the providers that could take it. */
    RejectedRecordException forbiddenEverywhere(Map<String, String> reasons) {
        return new RejectedRecordException(RejectedRecordException.Reason.FORBIDDEN,
                "the access policy lets this request reach no provider: " + joined(reasons), requestId());
    }

    private static String joined(Map<String, String> reasons) {
        return String.join("; ", reasons.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
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
}
