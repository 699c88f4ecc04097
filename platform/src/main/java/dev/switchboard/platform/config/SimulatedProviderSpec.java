package dev.switchboard.platform.config;

import java.util.Map;

/**
 * How the provider simulator behaves for one simulated provider: latency distribution (log-normal
 * through the given p50 and p99), share of calls that fail with an HTTP error (split by
 * {@code errorMix}, status to weight) and share that hang until the client times out.
 */
public record SimulatedProviderSpec(
        String name,
        String model,
        double latencyP50Ms,
        double latencyP99Ms,
        double errorRate,
        double timeoutRate,
        Map<Integer, Double> errorMix) {
}
