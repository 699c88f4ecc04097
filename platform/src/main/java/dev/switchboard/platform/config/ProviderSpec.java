package dev.switchboard.platform.config;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A provider endpoint Switchboard can route to: an OpenAI-compatible chat-completions API with one
 * model, its list prices, its limits (0: none) and its catalogue entry: context window in tokens,
 * capabilities ({@code tools}, {@code json}) and attributes for policies ({@code region=eu},
 * {@code zdr=true}).
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
        Map<String, String> attributes) {

    /** The context window assumed when the catalogue gives none. */
    public static final int DEFAULT_CONTEXT_WINDOW = 128_000;

    public ProviderSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
        capabilities = Set.copyOf(capabilities);
        attributes = Map.copyOf(attributes);
    }

    /** A provider with limits but without a catalogue entry of its own (default window, no capabilities). */
    public ProviderSpec(String name, String baseUrl, String model, String apiKey, double inputPricePerMTok,
                        double outputPricePerMTok, Duration timeout, int requestsPerMinute, int tokensPerMinute,
                        int maxConcurrent) {
        this(name, baseUrl, model, apiKey, inputPricePerMTok, outputPricePerMTok, timeout, requestsPerMinute,
                tokensPerMinute, maxConcurrent, DEFAULT_CONTEXT_WINDOW, Set.of(), Map.of());
    }

    /** A provider without rate limits or a concurrency cap of its own. */
    public ProviderSpec(String name, String baseUrl, String model, String apiKey, double inputPricePerMTok,
                        double outputPricePerMTok, Duration timeout) {
        this(name, baseUrl, model, apiKey, inputPricePerMTok, outputPricePerMTok, timeout, 0, 0, 0);
    }

    public boolean can(String capability) {
        return capabilities.contains(capability);
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
