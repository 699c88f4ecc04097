package dev.switchboard.platform.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A provider endpoint Switchboard can route to: an OpenAI-compatible chat-completions API with one
 * model, its list prices and its limits (0: none).
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
        int maxConcurrent) {

    public ProviderSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
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
