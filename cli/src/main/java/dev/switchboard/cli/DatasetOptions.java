package dev.switchboard.cli;

import dev.switchboard.cli.bench.RoutingDataset;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** The routing dataset of {@code bench routing} and {@code bench replay}, and how their figures are written. */
final class DatasetOptions {

    @Option(names = "--dataset", paramLabel = "FILE.jsonl", required = true,
            description = "Rows of {id, prompt, task, outcomes: {MODEL: {score, costUsd}}}, as in cli/src/test/resources/routing/.")
    Path dataset;
    @Option(names = "--limit", paramLabel = "N", defaultValue = "" + Integer.MAX_VALUE,
            description = "Only the first N rows (default: all).")
    int limit;

    /** The dataset's first {@code --limit} rows; a bad option or file is a usage error naming it. */
    RoutingDataset read() throws IOException {
        if (limit < 1) {
            throw new CliException("--limit must be at least 1", 2);
        }
        try {
            return RoutingDataset.read(dataset, limit);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        }
    }

    static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** A share as a percentage with one decimal: 0.9683 → "96.8%". */
    static String pct(double share) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }
}
