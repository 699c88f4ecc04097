package dev.switchboard.planner.routing;

import dev.switchboard.platform.config.SwitchboardConfig.RoutingTarget;

import java.util.List;
import java.util.Locale;

/**
 * Routing to a target, held on average rather than per request: a Lagrangian relaxation of
 * "minimise cost subject to quality share ≥ target" (or "maximise quality subject to cost ≤
 * target"). Each request is ranked by the {@link Ranker}'s utility, quality less a cost weight times
 * the relative cost; the cost weight is the constraint's price (the dual variable), and it moves
 * after every choice by how far the choice fell from the target:
 * <ul>
 *   <li>a quality target compares the choice's estimated quality with that of the candidate
 *       estimated best (the reference), each calibrated by how its model's estimates have come true
 *       ({@link QualityCalibration}): a choice that kept more than the target asks raises the weight
 *       (quality to spare: buy less of it), one that kept less lowers it;</li>
 *   <li>a cost target compares the choice's estimated cost with the target: dearer raises the
 *       weight, cheaper lowers it.</li>
 * </ul>
 * So a request whose cheap models are all far behind still goes to a good one, paid for by
 * requests where a cheap model is nearly as good.
 *
 * <p>What is held is the calibrated estimated share. Uncalibrated, the realised share drifted from
 * it: the reference is the highest of several estimates, so its estimate runs higher than a cheap
 * choice's, and a 0.90 target realised 92 % of the reference's quality on the 9-model routing set
 * (README, "Routing benchmark").
 *
 * <p>Not thread-safe: the planner plans on one thread.
 */
public final class QualityTarget {

    /** How fast the cost weight moves: a choice that misses a quality target by 0.1 moves it by about 10 %. */
    static final double RATE = 1.0;
    static final double MIN_WEIGHT = 1e-4;
    static final double MAX_WEIGHT = 10;
    /** Requests a cost target's scale (the dearest candidate's cost) is averaged over, roughly. */
    static final int SCALE_WINDOW = 1_000;

    private final RoutingTarget target;
    private final QualityCalibration calibration;
    private double costWeight;
    private double keptSum;
    private double dearestMean;
    private long choices;

    private QualityTarget(RoutingTarget target, double startWeight, QualityCalibration calibration) {
        this.target = target;
        this.calibration = calibration;
        this.costWeight = Math.clamp(startWeight, MIN_WEIGHT, MAX_WEIGHT);
    }

    /**
     * @param startWeight the cost weight before the first choice (balanced's is 0.05)
     * @param calibration how the estimates have come true, by which a quality target judges the share a choice keeps
     */
    public static QualityTarget of(RoutingTarget target, double startWeight, QualityCalibration calibration) {
        if (target.isCost() ? !(target.costUsd() > 0) : !(target.qualityShare() > 0 && target.qualityShare() <= 1)) {
            throw new IllegalArgumentException("not a routing target: " + target);
        }
        return new QualityTarget(target, startWeight, calibration);
    }

    /** A target that takes estimates as they are (an empty calibration). */
    public static QualityTarget of(RoutingTarget target, double startWeight) {
        return of(target, startWeight, new QualityCalibration());
    }

    public QualityTarget(double share, double startWeight) {
        this(RoutingTarget.quality(checked(share)), startWeight, new QualityCalibration());
    }

    /**
     * @return {@code share}
     * @throws IllegalArgumentException when it is not in (0, 1]
     */
    public static double checked(double share) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("quality target must be in (0, 1], got " + share);
        }
        return share;
    }

    public RoutingTarget target() {
        return target;
    }

    /** The strategy to rank the next request by: quality less the current cost weight times relative cost. */
    public Strategy strategy() {
        return new Strategy("target", 1, costWeight, 0);
    }

    /**
     * Moves the cost weight after a request was ranked: {@code ranking}'s first entry is the choice.
     *
     * @return for a quality target the choice's share of the best candidate's estimated quality, for
     *         a cost target its estimated cost; NaN for an empty ranking
     */
    public double chosen(List<Ranker.Ranked> ranking) {
        if (ranking.isEmpty()) {
            return Double.NaN;
        }
        Ranker.Ranked choice = ranking.getFirst();
        double kept;
        double miss;
        if (target.isCost()) {
            // Linear in the cost, so that misses cancel exactly when the average meets the target; scaled by the
            // dearest candidate's cost, averaged, so that a miss is at most about 1 and the weight stays stable.
            double dearest = ranking.stream().mapToDouble(r -> r.candidate().estimatedCostUsd()).max().orElseThrow();
            dearestMean += (dearest - dearestMean) / Math.min(choices + 1, SCALE_WINDOW);
            kept = choice.candidate().estimatedCostUsd();
            miss = dearestMean > 0 ? (kept - target.costUsd()) / dearestMean : 0;
        } else {
            Ranker.Ranked reference = reference(ranking);
            double best = calibration.calibrated(reference);
            kept = choice == reference ? 1 : best > 0 ? Math.clamp(calibration.calibrated(choice) / best, 0, 1) : 1;
            miss = kept - target.qualityShare();
        }
        costWeight = Math.clamp(costWeight * Math.exp(RATE * miss), MIN_WEIGHT, MAX_WEIGHT);
        keptSum += kept;
        choices++;
        return kept;
    }

    /**
     * The candidate a quality target keeps a share of: the one with the highest estimated quality
     * (the first of equals).
     *
     * @throws java.util.NoSuchElementException for an empty ranking
     */
    public static Ranker.Ranked reference(List<Ranker.Ranked> ranking) {
        Ranker.Ranked best = ranking.getFirst();
        for (Ranker.Ranked r : ranking) {
            if (r.estimate().mean() > best.estimate().mean()) {
                best = r;
            }
        }
        return best;
    }

    /** The cost weight the next request is ranked with. */
    public double costWeight() {
        return costWeight;
    }

    /** The mean of what {@link #chosen} returned so far: share kept, or estimated cost (NaN before the first). */
    public double achieved() {
        return choices == 0 ? Double.NaN : keptSum / choices;
    }

    /** The target and where it stands, for a plan's reason. */
    public String describe() {
        return String.format(Locale.ROOT, "target %s: %s so far over %d requests, cost weight now %.4g", target,
                target.isCost() ? String.format(Locale.ROOT, "$%.6f a request", achieved())
                        : String.format(Locale.ROOT, "%.1f %% kept", 100 * achieved()), choices, costWeight);
    }
}
