package dev.switchboard.provider;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class AdaptiveLimitTest {

    private final AtomicLong now = new AtomicLong();
    /** The lowest limit seen during the last {@link #run}. */
    private int lowest;

    /**
     * Keeps up to {@code inFlight} calls going, started {@code latencyMs / inFlight} apart and each
     * answered {@code latencyMs} after it started, for {@code calls} calls; a call the limit refuses is not made.
     */
    private void run(AdaptiveLimit limit, int inFlight, int calls, long latencyMs, boolean drop) throws InterruptedException {
        long step = TimeUnit.MILLISECONDS.toNanos(latencyMs) / inFlight;
        lowest = limit.limit();
        ArrayDeque<AdaptiveLimit.Permit> going = new ArrayDeque<>();
        for (int i = 0; i < inFlight; i++) {
            now.addAndGet(step);
            limit.acquire(Duration.ZERO).ifPresent(going::add);
        }
        for (int i = 0; i < calls; i++) {
            now.addAndGet(step);
            AdaptiveLimit.Permit done = going.poll();
            if (done != null) {
                if (drop) {
                    done.dropped();
                } else {
                    done.succeeded();
                }
            }
            lowest = Math.min(lowest, limit.limit());
            while (going.size() < inFlight) {
                Optional<AdaptiveLimit.Permit> permit = limit.acquire(Duration.ZERO);
                if (permit.isEmpty()) {
                    break;
                }
                going.add(permit.get());
            }
        }
        going.forEach(AdaptiveLimit.Permit::ignored);
    }

    @Test
    void droppedCallsShrinkTheLimitByATenthEachAndFlatLatencyGrowsItBackOnceTheCallsUseIt() throws InterruptedException {
        AdaptiveLimit limit = new AdaptiveLimit("p", 100, Duration.ofSeconds(5), now::get);
        assertThat(limit.limit()).isEqualTo(100);

        run(limit, 8, 5, 10, true);
        // 100 × 0.9, five times, rounded down at each step: 90, 81, 72, 64, 57.
        assertThat(limit.limit()).isEqualTo(57);

        run(limit, 20, 500, 2_000, false);
        assertThat(limit.limit()).as("not while fewer than half its calls are used").isEqualTo(57);

        run(limit, 100, 2_000, 2_000, false);
        assertThat(limit.limit()).isEqualTo(100);
        assertThat(limit.inFlight()).isZero();

        run(limit, 8, 100, 10, true);
        assertThat(limit.limit()).as("never below 8").isEqualTo(8);
    }

    @Test
    void latencyThatRisesShrinksTheLimit() throws InterruptedException {
        AdaptiveLimit limit = new AdaptiveLimit("p", 100, Duration.ofSeconds(30), now::get);
        run(limit, 100, 2_000, 2_000, false);
        assertThat(limit.limit()).as("flat").isEqualTo(100);

        run(limit, 60, 300, 8_000, false);

        assertThat(lowest).isLessThan(70);
    }

    @Test
    void latencyAloneShrinksTheLimitToAQuarterOfTheMaxAndItComesBackOnceTheNewLatencyIsLearnt() throws InterruptedException {
        AdaptiveLimit limit = new AdaptiveLimit("p", 100, Duration.ofSeconds(30), now::get);
        run(limit, 100, 2_000, 1, false);

        // From 1 ms answers to 2 s ones, as when a model is asked for long answers.
        run(limit, 100, 1_000, 2_000, false);

        assertThat(lowest).isEqualTo(25);
        assertThat(limit.limit()).isEqualTo(100);
    }

    @Test
    void aCallOverTheLimitWaitsForOneToEndOrFailsWhenNoneEndsInTime() throws Exception {
        AdaptiveLimit limit = new AdaptiveLimit("p", 2, Duration.ofSeconds(5), now::get);
        AdaptiveLimit.Permit first = limit.acquire(Duration.ZERO).orElseThrow();
        limit.acquire(Duration.ZERO).orElseThrow();

        assertThat(limit.acquire(Duration.ofMillis(20))).isEmpty();

        CompletableFuture<Optional<AdaptiveLimit.Permit>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return limit.acquire(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        first.succeeded();
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isPresent();
        assertThat(limit.inFlight()).isEqualTo(2);
    }
}
