package dev.switchboard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.cli.bench.Baselines;
import dev.switchboard.cli.bench.OfflineRouting;
import dev.switchboard.cli.bench.RoutingDataset;
import dev.switchboard.planner.routing.QualityTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import static dev.switchboard.cli.DatasetOptions.f4;
import static dev.switchboard.cli.DatasetOptions.pct;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays a routing dataset through the planner's learned ranker and quality model alone (no Kafka, "
                + "no HTTP), once per seed, from a cold start: the learner sees the score of the model it picked, and only "
                + "that. Many seeds take seconds, where bench routing takes minutes for one.",
                "Prints each seed's quality and cost per query as shares of the best single model's, their mean ± standard "
                        + "error, and beside them the offline frontier: the same quality model trained with every model's "
                        + "outcome for every training prompt (five-fold cross-validation), which no online router can beat. "
                        + "Ends with one line of JSON.",
                "Prompt embeddings (all-MiniLM-L6-v2) are cached in --cache-dir, so a second run skips them."})
final class BenchReplayCommand implements Callable<Integer> {

    @Mixin
    DatasetOptions datasetOptions;
    @Mixin
    PriorOptions priorOptions;
    @Option(names = "--seeds", paramLabel = "N", defaultValue = "20",
            description = "Seeds 1..N of the ranker's exploration (default: ${DEFAULT-VALUE}).")
    int seeds;
    @Option(names = "--cost-weight", paramLabel = "W", defaultValue = "0.05",
            description = "The strategy's cost weight; 0.05 is balanced's (default: ${DEFAULT-VALUE}).")
    double costWeight;
    @Option(names = "--ridge", paramLabel = "R", defaultValue = "3",
            description = "The quality model's prior precision, planner.learning.ridge (default: ${DEFAULT-VALUE}).")
    double ridge;
    @Option(names = "--noise", paramLabel = "S", defaultValue = "0.2",
            description = "The quality model's observation noise, planner.learning.noise (default: ${DEFAULT-VALUE}).")
    double noise;
    @Option(names = "--target-quality", paramLabel = "Q",
            description = "Route to a quality target instead of a fixed cost weight: keep Q (0 to 1] of the best eligible "
                    + "model's estimated quality on average, as cheaply as possible; --cost-weight is then the starting weight.")
    Double targetQuality;
    @Option(names = "--with-task-hint", description = "Give the learner each row's task.")
    boolean taskHint;
    @Option(names = "--frontier", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Print the offline frontier beside the replay (default: on; --no-frontier skips it).")
    boolean frontier;
    @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/switchboard-embeddings",
            description = "Where prompt embeddings are cached (default: ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Override
    public Integer call() throws Exception {
        if (seeds < 1) {
            throw new CliException("--seeds must be at least 1", 2);
        }
        if (costWeight < 0 || ridge <= 0 || noise <= 0) {
            throw new CliException("--cost-weight must be at least 0, --ridge and --noise above 0", 2);
        }
        if (targetQuality != null) {
            try {
                QualityTarget.checked(targetQuality);
            } catch (IllegalArgumentException e) {
                throw new CliException("--target-quality: " + e.getMessage(), 2);
            }
        }
        RoutingDataset data = datasetOptions.read();
        dev.switchboard.planner.routing.QualityPrior prior = priorOptions.resolve(data);
        Path dataset = data.file();
        int rows = data.rows().size();
        Path cache = cacheDir.resolve("emb-" + dataset.getFileName() + ".bin");
        ProgressBar bar = new ProgressBar(System.err);
        boolean[] embedded = {false};
        OfflineRouting routing = OfflineRouting.of(data, cache, done -> {
            embedded[0] = true;
            bar.update(done, rows);
        });
        if (embedded[0]) {
            bar.finish();
        }
        Baselines.Point best = Baselines.of(data).best();

        OfflineRouting.Settings settings = new OfflineRouting.Settings(costWeight, ridge, noise, 0.5, taskHint,
                targetQuality == null ? Double.NaN : targetQuality, prior);
        List<OfflineRouting.Run> runs = new ArrayList<>();
        List<List<String>> table = new ArrayList<>();
        for (long seed = 1; seed <= seeds; seed++) {
            OfflineRouting.Run run = routing.replay(settings, seed);
            runs.add(run);
            table.add(List.of(Long.toString(seed), f4(run.quality()), pct(run.quality() / best.quality()),
                    String.format(Locale.ROOT, "%.3e", run.costPerQuery()), pct(run.costPerQuery() / best.costPerQuery()),
                    pct(run.firstHalfQuality() / best.quality()), pct(run.secondHalfQuality() / best.quality())));
        }
        System.out.print(Table.of(List.of("seed", "quality", "vs best", "cost/query $", "vs best", "1st half vs best",
                "2nd half vs best"), table));
        Summary quality = Summary.of(runs.stream().mapToDouble(r -> r.quality() / best.quality()).toArray());
        Summary cost = Summary.of(runs.stream().mapToDouble(r -> r.costPerQuery() / best.costPerQuery()).toArray());
        Summary firstHalf = Summary.of(runs.stream().mapToDouble(r -> r.firstHalfQuality() / best.quality()).toArray());
        System.out.printf(Locale.ROOT, "%nmean ± standard error over %d seeds: quality %s of the best model's (%s to %s), "
                        + "cost %s of its cost; first half of the rows: quality %s%n", seeds, quality, pct(quality.min()),
                pct(quality.max()), cost, firstHalf);
        Summary kept = settings.targeted() ? Summary.of(runs.stream().mapToDouble(OfflineRouting.Run::estimatedShare).toArray()) : null;
        Summary realised = Summary.of(runs.stream().mapToDouble(r -> r.quality() / r.referenceQuality()).toArray());
        Summary reference = Summary.of(runs.stream().mapToDouble(r -> r.referenceQuality() / best.quality()).toArray());
        if (kept != null) {
            System.out.printf(Locale.ROOT, "quality target %.3g: the choices kept %s of the best candidate's calibrated estimated quality, "
                            + "and %s of its realised quality (%+.1f points from the target; the best candidates realised %s of "
                            + "the best model's quality)%n", targetQuality, kept, realised,
                    100 * (realised.mean() - targetQuality), reference);
        }
        System.out.printf(Locale.ROOT, "best single model: %s, quality %.4f, cost per query $%.3e%n", best.name(),
                best.quality(), best.costPerQuery());

        List<OfflineRouting.Point> points = frontier ? routing.frontier(ridge) : List.of();
        if (frontier) {
            List<List<String>> rowsOut = new ArrayList<>();
            for (OfflineRouting.Point p : points) {
                rowsOut.add(List.of(String.format(Locale.ROOT, "%.2f", p.costWeight()), f4(p.quality()),
                        pct(p.quality() / best.quality()), String.format(Locale.ROOT, "%.3e", p.costPerQuery()),
                        pct(p.costPerQuery() / best.costPerQuery())));
            }
            System.out.println();
            System.out.println("offline frontier (full information, five-fold cross-validation, ridge "
                    + String.format(Locale.ROOT, "%.3g", ridge) + "):");
            System.out.print(Table.of(List.of("cost weight", "quality", "vs best", "cost/query $", "vs best"), rowsOut));
        }
        Summary early = Summary.of(runs.stream().mapToDouble(r -> r.earlyQuality() / best.quality()).toArray());
        Summary earlyCost = Summary.of(runs.stream().mapToDouble(r -> r.earlyCostPerQuery() / best.costPerQuery()).toArray());
        Summary regret = frontier ? Summary.of(runs.stream().mapToDouble(r -> OfflineRouting.frontierQualityAt(points, r.earlyCostPerQuery())
                / best.quality() - r.earlyQuality() / best.quality()).toArray()) : null;
        System.out.printf(Locale.ROOT, "%nfirst %d rows: quality %s of the best model's at %s of its cost%s%n",
                Math.min(rows, OfflineRouting.EARLY_ROWS), early, earlyCost, regret == null ? ""
                        : "; regret " + String.format(Locale.ROOT, "%.1f ± %.1f points", 100 * regret.mean(), 100 * regret.standardError())
                        + " (the offline frontier's quality at that cost less theirs)");
        System.out.printf(Locale.ROOT, "%nmethod: %s, first %d rows, %d models, %s, ridge %.3g, noise %.3g%s, "
                        + "seeds 1..%d; %d cores, Java %s%n", dataset.getFileName(), rows, data.models().size(),
                settings.targeted() ? String.format(Locale.ROOT, "quality target %.3g (cost weight from %.3g)", targetQuality, costWeight)
                        : String.format(Locale.ROOT, "cost weight %.3g", costWeight),
                ridge, noise, taskHint ? ", task hints" : "", seeds, Runtime.getRuntime().availableProcessors(), Runtime.version());

        ObjectMapper json = new ObjectMapper();
        ObjectNode line = json.createObjectNode();
        line.put("dataset", dataset.getFileName().toString());
        line.put("rows", rows);
        line.put("seeds", seeds);
        line.put("costWeight", costWeight);
        if (kept != null) {
            line.put("targetQuality", targetQuality);
            line.put("estimatedShareKept", kept.mean());
            line.put("realisedShareKept", realised.mean());
            line.put("realisedShareKeptStdErr", realised.standardError());
        }
        line.put("referenceQualityVsBest", reference.mean());
        line.put("qualityVsBest", quality.mean());
        line.put("qualityVsBestStdErr", quality.standardError());
        line.put("costVsBest", cost.mean());
        line.put("costVsBestStdErr", cost.standardError());
        line.put("firstHalfQualityVsBest", firstHalf.mean());
        line.put("earlyQualityVsBest", early.mean());
        line.put("earlyCostVsBest", earlyCost.mean());
        if (regret != null) {
            line.put("earlyRegretPoints", 100 * regret.mean());
        }
        line.put("bestModel", best.name());
        var frontierJson = line.putArray("frontier");
        for (OfflineRouting.Point p : points) {
            frontierJson.addObject().put("costWeight", p.costWeight()).put("qualityVsBest", p.quality() / best.quality())
                    .put("costVsBest", p.costPerQuery() / best.costPerQuery());
        }
        System.out.println(json.writeValueAsString(line));
        return 0;
    }

    /** Mean, standard error of the mean, least and greatest of some shares. */
    record Summary(double mean, double standardError, double min, double max) {
        static Summary of(double[] values) {
            double mean = java.util.Arrays.stream(values).average().orElse(Double.NaN);
            double variance = values.length < 2 ? 0
                    : java.util.Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (values.length - 1);
            return new Summary(mean, Math.sqrt(variance / values.length), java.util.Arrays.stream(values).min().orElse(Double.NaN),
                    java.util.Arrays.stream(values).max().orElse(Double.NaN));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f%% ± %.1f", 100 * mean, 100 * standardError);
        }
    }
}
