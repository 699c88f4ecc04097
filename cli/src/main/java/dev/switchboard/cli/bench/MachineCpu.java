package dev.switchboard.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time the whole machine spent busy, from Linux's {@code /proc/stat}: what a benchmark divides
 * by its requests for CPU per request, the stack and the load generator together (they share the
 * machine, and the stack is several processes when it is not {@code dev}).
 */
public final class MachineCpu {

    /** /proc/stat counts in USER_HZ ticks, 100 a second on every Linux. */
    private static final long MILLIS_PER_TICK = 10;

    private MachineCpu() {
    }

    /** Milliseconds of CPU spent busy (all cores, not idle or waiting for I/O) since boot; -1 where /proc/stat is not there. */
    public static long busyMillis() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst();
            String[] f = cpu.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * MILLIS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
