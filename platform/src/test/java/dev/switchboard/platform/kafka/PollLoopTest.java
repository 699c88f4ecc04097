package dev.switchboard.platform.kafka;

import io.github.resilience4j.core.IntervalFunction;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PollLoopTest {

    /** A session that notes its polls and how it was closed, and fails the polls it is told to. */
    static final class Recorded implements PollLoop.Session {
        final int id;
        final boolean reopen;
        final AtomicInteger polls = new AtomicInteger();
        final List<Integer> failAt;
        volatile Boolean closedOrderly;
        volatile boolean woken;

        Recorded(int id, boolean reopen, List<Integer> failAt) {
            this.id = id;
            this.reopen = reopen;
            this.failAt = failAt;
        }

        @Override
        public void poll() {
            int n = polls.incrementAndGet();
            if (woken) {
                woken = false;
                throw new WakeupException();
            }
            if (failAt.contains(n)) {
                throw new IllegalStateException("broker gone at poll " + n);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // as a poll waits for records
        }

        @Override
        public void wakeup() {
            woken = true;
        }

        @Override
        public void close(boolean orderly) {
            closedOrderly = orderly;
        }

        @Override
        public boolean reopenAfterFailure() {
            return reopen;
        }
    }

    private static final IntervalFunction QUICK = IntervalFunction.of(Duration.ofMillis(10));

    @Test
    void aFailedSessionIsClosedAtOnceAndANewOneOpenedAfterTheBackOffAndTheLastClosesInOrder() {
        List<Recorded> opened = new CopyOnWriteArrayList<>();
        PollLoop loop = new PollLoop("test-loop", () -> {
            Recorded s = new Recorded(opened.size(), true, opened.isEmpty() ? List.of(3) : List.of());
            opened.add(s);
            return s;
        }, true, QUICK).start();

        await().atMost(Duration.ofSeconds(10)).until(() -> opened.size() == 2 && opened.get(1).polls.get() > 5);
        assertThat(loop.lastPollMs()).isPositive();
        assertThat(loop.alive()).isTrue();
        loop.close(Duration.ofSeconds(5));

        assertThat(loop.alive()).isFalse();
        assertThat(opened).hasSize(2);
        assertThat(opened.get(0).polls.get()).isEqualTo(3);
        assertThat(opened.get(0).closedOrderly).as("closed at once after its failure").isFalse();
        assertThat(opened.get(1).closedOrderly).as("closed in order at the end").isTrue();
    }

    @Test
    void aSessionThatKeepsItsPlaceIsPolledAgainAfterAFailureNotReplaced() {
        List<Recorded> opened = new CopyOnWriteArrayList<>();
        PollLoop loop = new PollLoop("test-follower", () -> {
            Recorded s = new Recorded(opened.size(), false, List.of(2, 4));
            opened.add(s);
            return s;
        }, true, QUICK).start();

        await().atMost(Duration.ofSeconds(10)).until(() -> opened.getFirst().polls.get() > 10);
        loop.close(Duration.ofSeconds(5));

        assertThat(opened).hasSize(1);
        assertThat(opened.getFirst().closedOrderly).isTrue();
    }

    @Test
    void closeWakesAPollAndStopsALoopWaitingOutItsBackOff() {
        AtomicInteger opens = new AtomicInteger();
        PollLoop loop = new PollLoop("test-failing", () -> {
            opens.incrementAndGet();
            throw new IllegalStateException("cannot connect");
        }, true, IntervalFunction.of(Duration.ofMinutes(10))).start();

        await().atMost(Duration.ofSeconds(10)).until(() -> opens.get() == 1);
        long start = System.nanoTime();
        loop.close(Duration.ofSeconds(5));

        assertThat(loop.alive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(opens.get()).isEqualTo(1);
    }
}
