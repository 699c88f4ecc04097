package dev.switchboard.devstack.simulator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A simulated provider's behaviour: latency p50/p99 in ms, error and timeout rates in [0, 1], the
 * HTTP statuses of its errors with weights, the Retry-After its 429s send and the OpenAI error
 * {@code code} its 4xx errors carry (such as {@code context_length_exceeded}), if any.
 */
public record Faults(double errorRate, double timeoutRate, double latencyP50Ms, double latencyP99Ms,
                     Map<Integer, Double> errorMix, int retryAfterSeconds, String errorCode) {

    /** Faults whose 429s ask for a one-second wait. */
    public Faults(double errorRate, double timeoutRate, double latencyP50Ms, double latencyP99Ms, Map<Integer, Double> errorMix) {
        this(errorRate, timeoutRate, latencyP50Ms, latencyP99Ms, errorMix, 1, null);
    }

    /** Faults without an OpenAI error code on 4xx errors. */
    public Faults(double errorRate, double timeoutRate, double latencyP50Ms, double latencyP99Ms, Map<Integer, Double> errorMix,
                  int retryAfterSeconds) {
        this(errorRate, timeoutRate, latencyP50Ms, latencyP99Ms, errorMix, retryAfterSeconds, null);
    }

    public Faults {
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("retryAfterSeconds must be >= 0, got " + retryAfterSeconds);
        }
        requireRate("errorRate", errorRate);
        requireRate("timeoutRate", timeoutRate);
        if (errorRate + timeoutRate > 1.0) {
            throw new IllegalArgumentException("errorRate + timeoutRate must not exceed 1, got " + (errorRate + timeoutRate));
        }
        if (!(latencyP50Ms >= 0)) {
            throw new IllegalArgumentException("latencyMs.p50 must be >= 0, got " + latencyP50Ms);
        }
        if (!(latencyP99Ms >= latencyP50Ms)) {
            throw new IllegalArgumentException("latencyMs.p99 must be >= latencyMs.p50 (" + latencyP50Ms + "), got " + latencyP99Ms);
        }
        if (errorMix == null || errorMix.isEmpty()) {
            throw new IllegalArgumentException("errorMix must name at least one status");
        }
        double total = 0;
        for (Map.Entry<Integer, Double> e : errorMix.entrySet()) {
            if (e.getKey() < 400 || e.getKey() > 599) {
                throw new IllegalArgumentException("errorMix status must be 4xx or 5xx, got " + e.getKey());
            }
            if (!(e.getValue() >= 0)) {
                throw new IllegalArgumentException("errorMix weight of " + e.getKey() + " must be >= 0, got " + e.getValue());
            }
            total += e.getValue();
        }
        if (total <= 0) {
            throw new IllegalArgumentException("errorMix weights must not all be 0");
        }
        errorMix = Map.copyOf(new LinkedHashMap<>(errorMix));
    }

    private static void requireRate(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + value);
        }
    }

    /** The status of an error, given a uniform draw {@code u} in [0, 1). */
    int errorStatus(double u) {
        double total = errorMix.values().stream().mapToDouble(Double::doubleValue).sum();
        double x = u * total;
        int last = 500;
        for (Map.Entry<Integer, Double> e : new java.util.TreeMap<>(errorMix).entrySet()) {
            last = e.getKey();
            x -= e.getValue();
            if (x < 0) {
                return e.getKey();
            }
        }
        return last;
    }

    /** A latency draw from the log-normal through p50 and p99, given a standard normal draw {@code z}. */
    long latencyMs(double z) {
        if (latencyP50Ms <= 0) {
            return 0;
        }
        double sigma = latencyP99Ms <= latencyP50Ms ? 0 : Math.log(latencyP99Ms / latencyP50Ms) / 2.3263478740408408;
        return Math.round(latencyP50Ms * Math.exp(sigma * z));
    }
}
