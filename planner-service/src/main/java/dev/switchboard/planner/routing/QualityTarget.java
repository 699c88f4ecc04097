package dev.switchboard.planner.routing;

import java.util.List;

/**
 * Routing to a quality target: keep, on average, {@code target} of the best eligible model's
 * estimated quality, as cheaply as possible. A Lagrangian relaxation of "minimise cost subject to
 * share ≥ target": each request is ranked by quality less a cost weight times its relative cost
 * (the {@link Ranker}'s utility), and the cost weight, the constraint's price, moves after every
 * choice by how far that choice's share (its estimated quality over the best candidate's) fell from
 * the target: up when the choice kept more than the target asks (quality to spare: buy less of it),
 * down when it kept less. So the target holds over the running average, not per request: a request
 * whose cheap models are all far behind still goes to a good one, paid for by requests where a
 * cheap model is nearly as good.
 *
 * <p>Not thread-safe: the planner ranks on one thread.
 */
public final class QualityTarget {

    /** How fast the cost weight moves: a choice that misses the target by 0.1 moves it by about 10 %. */
    static final double RATE = 1.0;
    static final double MIN_WEIGHT = 1e-4;
    static final double MAX_WEIGHT = 10;

    private final double target;
    private double costWeight;
    private double shareSum;
    private long choices;

    /**
     * @param target      the share of the best eligible model's estimated quality to keep, in (0, 1]
     * @param startWeight the cost weight before the first choice (balanced's is 0.05)
     */
    public QualityTarget(double target, double startWeight) {
        this.target = checked(target);
        this.costWeight = Math.clamp(startWeight, MIN_WEIGHT, MAX_WEIGHT);
    }

    /**
     * @return {@code target}
     * @throws IllegalArgumentException when it is not in (0, 1]
     */
    public static double checked(double target) {
        if (!(target > 0 && target <= 1)) {
            throw new IllegalArgumentException("quality target must be in (0, 1], got " + target);
        }
        return target;
    }

    public double target() {
        return target;
    }

    /** The strategy to rank the next request by: quality less the current cost weight times relative cost. */
    public Strategy strategy() {
        return new Strategy("target", 1, costWeight, 0);
    }

    /**
     * Moves the cost weight after a request was ranked: {@code ranking}'s first entry is the choice.
     *
     * @return the choice's share of the best candidate's estimated quality
     */
    public double chosen(List<Ranker.Ranked> ranking) {
        if (ranking.isEmpty()) {
            return Double.NaN;
        }
        double best = ranking.stream().mapToDouble(r -> r.estimate().mean()).max().orElseThrow();
        double share = best > 0 ? Math.min(1, ranking.getFirst().estimate().mean() / best) : 1;
        costWeight = Math.clamp(costWeight * Math.exp(RATE * (share - target)), MIN_WEIGHT, MAX_WEIGHT);
        shareSum += share;
        choices++;
        return share;
    }

    /** The cost weight the next request is ranked with. */
    public double costWeight() {
        return costWeight;
    }

    /** The mean share of the choices so far (NaN before the first). */
    public double achievedShare() {
        return choices == 0 ? Double.NaN : shareSum / choices;
    }
}
