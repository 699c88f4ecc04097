package dev.switchboard.cli;

import java.io.PrintStream;

/** A one-line progress bar with counts, rate and ETA, redrawn in place. */
final class ProgressBar {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final long started = System.nanoTime();
    private long lastDraw;

    ProgressBar(PrintStream out) {
        this(out, "");
    }

    /** A bar whose line starts with {@code label}, telling the steps of a long command apart. */
    ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label.isEmpty() ? "" : label + " ";
    }

    void update(long done, long total) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        double seconds = Math.max(1e-3, (now - started) / 1e9);
        double rate = done / seconds;
        long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        out.printf("\r%s[%s%s] %d/%d  %.1f/s  ETA %02d:%02d", label, "#".repeat(filled), ".".repeat(WIDTH - filled), done, total,
                rate, eta / 60, eta % 60);
        out.flush();
    }

    void finish() {
        out.println();
    }
}
