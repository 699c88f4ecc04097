package dev.switchboard.cli;

import dev.switchboard.cli.bench.OfflineRouting;
import dev.switchboard.cli.bench.RoutingDataset;
import dev.switchboard.planner.routing.QualityPrior;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "prior", mixinStandardHelpOptions = true,
        description = {"Trains the quality prior the planner starts from: for each model of each --train dataset, a ridge "
                + "regression of its score on the prompt's embedding (all-MiniLM-L6-v2) over the rows from the given one on, "
                + "with every model's score for every row; and the regression pooled over all models with a line of level "
                + "against log price, from which a model the prior has no weights for starts.",
                "The prior records which rows it saw (file, SHA-256, rows), and bench replay and bench routing refuse to be "
                        + "judged on them. The built-in prior is this command's output with its defaults:",
                "  bin/switchboard bench prior --train ../shared/data/routing/llmrouter-9models.jsonl:5000 "
                        + "--train ../shared/data/routing/routellm-mmlu-gsm8k.jsonl:5000"})
final class BenchPriorCommand implements Callable<Integer> {

    /** Where the built-in prior lives in the source tree. */
    static final String BUILTIN_SOURCE = "planner-service/src/main/resources" + QualityPrior.BUILTIN_RESOURCE;

    @Option(names = "--train", paramLabel = "FILE.jsonl:FROM", required = true,
            description = "A routing dataset and the first row (0-based) to train on; the rows before it are left for evaluation. Repeatable.")
    List<String> train;
    @Option(names = "--ridge", paramLabel = "R", defaultValue = "3",
            description = "The regressions' ridge while training (default: ${DEFAULT-VALUE}).")
    double ridge;
    @Option(names = "--precision", paramLabel = "P", defaultValue = "" + DEFAULT_PRECISION,
            description = "How firmly the planner holds to the prior, its starting precision (default: ${DEFAULT-VALUE}).")
    double precision;
    @Option(names = "--out", paramLabel = "FILE", defaultValue = BUILTIN_SOURCE,
            description = "Where to write it (default: ${DEFAULT-VALUE}, the built-in prior).")
    Path out;
    @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/switchboard-embeddings",
            description = "Where prompt embeddings are cached (default: ${DEFAULT-VALUE}).")
    Path cacheDir;

    static final double DEFAULT_PRECISION = 100;

    @Override
    public Integer call() throws Exception {
        if (!(ridge > 0) || !(precision > 0)) {
            throw new CliException("--ridge and --precision must be above 0", 2);
        }
        QualityPrior.Trainer trainer = new QualityPrior.Trainer(ridge);
        List<List<String>> table = new ArrayList<>();
        for (String spec : train) {
            int colon = spec.lastIndexOf(':');
            int from;
            try {
                from = Integer.parseInt(spec.substring(colon + 1));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                throw new CliException("--train '" + spec + "' is not FILE.jsonl:FROM (FROM: the first row to train on, 0-based)", 2);
            }
            if (colon <= 0 || from < 0) {
                throw new CliException("--train '" + spec + "' is not FILE.jsonl:FROM (FROM: the first row to train on, 0-based)", 2);
            }
            RoutingDataset data;
            try {
                data = RoutingDataset.read(Path.of(spec.substring(0, colon)), Integer.MAX_VALUE);
            } catch (IllegalArgumentException e) {
                throw new CliException("--train: " + e.getMessage(), 2);
            }
            int rows = data.rows().size() - from;
            if (rows < 1) {
                throw new CliException("--train " + spec + ": the file has " + data.rows().size() + " rows, none from row " + from, 2);
            }
            ProgressBar bar = new ProgressBar(System.err);
            OfflineRouting embedded = OfflineRouting.of(data, cacheDir.resolve("emb-" + data.file().getFileName() + ".bin"),
                    done -> bar.update(done, data.rows().size()));
            bar.finish();
            Map<String, Double> prices = OfflineRouting.pricesPerToken(data, from);
            for (int i = from; i < data.rows().size(); i++) {
                RoutingDataset.Row row = data.rows().get(i);
                for (String model : data.models()) {
                    trainer.add(model, prices.get(model) * 1e6, embedded.embedding(i), row.outcome(model).score());
                }
            }
            trainer.source(new QualityPrior.Source(data.file().getFileName().toString(), PriorOptions.sha256(data.file()), from, rows));
            table.add(List.of(data.file().getFileName().toString(), Integer.toString(from), Integer.toString(rows),
                    Integer.toString(data.models().size())));
        }
        QualityPrior prior = trainer.build("all-MiniLM-L6-v2", precision);
        prior.write(out);
        System.out.print(Table.of(List.of("dataset", "from row", "rows trained on", "models"), table));
        List<List<String>> models = new ArrayList<>();
        for (String m : new java.util.TreeSet<>(prior.models())) {
            models.add(List.of(m, String.format(Locale.ROOT, "%.4g", prior.priceOf(m)), String.format(Locale.ROOT, "%.3f", prior.levelOf(m)),
                    String.format(Locale.ROOT, "%.3f", prior.levelAt(prior.priceOf(m)))));
        }
        System.out.println();
        System.out.print(Table.of(List.of("model", "$ per M tokens", "mean predicted score", "what its price predicts"), models));
        System.out.printf(Locale.ROOT, "%nwrote %s: %d models, %d weights each, ridge %.3g, precision %.3g%n", out,
                prior.models().size(), prior.dimension(), ridge, precision);
        return 0;
    }
}
