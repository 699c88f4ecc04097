package dev.switchboard.planner.routing;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.NormalizedGaussianSampler;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Orders a request's eligible models by utility. The first choice is made by Thompson sampling:
 * each model's quality is drawn from the learner's Gaussian belief (mean and spread), so a model
 * the learner knows little about near this prompt (new, or not tried here lately) still wins now
 * and then, and exploration fades as evidence grows. The failover order after it ranks by expected utility.
 */
public final class Ranker {

    /** One model the request may go to, with what it is expected to cost and take. */
    public record Candidate(String provider, String model, double estimatedCostUsd, double expectedLatencyMs) {
    }

    /** A ranked candidate: the belief, the drawn quality, the utility it was ranked by. */
    public record Ranked(Candidate candidate, QualityModel.Estimate estimate, double sampledQuality,
                         double utility, String note) {

        public Ranked(Candidate candidate, QualityModel.Estimate estimate, double sampledQuality, double utility) {
            this(candidate, estimate, sampledQuality, utility, null);
        }

        /** This ranking with a note put before its reason (why it is where it is besides utility). */
        public Ranked withNote(String note) {
            return new Ranked(candidate, estimate, sampledQuality, utility, note);
        }

        public String reason(int position, Strategy strategy) {
            return (note == null ? "" : "#" + position + " as " + note + "; ") + String.format(Locale.ROOT,
                    "#%d by %s utility %.3f (quality %.2f ± %.2f, drawn %.2f, %d observations; est. $%.6f, %.0f ms)",
                    position, strategy.name(), utility, estimate.mean(), estimate.spread(), sampledQuality,
                    estimate.observations(), candidate.estimatedCostUsd(), candidate.expectedLatencyMs());
        }
    }

    private final QualityModel learner;
    private final NormalizedGaussianSampler gaussian;

    public Ranker(QualityModel learner, UniformRandomProvider random) {
        this.learner = learner;
        this.gaussian = ZigguratSampler.NormalizedGaussian.of(random);
    }

    public List<Ranked> rank(List<Candidate> candidates, float[] embedding, String taskType, Strategy strategy) {
        if (candidates.isEmpty()) {
            return List.of();
        }
        double refCost = candidates.stream().mapToDouble(Candidate::estimatedCostUsd).max().orElse(0);
        double refLatency = candidates.stream().mapToDouble(Candidate::expectedLatencyMs).max().orElse(0);
        List<Ranked> drawn = new ArrayList<>(candidates.size());
        List<Ranked> expected = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            QualityModel.Estimate e = learner.estimate(c.model(), embedding, taskType);
            double sample = sample(e);
            double penalty = strategy.cost() * ratio(c.estimatedCostUsd(), refCost)
                    + strategy.latency() * ratio(c.expectedLatencyMs(), refLatency);
            drawn.add(new Ranked(c, e, sample, strategy.quality() * sample - penalty));
            expected.add(new Ranked(c, e, sample, strategy.quality() * e.mean() - penalty));
        }
        Comparator<Ranked> byUtility = Comparator.comparingDouble(Ranked::utility).reversed();
        Ranked first = drawn.stream().min(byUtility).orElseThrow();
        List<Ranked> rest = new ArrayList<>(expected);
        rest.removeIf(r -> r.candidate() == first.candidate());
        rest.sort(byUtility);
        List<Ranked> order = new ArrayList<>(candidates.size());
        order.add(first);
        order.addAll(rest);
        return order;
    }

    private double sample(QualityModel.Estimate e) {
        return e.mean() + e.spread() * gaussian.sample();
    }

    private static double ratio(double value, double reference) {
        return reference > 0 ? value / reference : 0;
    }
}
