package dev.switchboard.cli.bench;

import dev.switchboard.planner.routing.LinearQualityModel;
import dev.switchboard.planner.routing.MiniLmEmbedder;
import dev.switchboard.planner.routing.QualityCalibration;
import dev.switchboard.planner.routing.QualityModel;
import dev.switchboard.planner.routing.QualityPrior;
import dev.switchboard.planner.routing.QualityTarget;
import dev.switchboard.planner.routing.Ranker;
import dev.switchboard.planner.routing.Strategy;
import dev.switchboard.platform.config.SwitchboardConfig.RoutingTarget;
import org.apache.commons.rng.simple.RandomSource;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * A routing dataset replayed through the planner's learned ranker and quality model alone, without
 * Kafka or HTTP, many seeds in seconds ({@link #replay}); and what a router on the same prompt
 * embeddings could reach at best ({@link #frontier}): the quality model trained offline with full
 * information (every model's outcome for every training prompt, which an online router never sees),
 * judged by five-fold cross-validation.
 */
public final class OfflineRouting {

    /** The frontier's cost weights: utility = predicted quality - weight × cost / the row's dearest cost. */
    public static final double[] FRONTIER_COST_WEIGHTS = {0, 0.02, 0.05, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.3, 0.5, 1};
    private static final int FOLDS = 5;

    /**
     * The learner's settings: the strategy's cost weight (or, when {@code targetQuality} is a number,
     * the starting weight of a {@link QualityTarget}), the quality model's ridge, noise and prior mean,
     * and the prior it starts from (null: none, every model at the prior mean).
     */
    public record Settings(double costWeight, double ridge, double noise, double prior, boolean taskHints, double targetQuality,
                           QualityPrior qualityPrior) {

        public boolean targeted() {
            return !Double.isNaN(targetQuality);
        }
    }

    /**
     * One seed's replay: quality and cost per query over all rows and over each half, each model's
     * picks, with a quality target the mean estimated share its choices kept (else NaN), and the
     * realised quality per query of each row's reference, the candidate with the highest estimated
     * quality ({@link QualityTarget#reference}): what a quality target keeps a share of.
     */
    public record Run(long seed, double quality, double costPerQuery, double firstHalfQuality, double secondHalfQuality,
                      Map<String, Integer> picks, double estimatedShare, double earlyQuality, double earlyCostPerQuery,
                      double referenceQuality) {
    }

    /** The rows a replay's early figures cover: the first ones, where a cold learner pays for what it does not know. */
    public static final int EARLY_ROWS = 1_000;

    /** A point of the offline frontier. */
    public record Point(double costWeight, double quality, double costPerQuery) {
    }

    private final RoutingDataset data;
    private final float[][] embeddings;
    /** Each row's candidates, priced as a catalogue would list the models: the same for every seed. */
    private final List<List<Ranker.Candidate>> candidates;

    private OfflineRouting(RoutingDataset data, float[][] embeddings) {
        this.data = data;
        this.embeddings = embeddings;
        this.candidates = priced(data);
    }

    /**
     * Every row's candidates, each model at its estimated cost for the row: a model's price is its
     * mean cost per estimated token over the first 200 rows.
     */
    private static List<List<Ranker.Candidate>> priced(RoutingDataset data) {
        List<RoutingDataset.Row> rows = data.rows();
        Map<String, Double> price = pricesPerToken(data, 0);
        List<List<Ranker.Candidate>> out = new ArrayList<>(rows.size());
        for (RoutingDataset.Row r : rows) {
            List<Ranker.Candidate> row = new ArrayList<>(price.size());
            price.forEach((m, perToken) -> row.add(new Ranker.Candidate(m, m, perToken * tokens(r), 0)));
            out.add(List.copyOf(row));
        }
        return out;
    }

    /** Each model's price, USD per estimated token, as its mean over 200 rows from row {@code from}. */
    public static Map<String, Double> pricesPerToken(RoutingDataset data, int from) {
        List<RoutingDataset.Row> rows = data.rows().subList(Math.min(from, data.rows().size()), Math.min(from + 200, data.rows().size()));
        Map<String, Double> price = new LinkedHashMap<>();
        for (String m : data.models()) {
            double cost = 0;
            double tokens = 0;
            for (RoutingDataset.Row r : rows) {
                cost += r.outcome(m).costUsd();
                tokens += tokens(r);
            }
            price.put(m, cost / tokens);
        }
        return price;
    }

    /** The embedding of row {@code i}'s prompt. */
    public float[] embedding(int i) {
        return embeddings[i];
    }

    /**
     * Embeds the dataset's prompts with the planner's model (all-MiniLM-L6-v2), reading them from
     * {@code cache} when it holds at least as many rows, and writing it otherwise.
     *
     * @param progress told how many prompts are embedded so far
     */
    public static OfflineRouting of(RoutingDataset data, Path cache, IntConsumer progress) throws IOException {
        float[][] cached = read(cache, data.rows().size());
        if (cached != null) {
            return new OfflineRouting(data, cached);
        }
        MiniLmEmbedder embedder = new MiniLmEmbedder();
        float[][] out = new float[data.rows().size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = embedder.embed(data.rows().get(i).prompt());
            progress.accept(i + 1);
        }
        Files.createDirectories(cache.toAbsolutePath().getParent());
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(cache)))) {
            o.writeInt(out.length);
            o.writeInt(out[0].length);
            for (float[] v : out) {
                for (float x : v) {
                    o.writeFloat(x);
                }
            }
        }
        return new OfflineRouting(data, out);
    }

    private static float[][] read(Path cache, int rows) throws IOException {
        if (!Files.isRegularFile(cache)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(cache)))) {
            int n = in.readInt();
            int d = in.readInt();
            if (n < rows) {
                return null;
            }
            float[][] out = new float[rows][d];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < d; j++) {
                    out[i][j] = in.readFloat();
                }
            }
            return out;
        }
    }

    /**
     * Routes every row in order, from a cold start, with the ranker's exploration seeded by
     * {@code seed}: the learner sees the score of the model it picked, and only that.
     */
    public Run replay(Settings settings, long seed) {
        List<RoutingDataset.Row> rows = data.rows();
        Strategy fixed = new Strategy("replay", 1, settings.costWeight(), 0);
        QualityCalibration calibration = new QualityCalibration();
        QualityTarget target = settings.targeted()
                ? QualityTarget.of(RoutingTarget.quality(settings.targetQuality()), settings.costWeight(), calibration) : null;
        LinearQualityModel.Settings modelSettings = new LinearQualityModel.Settings(settings.ridge(), settings.noise(), settings.prior());
        QualityModel learner = settings.qualityPrior() == null ? new LinearQualityModel(modelSettings)
                : new LinearQualityModel(modelSettings, settings.qualityPrior(), settings.qualityPrior().beliefs(pricesPerMTok()));
        Ranker ranker = new Ranker(learner, RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
        double quality = 0;
        double cost = 0;
        double firstHalf = 0;
        double early = 0;
        double earlyCost = 0;
        double reference = 0;
        Map<String, Integer> picks = new LinkedHashMap<>();
        int n = rows.size();
        for (int i = 0; i < n; i++) {
            RoutingDataset.Row r = rows.get(i);
            String task = settings.taskHints() ? r.task() : null;
            List<Ranker.Ranked> ranking = ranker.rank(candidates.get(i), embeddings[i], task, target == null ? fixed : target.strategy());
            if (target != null) {
                target.chosen(ranking);
            }
            String model = ranking.getFirst().candidate().model();
            RoutingDataset.Outcome outcome = r.outcome(model);
            reference += r.outcome(QualityTarget.reference(ranking).candidate().model()).score();
            quality += outcome.score();
            cost += outcome.costUsd();
            if (i < n / 2) {
                firstHalf += outcome.score();
            }
            if (i < EARLY_ROWS) {
                early += outcome.score();
                earlyCost += outcome.costUsd();
            }
            learner.observe(model, embeddings[i], task, outcome.score());
            calibration.observe(model, ranking.getFirst().estimate().mean(), outcome.score());
            picks.merge(model, 1, Integer::sum);
        }
        return new Run(seed, quality / n, cost / n, n / 2 == 0 ? 0 : firstHalf / (n / 2),
                (quality - firstHalf) / (n - n / 2), picks, target == null ? Double.NaN : target.achieved(),
                early / Math.min(n, EARLY_ROWS), earlyCost / Math.min(n, EARLY_ROWS), reference / n);
    }

    /**
     * The frontier's quality at {@code costPerQuery}: linear between its two points around it, its
     * cheapest or dearest point's beyond them.
     */
    public static double frontierQualityAt(List<Point> points, double costPerQuery) {
        List<Point> byCost = points.stream().sorted(java.util.Comparator.comparingDouble(Point::costPerQuery)).toList();
        if (costPerQuery <= byCost.getFirst().costPerQuery()) {
            return byCost.getFirst().quality();
        }
        for (int i = 1; i < byCost.size(); i++) {
            Point lo = byCost.get(i - 1);
            Point hi = byCost.get(i);
            if (costPerQuery <= hi.costPerQuery()) {
                double span = hi.costPerQuery() - lo.costPerQuery();
                return span <= 0 ? Math.max(lo.quality(), hi.quality())
                        : lo.quality() + (hi.quality() - lo.quality()) * (costPerQuery - lo.costPerQuery()) / span;
            }
        }
        return byCost.getLast().quality();
    }

    /** Each model's price as the catalogue lists it, USD per million tokens. */
    private Map<String, Double> pricesPerMTok() {
        Map<String, Double> out = new LinkedHashMap<>();
        pricesPerToken(data, 0).forEach((m, perToken) -> out.put(m, perToken * 1e6));
        return out;
    }

    /** The offline frontier at {@link #FRONTIER_COST_WEIGHTS}, trained with the quality model's {@code ridge}. */
    public List<Point> frontier(double ridge) {
        List<String> models = data.models();
        List<RoutingDataset.Row> rows = data.rows();
        int n = rows.size();
        int k = models.size();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(0));
        double[][] predicted = new double[n][k];
        for (int fold = 0; fold < FOLDS; fold++) {
            LinearQualityModel learner = new LinearQualityModel(new LinearQualityModel.Settings(ridge, 0.2, 0.5));
            for (int j = 0; j < n; j++) {
                if (j % FOLDS != fold) {
                    int i = order.get(j);
                    for (String m : models) {
                        learner.observe(m, embeddings[i], null, rows.get(i).outcome(m).score());
                    }
                }
            }
            for (int j = fold; j < n; j += FOLDS) {
                int i = order.get(j);
                for (int m = 0; m < k; m++) {
                    predicted[i][m] = learner.estimate(models.get(m), embeddings[i], null).mean();
                }
            }
        }
        double[] dearest = new double[n];
        for (int i = 0; i < n; i++) {
            for (String m : models) {
                dearest[i] = Math.max(dearest[i], rows.get(i).outcome(m).costUsd());
            }
        }
        List<Point> points = new ArrayList<>();
        for (double wc : FRONTIER_COST_WEIGHTS) {
            double quality = 0;
            double cost = 0;
            for (int i = 0; i < n; i++) {
                RoutingDataset.Row row = rows.get(i);
                RoutingDataset.Outcome chosen = null;
                double top = Double.NEGATIVE_INFINITY;
                for (int m = 0; m < k; m++) {
                    RoutingDataset.Outcome outcome = row.outcome(models.get(m));
                    double utility = predicted[i][m] - wc * outcome.costUsd() / dearest[i];
                    if (utility > top) {
                        top = utility;
                        chosen = outcome;
                    }
                }
                quality += chosen.score() / n;
                cost += chosen.costUsd() / n;
            }
            points.add(new Point(wc, quality, cost));
        }
        return points;
    }

    /** The tokens a request of this row is priced at: its prompt's estimate and 150 for the answer. */
    private static double tokens(RoutingDataset.Row row) {
        return Math.ceil(row.prompt().length() / 4.0) + 150;
    }
}
