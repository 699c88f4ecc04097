package dev.switchboard.provider;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * How many calls one provider may have in flight, learnt from the provider (Netflix
 * concurrency-limits): the lower of a Gradient2 limit, which grows while latency stays flat and
 * shrinks as it rises, and an AIMD limit, which shrinks by a tenth at each call the provider drops
 * (429, timeout, 5xx, connection error) and grows by one per call that is not. Both start at
 * {@code max}; neither grows while fewer than half its calls are in use, so a quiet provider keeps
 * its limit. The AIMD limit goes down to 8, the latency limit only to a quarter of {@code max}: an
 * LLM's latency moves with what it is asked (long answers take a hundred times short ones) without
 * the provider being overloaded, and Gradient2 takes such a jump for overload until its long-term
 * latency has caught up, which takes some 300 calls. From 1 ms calls to 2 s ones at 200 requests/s,
 * a floor of 8 (4 calls a second) kept tasks waiting for over a minute; a quarter of the max brings
 * the 300 calls in within seconds. A call over the limit waits for one to end, for at most the
 * permit wait.
 *
 * <p>The limiter of the library refuses at once; the wait is written here with a lock and a
 * condition (not the library's {@code BlockingLimiter}, whose {@code Object.wait} pins a virtual
 * thread's carrier on Java 21).
 */
final class AdaptiveLimit {

    /** A call's permit: tell it how the call went, exactly once. */
    interface Permit {
        void succeeded();

        void dropped();

        void ignored();
    }

    private final SimpleLimiter<Void> limiter;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    /** Calls waiting on {@link #freed}: a call that ends takes the lock to wake one only when there is one. */
    private final AtomicInteger waiting = new AtomicInteger();

    /**
     * @param max         the most calls ever in flight (the provider's max.concurrent, else the pool's max.in.flight)
     * @param callTimeout a call slower than this counts as dropped
     */
    AdaptiveLimit(String provider, int max, Duration callTimeout) {
        this(provider, max, callTimeout, System::nanoTime);
    }

    /** @param nanoClock the clock calls are timed by (a test's own, to give latencies exactly) */
    AdaptiveLimit(String provider, int max, Duration callTimeout, java.util.function.LongSupplier nanoClock) {
        int min = Math.min(max, 8);
        // It starts where it is allowed to be: a backlog is taken at once, and the limit comes down only when the provider says so.
        int initial = max;
        Gradient2Limit latency = Gradient2Limit.newBuilder().initialLimit(initial).minLimit(Math.max(min, max / 4)).maxConcurrency(max)
                .queueSizeFunction(limit -> Math.max(4, (int) Math.sqrt(limit))).build();
        AIMDLimit drops = AIMDLimit.newBuilder().initialLimit(initial).minLimit(min).maxLimit(max)
                .timeout(callTimeout.toNanos(), TimeUnit.NANOSECONDS).build();
        Lower lower = new Lower(latency, drops);
        this.limiter = SimpleLimiter.newBuilder().named(provider).limit(lower).nanoClock(nanoClock).build();
        // After the limiter's own listener has added its permits: every waiter may try again.
        lower.notifyOnChange(limit -> wake(true));
    }

    /** A permit, at once or once a call ends; empty when none came within {@code maxWait}. */
    Optional<Permit> acquire(Duration maxWait) throws InterruptedException {
        Optional<Limiter.Listener> listener = limiter.acquire(null);
        if (listener.isEmpty()) {
            long deadline = System.nanoTime() + maxWait.toNanos();
            lock.lock();
            waiting.incrementAndGet();
            try {
                while ((listener = limiter.acquire(null)).isEmpty()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return Optional.empty();
                    }
                    freed.awaitNanos(left);
                }
            } finally {
                waiting.decrementAndGet();
                lock.unlock();
            }
        }
        Limiter.Listener l = listener.get();
        return Optional.of(new Permit() {
            @Override
            public void succeeded() {
                l.onSuccess();
                wake(false);
            }

            @Override
            public void dropped() {
                l.onDropped();
                wake(false);
            }

            @Override
            public void ignored() {
                l.onIgnore();
                wake(false);
            }
        });
    }

    private void wake(boolean all) {
        if (waiting.get() == 0) {
            return;
        }
        lock.lock();
        try {
            if (all) {
                freed.signalAll();
            } else {
                freed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Calls allowed in flight now. */
    int limit() {
        return limiter.getLimit();
    }

    /** Calls in flight now. */
    int inFlight() {
        return limiter.getInflight();
    }

    /** Two limits taken as one: the lower of them, each fed every sample. */
    private static final class Lower implements Limit {
        private final Limit first;
        private final Limit second;
        private final List<Consumer<Integer>> listeners = new CopyOnWriteArrayList<>();
        private final ReentrantLock sampling = new ReentrantLock();
        private volatile int current;

        Lower(Limit first, Limit second) {
            this.first = first;
            this.second = second;
            this.current = Math.min(first.getLimit(), second.getLimit());
        }

        @Override
        public int getLimit() {
            return current;
        }

        @Override
        public void notifyOnChange(Consumer<Integer> consumer) {
            listeners.add(consumer);
        }

        @Override
        public void onSample(long startTime, long measuredRtt, int inflight, boolean didDrop) {
            long rtt = Math.max(1, measuredRtt); // Gradient2 divides by it: a clock that did not move would make the limit 0
            int lower;
            sampling.lock();
            try {
                first.onSample(startTime, rtt, inflight, didDrop);
                second.onSample(startTime, rtt, inflight, didDrop);
                lower = Math.min(first.getLimit(), second.getLimit());
                if (lower == current) {
                    return;
                }
                current = lower;
                listeners.forEach(l -> l.accept(lower));
            } finally {
                sampling.unlock();
            }
        }
    }
}
