package dev.switchboard.platform.config;

import java.util.Objects;
import java.util.Set;

/** One model a provider serves, as the catalogue describes it: list prices, context window, capabilities. */
public record ModelSpec(String name, double inputPricePerMTok, double outputPricePerMTok, int contextWindow,
                        Set<String> capabilities) {

    public ModelSpec {
        Objects.requireNonNull(name, "name");
        capabilities = Set.copyOf(capabilities);
    }

    public boolean can(String capability) {
        return capabilities.contains(capability);
    }

    /** Cost in USD of a call with these token counts at this model's list prices. */
    public double costUsd(long inputTokens, long outputTokens) {
        return (inputTokens * inputPricePerMTok + outputTokens * outputPricePerMTok) / 1_000_000.0;
    }
}
