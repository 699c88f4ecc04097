package dev.switchboard.cli;

import dev.switchboard.cli.bench.RoutingDataset;
import dev.switchboard.planner.routing.QualityPrior;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The quality prior a routing benchmark's learner starts from, and the rule that keeps it honest: a
 * benchmark is never judged on rows its prior was trained on.
 */
final class PriorOptions {

    @Option(names = "--prior", paramLabel = "builtin|none|FILE", defaultValue = "builtin",
            description = "The quality prior the learner starts from: the planner's built-in one, none (every model at 0.5 "
                    + "until its feedback), or a file written by bench prior (default: ${DEFAULT-VALUE}).")
    String prior;
    @Option(names = "--prior-precision", paramLabel = "P",
            description = "How firmly the learner holds to the prior, planner.learning.prior.precision (default: the prior's own).")
    Double precision;

    /**
     * The prior chosen, or null for none.
     *
     * @throws CliException when the file is not a prior, or when {@code evaluated} (the rows the
     *                      benchmark judges, from the first) overlap the rows the prior was trained on
     */
    QualityPrior resolve(RoutingDataset evaluated) throws IOException {
        QualityPrior chosen = load(prior);
        if (chosen == null) {
            return null;
        }
        if (precision != null) {
            if (!(precision > 0)) {
                throw new CliException("--prior-precision must be above 0", 2);
            }
            chosen = chosen.withPrecision(precision);
        }
        String sha = null;
        for (QualityPrior.Source s : chosen.trainedOn()) {
            if (!s.file().equals(evaluated.file().getFileName().toString())) {
                continue;
            }
            sha = sha == null ? sha256(evaluated.file()) : sha;
            if (s.sha256().equals(sha) && evaluated.rows().size() > s.fromRow()) {
                throw new CliException(String.format(java.util.Locale.ROOT, "rows %d to %d of %s trained the prior (--prior %s): "
                                + "judge it on the rows before them (--limit %d) or pass --prior none", s.fromRow() + 1,
                        s.fromRow() + s.rows(), s.file(), prior, s.fromRow()), 2);
            }
        }
        return chosen;
    }

    /** {@code builtin}, {@code none} (null) or a file; a bad file is a usage error naming it. */
    static QualityPrior load(String prior) throws IOException {
        if ("none".equals(prior)) {
            return null;
        }
        if ("builtin".equals(prior)) {
            return QualityPrior.builtin();
        }
        try {
            return QualityPrior.read(Path.of(prior));
        } catch (IllegalArgumentException e) {
            throw new CliException("--prior: " + e.getMessage(), 2);
        }
    }

    static String sha256(Path file) throws IOException {
        return dev.switchboard.platform.Sha256.hex(file);
    }
}
