package dev.switchboard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.cli.bench.Baselines;
import dev.switchboard.cli.bench.QualityCostPlot;
import dev.switchboard.cli.bench.RoutingBenchmark;
import dev.switchboard.cli.bench.RoutingDataset;
import dev.switchboard.platform.config.SwitchboardConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import static dev.switchboard.cli.DatasetOptions.f4;
import static dev.switchboard.cli.DatasetOptions.pct;

@Command(name = "routing", mixinStandardHelpOptions = true,
        description = {"Routing quality and cost on a benchmark dataset, through the real pipeline on an in-process stack of its own.",
                "Every model of the file becomes a simulated provider answering with its recorded outcome; after each reply an "
                        + "evaluator publishes ACCURACY feedback with the recorded score of the model that answered. The planner "
                        + "sees the prompt only (and the task with --with-task-hint), and learns from a cold start.",
                "Prints quality and cost per query for Switchboard and the baselines (each model, cheapest, random, oracle), "
                        + "writes DIR/routing.png and DIR/routing.json, and ends with one line of JSON.",
                "gapClosed: (quality - best model's) / (oracle's - best model's)."})
final class BenchRoutingCommand implements Callable<Integer> {

    @Mixin
    DatasetOptions datasetOptions;
    @Option(names = "--strategy", paramLabel = "S", defaultValue = "target",
            description = {"Planner strategy: target, quality, cost, latency, balanced, weighted, static (default: ${DEFAULT-VALUE}).",
                    "target holds planner.target.quality (--set planner.target.quality=0.9) or planner.target.cost, "
                            + "and the run reports the quality it achieved beside it."})
    String strategy;
    @Option(names = "--with-task-hint", description = "Send each row's task as the request's taskHint.")
    boolean taskHint;
    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4",
            description = "Requests in flight; the planner learns only from answered ones (default: ${DEFAULT-VALUE}).")
    int concurrency;
    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the planner's exploration and the simulated latencies (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--latency-p50", paramLabel = "MS", defaultValue = "20",
            description = "Median of every simulated model's log-normal latency, ms (default: ${DEFAULT-VALUE}).")
    double latencyP50;
    @Option(names = "--latency-p99", paramLabel = "MS", defaultValue = "80",
            description = "99th percentile of the simulated latency, ms (default: ${DEFAULT-VALUE}).")
    double latencyP99;
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-routing",
            description = "Where routing.png and routing.json go (default: ${DEFAULT-VALUE}).")
    Path out;
    @Mixin
    PriorOptions priorOptions;
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1) {
            throw new CliException("--concurrency must be at least 1", 2);
        }
        if (dev.switchboard.platform.config.RoutingStrategy.of(strategy).filter(s -> s != dev.switchboard.platform.config.RoutingStrategy.SCORE).isEmpty()) {
            throw new CliException("--strategy must be one of target, quality, cost, latency, balanced, weighted, static; got '"
                    + strategy + "'", 2);
        }
        RoutingDataset data = datasetOptions.read();
        priorOptions.prior = config.overrides.getOrDefault(SwitchboardConfig.ROUTING_PRIOR, priorOptions.prior);
        priorOptions.resolve(data); // refuses rows the prior was trained on
        Map<String, String> overrides = new java.util.HashMap<>(config.overrides);
        overrides.putIfAbsent(SwitchboardConfig.ROUTING_PRIOR, priorOptions.prior);
        if (priorOptions.precision != null) {
            overrides.putIfAbsent(SwitchboardConfig.ROUTING_PRIOR_PRECISION, Double.toString(priorOptions.precision));
        }
        Path dataset = data.file();
        Baselines baselines = Baselines.of(data);
        System.err.printf(Locale.ROOT, "%d rows, %d models from %s; strategy %s%s; starting an in-process stack…%n",
                data.rows().size(), data.models().size(), dataset.getFileName(), strategy, taskHint ? " with task hints" : "");
        ProgressBar bar = new ProgressBar(System.err);
        int total = data.rows().size();
        RoutingBenchmark.Result result;
        try {
            result = RoutingBenchmark.run(data, new RoutingBenchmark.Settings(strategy, taskHint, concurrency, seed,
                    latencyP50, latencyP99, config.file, overrides), done -> bar.update(done, total));
        } catch (org.apache.kafka.common.config.ConfigException e) {
            throw new CliException("invalid configuration: " + e.getMessage(), 2);
        }
        bar.finish();

        Baselines.Point best = baselines.best();
        Baselines.Point switchboard = new Baselines.Point("switchboard (" + strategy + ")", result.quality(), result.costPerQuery());
        List<Baselines.Point> rows = new ArrayList<>();
        rows.add(switchboard);
        rows.add(baselines.oracle());
        rows.add(baselines.random());
        rows.add(baselines.cheapest());
        rows.addAll(baselines.singleModels().values());
        List<List<String>> table = new ArrayList<>();
        for (Baselines.Point p : rows) {
            table.add(List.of(p.name(), f4(p.quality()), String.format(Locale.ROOT, "%.3e", p.costPerQuery()),
                    pct(p.quality() / best.quality()), pct(p.costPerQuery() / best.costPerQuery())));
        }
        System.out.print(Table.of(List.of("policy", "quality", "cost/query $", "quality vs best", "cost vs best"), table));
        if (result.target() != null) {
            System.out.printf(Locale.ROOT, "%ntarget %s: %s%s of the best single model's quality at %s of its cost%s%n",
                    result.target(), result.target().isCost() ? "" : String.format(Locale.ROOT,
                            "achieved %s of the quality of each plan's best-estimated candidate (%+.1f points from the target), "
                                    + "which realised %s of the best single model's%s; ", pct(result.referenceShare()),
                            100 * (result.referenceShare() - result.target().qualityShare()),
                            pct(result.referenceQuality() / best.quality()), result.unreferenced() == 0 ? ""
                                    : " (" + result.unreferenced() + " plans made while the learned state loaded held no target and are left out)"),
                    pct(result.quality() / best.quality()), pct(result.costPerQuery() / best.costPerQuery()),
                    result.target().isCost() ? String.format(Locale.ROOT, ", $%.6g a query", result.costPerQuery()) : "");
        }
        System.out.printf(Locale.ROOT, "%nbest single model: %s. Switchboard answered %d of %d (%d failed), learnt from %d "
                        + "feedback scores, in %.1f s; picks: %s%n",
                best.name(), result.succeeded(), result.rows(), result.failed(), result.learned(),
                result.elapsed().toMillis() / 1000.0, result.picks());
        System.out.printf(Locale.ROOT, "method: %s, first %d rows, cold start, %d in flight, simulated latency log-normal "
                        + "p50 %.0f ms p99 %.0f ms (seed %d); %d cores, Java %s%n",
                dataset.getFileName(), total, concurrency, latencyP50, latencyP99, seed,
                Runtime.getRuntime().availableProcessors(), Runtime.version());

        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode summary = json.createObjectNode();
        summary.put("dataset", dataset.getFileName().toString());
        summary.put("rows", total);
        summary.put("strategy", strategy);
        summary.put("taskHint", taskHint);
        if (result.target() != null) {
            if (result.target().isCost()) {
                summary.put("targetCost", result.target().costUsd());
            } else {
                summary.put("targetQuality", result.target().qualityShare());
                summary.put("qualityVsReference", result.referenceShare());
            }
            summary.put("referenceQuality", result.referenceQuality());
            summary.put("unreferenced", result.unreferenced());
        }
        summary.put("quality", result.quality());
        summary.put("costPerQuery", result.costPerQuery());
        summary.put("bestModel", best.name());
        summary.put("bestQuality", best.quality());
        summary.put("bestCostPerQuery", best.costPerQuery());
        summary.put("oracleQuality", baselines.oracle().quality());
        summary.put("oracleCostPerQuery", baselines.oracle().costPerQuery());
        summary.put("gapClosed", baselines.gapClosed(result.quality()));
        summary.put("qualityVsBest", result.quality() / best.quality());
        summary.put("costVsBest", result.costPerQuery() / best.costPerQuery());
        summary.put("failed", result.failed());
        summary.put("learned", result.learned());
        summary.put("seconds", result.elapsed().toMillis() / 1000.0);
        ObjectNode detail = summary.deepCopy();
        ObjectNode picks = detail.putObject("picks");
        result.picks().forEach(picks::put);
        ObjectNode base = detail.putObject("baselines");
        for (Baselines.Point p : rows.subList(1, rows.size())) {
            base.putObject(p.name()).put("quality", p.quality()).put("costPerQuery", p.costPerQuery());
        }
        detail.put("pipelineCostPerQuery", result.pipelineCostPerQuery());
        Files.createDirectories(out);
        json.writeValue(out.resolve("routing.json").toFile(), detail);
        List<Baselines.Point> plotted = new ArrayList<>(List.of(baselines.oracle(), baselines.random()));
        plotted.addAll(baselines.singleModels().values());
        QualityCostPlot.write(out.resolve("routing.png"), "Quality vs cost: " + dataset.getFileName() + ", " + total + " rows",
                plotted, switchboard);
        System.out.println("wrote " + out.resolve("routing.json") + " and " + out.resolve("routing.png"));
        System.out.println(new ObjectMapper().writeValueAsString(summary));
        return result.failed() == 0 ? 0 : 1;
    }
}
