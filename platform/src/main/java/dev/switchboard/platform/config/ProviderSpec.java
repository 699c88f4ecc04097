package dev.switchboard.platform.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A provider endpoint Switchboard can route to: an OpenAI-compatible chat-completions API, its
 * default model with list prices, context window in tokens and capabilities ({@code tools},
 * {@code json}), any further models it serves ({@link #otherModels}), its limits (0: none), and
 * attributes for policies ({@code region=eu}, {@code zdr=true}).
 */
public record ProviderSpec(
        String name,
        String baseUrl,
        String model,
        String apiKey,
        double inputPricePerMTok,
        double outputPricePerMTok,
        Duration timeout,
        int requestsPerMinute,
        int tokensPerMinute,
        int maxConcurrent,
        int contextWindow,
        Set<String> capabilities,
        Map<String, String> attributes,
        List<ModelSpec> otherModels) {

    /** The context window assumed when the catalogue gives none. */
    public static final int DEFAULT_CONTEXT_WINDOW = 128_000;

    public ProviderSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
        capabilities = Set.copyOf(capabilities);
        attributes = Map.copyOf(attributes);
        otherModels = List.copyOf(otherModels);
    }

    /** A provider serving one model. */
    public ProviderSpec(String name, String baseUrl, String model, String apiKey, double inputPricePerMTok,
                        double outputPricePerMTok, Duration timeout, int requestsPerMinute, int tokensPerMinute,
                        int maxConcurrent, int contextWindow, Set<String> capabilities, Map<String, String> attributes) {
        this(name, baseUrl, model, apiKey, inputPricePerMTok, outputPricePerMTok, timeout, requestsPerMinute,
                tokensPerMinute, maxConcurrent, contextWindow, capabilities, attributes, List.of());
    }

    /** The model calls go to unless a plan step names another: {@code model} with the provider's prices, window, capabilities. */
    public ModelSpec defaultModel() {
        return new ModelSpec(model, inputPricePerMTok, outputPricePerMTok, contextWindow, capabilities);
    }

    /** Every model this provider serves, the default first. */
    public List<ModelSpec> models() {
        List<ModelSpec> all = new java.util.ArrayList<>(otherModels.size() + 1);
        all.add(defaultModel());
        all.addAll(otherModels);
        return all;
    }

    /** The catalogue entry of {@code modelName} at this provider, if it serves it. */
    public Optional<ModelSpec> modelSpec(String modelName) {
        return models().stream().filter(m -> m.name().equals(modelName)).findFirst();
    }

    /** A provider with limits but without a catalogue entry of its own (default window, no capabilities). */
    public ProviderSpec(String name, String baseUrl, String model, String apiKey, double inputPricePerMTok,
                        double outputPricePerMTok, Duration timeout, int requestsPerMinute, int tokensPerMinute,
                        int maxConcurrent) {
        this(name, baseUrl, model, apiKey, inputPricePerMTok, outputPricePerMTok, timeout, requestsPerMinute,
                tokensPerMinute, maxConcurrent, DEFAULT_CONTEXT_WINDOW, Set.of(), Map.of(), List.of());
    }

    /** A provider without rate limits or a concurrency cap of its own. */
    public ProviderSpec(String name, String baseUrl, String model, String apiKey, double inputPricePerMTok,
                        double outputPricePerMTok, Duration timeout) {
        this(name, baseUrl, model, apiKey, inputPricePerMTok, outputPricePerMTok, timeout, 0, 0, 0);
    }

    /** Cost in USD of a call with these token counts at this provider's list prices. */
    public double costUsd(long inputTokens, long outputTokens) {
        return (inputTokens * inputPricePerMTok + outputTokens * outputPricePerMTok) / 1_000_000.0;
    }

    @Override
    public String toString() {
        return "ProviderSpec[name=" + name + ", baseUrl=" + baseUrl + ", model=" + model + "]";
    }
}
