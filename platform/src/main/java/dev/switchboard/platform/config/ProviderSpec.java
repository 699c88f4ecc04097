package dev.switchboard.platform.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A provider endpoint Switchboard can route to: an OpenAI-compatible chat-completions API with one
 * model and its list prices.
 */
public record ProviderSpec(
        String name,
        String baseUrl,
        String model,
        String apiKey,
        double inputPricePerMTok,
        double outputPricePerMTok,
        Duration timeout) {

    public ProviderSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
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
