package dev.switchboard.platform.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a planner orders the providers of a request: {@code planner.strategy}, a tenant's in
 * {@code planner.tenant.strategies}, a request's {@code strategy} attribute, the CLI's
 * {@code --strategy}. Every one of them is parsed here, by {@link #parse}, so they accept the
 * same names and refuse the rest with the same list.
 */
public enum RoutingStrategy {
    /** The configured planner.ranking, in order. */
    STATIC,
    /** planner.ranking ordered by the providers' live scores. */
    SCORE,
    /** The learned quality model, traded against cost to hold a quality or cost target on average. */
    TARGET,
    QUALITY,
    COST,
    LATENCY,
    BALANCED,
    /** The learned quality model with planner.weighted.* weights. */
    WEIGHTED;

    /** The names, in declaration order, as users write them. */
    public static final List<String> NAMES = Arrays.stream(values()).map(RoutingStrategy::id).toList();

    /** The name users write: lower case. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when this strategy ranks with the learned quality model (all but static and score). */
    public boolean learned() {
        return this != STATIC && this != SCORE;
    }

    /** The strategy called {@code id} (case as users write it, lower), or empty. */
    public static Optional<RoutingStrategy> of(String id) {
        for (RoutingStrategy s : values()) {
            if (s.id().equals(id)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /**
     * @param what what {@code id} is, for the error: "planner.strategy", "attribute strategy"
     * @throws IllegalArgumentException naming {@code what}, the value and the known names
     */
    public static RoutingStrategy parse(String id, String what) {
        return of(id).orElseThrow(() -> new IllegalArgumentException(what + " is '" + id + "'; known: " + NAMES));
    }

    @Override
    public String toString() {
        return id();
    }
}
