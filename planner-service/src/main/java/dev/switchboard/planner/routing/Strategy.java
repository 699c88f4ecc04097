package dev.switchboard.planner.routing;

import java.util.Arrays;
import java.util.Locale;

/**
 * How much a routing decision values quality against cost and latency. A candidate's utility is
 * {@code quality − cost·(estimated cost / reference cost) − latency·(expected latency / reference latency)},
 * where the references are the dearest and the slowest candidate for this request, so the weights
 * read as "quality points the dearest (slowest) choice must earn to be worth it".
 */
public record Strategy(String name, double quality, double cost, double latency) {

    public static final Strategy QUALITY = new Strategy("quality", 1, 0.001, 0);
    /** The cheapest (fastest) candidate: the weight outweighs even a cold-start model's widest quality draws. */
    public static final Strategy COST = new Strategy("cost", 1, 100, 0);
    public static final Strategy LATENCY = new Strategy("latency", 1, 0, 100);
    public static final Strategy BALANCED = new Strategy("balanced", 1, 0.05, 0.02);

    /** The names a request or tenant may choose; {@code weighted} takes its weights from configuration. */
    public static final String[] NAMES = {"quality", "cost", "latency", "balanced", "weighted"};

    public Strategy {
        if (quality < 0 || cost < 0 || latency < 0) {
            throw new IllegalArgumentException("strategy weights must not be negative: " + name);
        }
    }

    /** The named preset, or {@code weighted} with the given weights. */
    public static Strategy named(String name, Strategy weighted) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "quality" -> QUALITY;
            case "cost" -> COST;
            case "latency" -> LATENCY;
            case "balanced" -> BALANCED;
            case "weighted" -> weighted;
            default -> throw new IllegalArgumentException("unknown routing strategy '" + name + "'; known: "
                    + Arrays.toString(NAMES));
        };
    }
}
