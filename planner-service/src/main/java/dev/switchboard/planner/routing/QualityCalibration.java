package dev.switchboard.planner.routing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How each model's quality estimates have come true: per model, the sum of the estimates the plans
 * gave it for the requests it answered, and the sum of the scores those answers got. A model is
 * chosen when its estimate is high, so the estimates of chosen models run high, and by how much
 * differs from model to model: the best-estimated of nine candidates is picked for being the
 * highest of nine, a cheap model for being close enough. A {@link QualityTarget} divides calibrated
 * estimates ({@link #calibrated}), so that the share it holds is the share that is realised.
 *
 * <p>A model's factor is (scores + {@value #PSEUDO_SCORES}) / (estimates + {@value #PSEUDO_SCORES}):
 * 1 before any score, and it takes some tens of scores to move it. Thread-safe.
 */
public final class QualityCalibration {

    /** Scores a factor is held at 1 by, as if that many answers had realised exactly their estimate. */
    static final double PSEUDO_SCORES = 20;
    /** A factor stays within [1/4, 4]: estimates near zero must not turn a few scores into a wild scale. */
    static final double MAX_FACTOR = 4;

    private record Sums(double estimated, double scores) {
    }

    private final Map<String, Sums> sums = new ConcurrentHashMap<>();

    /** {@code model} answered a request the plan estimated at {@code estimated}, and the answer scored {@code score}. */
    public void observe(String model, double estimated, double score) {
        sums.merge(model, new Sums(estimated, score), (a, b) -> new Sums(a.estimated() + b.estimated(), a.scores() + b.scores()));
    }

    /** What {@code model}'s estimates are multiplied by: its scores over its estimates, shrunk towards 1. */
    public double factor(String model) {
        Sums s = sums.get(model);
        if (s == null) {
            return 1;
        }
        double factor = (s.scores() + PSEUDO_SCORES) / (s.estimated() + PSEUDO_SCORES);
        return Double.isFinite(factor) && factor > 0 ? Math.clamp(factor, 1 / MAX_FACTOR, MAX_FACTOR) : 1;
    }

    /** The ranked candidate's estimated quality, calibrated. */
    public double calibrated(Ranker.Ranked ranked) {
        return ranked.estimate().mean() * factor(ranked.candidate().model());
    }
}
