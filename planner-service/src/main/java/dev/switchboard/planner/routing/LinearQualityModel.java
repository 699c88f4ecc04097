package dev.switchboard.planner.routing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per model, a Bayesian ridge regression of feedback score on the prompt's embedding (plus a bias
 * term): the linear Thompson sampling / LinUCB model of contextual bandits. Prompts near the ones
 * a model did well on get a high mean; directions of embedding space the model has not been tried
 * in keep a wide spread, which is what sends exploration there.
 *
 * <p>The inverse of each model's design matrix is kept up to date with the Sherman–Morrison
 * rank-one update (O(d²) per observation, d = 385 for all-MiniLM-L6-v2), so nothing is ever
 * inverted. No library here offers an online ridge regression with its covariance, so the few
 * lines of linear algebra are written out.
 *
 * <p>With a {@link QualityPrior}, a model's regression starts from the prior's weights for it
 * instead of from {@code priorMean} everywhere: its posterior mean before any feedback is the
 * prior's prediction, and feedback moves it from there. Weights the prior learnt for the model
 * itself are held with the prior's precision; borrowed ones (a model the prior was not trained on)
 * as loosely as without a prior (the ridge, and the weak intercept precision): they change where
 * the model starts, not how long it takes to learn otherwise.
 */
public final class LinearQualityModel implements QualityModel {

    /**
     * {@code ridge}: prior precision of the weights (larger: slower to move from the prior mean);
     * {@code noise}: standard deviation of a score around the model's prediction, scaling the spread;
     * {@code priorMean}: the quality assumed before any feedback.
     */
    public record Settings(double ridge, double noise, double priorMean) {
        public static final Settings DEFAULT = new Settings(1.0, 0.5, 0.5);
    }

    /** Prior precision of the intercept: weak, so that the prior mean gives way at once. */
    static final double INTERCEPT_RIDGE = 0.01;

    private final Settings settings;
    private final Map<String, Regression> models = new ConcurrentHashMap<>();
    /** Each model's prior weights, or null without a prior. */
    private final java.util.function.Function<String, QualityPrior.Belief> beliefs;
    private final double priorPrecision;

    public LinearQualityModel(Settings settings) {
        this.settings = settings;
        this.beliefs = null;
        this.priorPrecision = 0;
    }

    /**
     * @param prior   the prior's weights and precision
     * @param beliefs each model's starting weights (from {@link QualityPrior#beliefs})
     */
    public LinearQualityModel(Settings settings, QualityPrior prior, java.util.function.Function<String, QualityPrior.Belief> beliefs) {
        this.settings = settings;
        this.beliefs = beliefs;
        this.priorPrecision = prior.precision();
    }

    public LinearQualityModel() {
        this(Settings.DEFAULT);
    }

    @Override
    public Estimate estimate(String model, float[] embedding, String taskType) {
        Regression r = models.get(model);
        if (r == null && beliefs != null) {
            r = models.computeIfAbsent(model, m -> regression(m, embedding.length + 1));
        }
        if (r == null) {
            double[] x = features(embedding);
            double variance = (dot(x, x) - 1) / settings.ridge() + 1 / INTERCEPT_RIDGE;
            return new Estimate(settings.priorMean(), settings.noise() * Math.sqrt(variance), 0);
        }
        return r.estimate(features(embedding), settings);
    }

    @Override
    public void observe(String model, float[] embedding, String taskType, double score) {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be in [0, 1], got " + score);
        }
        models.computeIfAbsent(model, m -> regression(m, embedding.length + 1))
                .add(features(embedding), score - settings.priorMean());
    }

    /** A new regression for {@code model}: from its prior weights when there is a prior, else from the ridge. */
    private Regression regression(String model, int d) {
        if (beliefs == null) {
            return new Regression(d, settings.ridge());
        }
        QualityPrior.Belief belief = beliefs.apply(model);
        double[] weights = belief.weights();
        if (weights.length != d) {
            throw new IllegalStateException("the quality prior has " + weights.length + " weights a model, the embedding "
                    + (d - 1) + " dimensions and an intercept: it was trained for another embedding model");
        }
        // Weights the prior learnt for this very model are held firmly; weights borrowed from the others
        // (pooled, at the level the model's price predicts) as loosely as a model without a prior is held.
        return belief.own() ? new Regression(d, priorPrecision, priorPrecision, weights, settings.priorMean())
                : new Regression(d, settings.ridge(), INTERCEPT_RIDGE, weights, settings.priorMean());
    }

    /**
     * The weights {@code model}'s regression predicts with now (the posterior mean: embedding
     * dimensions, then the intercept, priorMean included), or null when it has none: what
     * {@code bench prior} ships after training one with full information.
     */
    public double[] weights(String model) {
        Regression r = models.get(model);
        return r == null ? null : r.weights(settings.priorMean());
    }

    @Override
    public long observations(String model) {
        Regression r = models.get(model);
        return r == null ? 0 : r.count();
    }

    /**
     * One model's regression as numbers: the upper triangle of A⁻¹ row by row (it is symmetric), b,
     * and how many scores it has learnt from.
     */
    public record State(String model, long observations, int dimension, double[] inverseUpper, double[] b) {
    }

    /** Every model's regression, each copied under its own lock. */
    public java.util.List<State> snapshot() {
        java.util.List<State> out = new java.util.ArrayList<>();
        new java.util.TreeMap<>(models).forEach((name, r) -> out.add(r.state(name)));
        return out;
    }

    /**
     * Replaces the regressions of the models in {@code states} with theirs (a checkpoint read back);
     * all of them, or none when one does not fit.
     *
     * @throws IllegalArgumentException when a state's sizes do not fit its dimension
     */
    public void restore(java.util.List<State> states) {
        for (State s : states) {
            int d = s.dimension();
            if (d < 2 || s.inverseUpper().length != d * (d + 1) / 2 || s.b().length != d || s.observations() < 0) {
                throw new IllegalArgumentException("the state of model " + s.model() + " does not fit dimension " + d);
            }
        }
        states.forEach(s -> models.put(s.model(), Regression.of(s)));
    }

    /** The embedding with a constant 1 appended, so the regression has an intercept. */
    private static double[] features(float[] embedding) {
        double[] x = new double[embedding.length + 1];
        for (int i = 0; i < embedding.length; i++) {
            x[i] = embedding[i];
        }
        x[embedding.length] = 1;
        return x;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static final class Regression {
        private final int d;
        /** A⁻¹, row-major, symmetric. */
        private final double[] inverse;
        /** b = Σ y·x over observations (y: score minus the prior mean). */
        private final double[] b;
        private long count;

        Regression(int d, double ridge) {
            this.d = d;
            this.inverse = new double[d * d];
            for (int i = 0; i < d - 1; i++) {
                inverse[i * d + i] = 1 / ridge;
            }
            // The intercept is barely held back: a model's overall level is learnt from its first scores.
            inverse[d * d - 1] = 1 / INTERCEPT_RIDGE;
            this.b = new double[d];
        }

        /**
         * Starts from {@code weights} (raw: the intercept includes {@code priorMean}), the embedding's
         * held with {@code precision}, the intercept with {@code interceptPrecision}: b = Λ₀·μ, so that
         * A⁻¹b = μ before any observation.
         */
        Regression(int d, double precision, double interceptPrecision, double[] weights, double priorMean) {
            this.d = d;
            this.inverse = new double[d * d];
            this.b = new double[d];
            for (int i = 0; i < d; i++) {
                double p = i == d - 1 ? interceptPrecision : precision;
                inverse[i * d + i] = 1 / p;
                b[i] = p * (i == d - 1 ? weights[i] - priorMean : weights[i]);
            }
        }

        synchronized double[] weights(double priorMean) {
            double[] w = multiply(b);
            w[d - 1] += priorMean;
            return w;
        }

        static Regression of(State s) {
            int d = s.dimension();
            Regression r = new Regression(d, 1);
            for (int i = 0, k = 0; i < d; i++) {
                for (int j = i; j < d; j++, k++) {
                    r.inverse[i * d + j] = s.inverseUpper()[k];
                    r.inverse[j * d + i] = s.inverseUpper()[k];
                }
            }
            System.arraycopy(s.b(), 0, r.b, 0, d);
            r.count = s.observations();
            return r;
        }

        synchronized State state(String model) {
            double[] upper = new double[d * (d + 1) / 2];
            for (int i = 0, k = 0; i < d; i++) {
                for (int j = i; j < d; j++, k++) {
                    upper[k] = inverse[i * d + j];
                }
            }
            return new State(model, count, d, upper, b.clone());
        }

        synchronized long count() {
            return count;
        }

        synchronized void add(double[] x, double y) {
            double[] ax = multiply(x);
            double denominator = 1 + dot(x, ax);
            for (int i = 0; i < d; i++) {
                double ai = ax[i] / denominator;
                int row = i * d;
                for (int j = 0; j < d; j++) {
                    inverse[row + j] -= ai * ax[j];
                }
            }
            for (int i = 0; i < d; i++) {
                b[i] += y * x[i];
            }
            count++;
        }

        synchronized Estimate estimate(double[] x, Settings s) {
            double[] ax = multiply(x);
            double mean = s.priorMean() + dot(ax, b);
            double variance = Math.max(0, dot(x, ax));
            return new Estimate(mean, s.noise() * Math.sqrt(variance), count);
        }

        private double[] multiply(double[] x) {
            double[] out = new double[d];
            for (int i = 0; i < d; i++) {
                double sum = 0;
                int row = i * d;
                for (int j = 0; j < d; j++) {
                    sum += inverse[row + j] * x[j];
                }
                out[i] = sum;
            }
            return out;
        }
    }
}
