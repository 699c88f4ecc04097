package dev.switchboard.platform.kafka;

import io.github.resilience4j.core.IntervalFunction;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The thread every poll loop of Switchboard runs on: the planner's and the router's
 * ({@link ConsumeTransformProduce}), each worker slot, the ClickHouse sink and the log followers.
 * It polls its {@link Session} until closed; when a poll throws (not a bad record: sessions deal
 * with those), it closes the session and opens a new one after a back-off from resilience4j's
 * {@link IntervalFunction} (1 s, doubling, at most 30 s), or, for a session that keeps its place in
 * the log ({@link Session#reopenAfterFailure()} false), polls the same one again after it. What a
 * poll does with its records (commit offsets, acknowledge a share batch, write rows) is the
 * session's; the loop keeps the time of the last poll that returned, for health.
 */
public final class PollLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);

    /** Back-off before the n-th consecutive reopening: 1 s, doubling, at most 30 s. */
    public static final IntervalFunction RESTART_BACK_OFF = IntervalFunction.ofExponentialBackoff(1_000, 2.0, 30_000);

    /** One consumer and what the loop does with each of its polls. Only the loop's thread calls it, but {@link #wakeup}. */
    public interface Session {
        /** Polls once and hands on what came; throws {@link RuntimeException} when the consumer itself failed. */
        void poll();

        /** Makes a poll under way return at once ({@code consumer.wakeup()}); any thread may call it. */
        void wakeup();

        /**
         * Closes the consumer. {@code orderly} when the loop is closing (let work in hand finish and
         * commit it), false after a failure (close at once: what was not committed is read again).
         */
        void close(boolean orderly);

        /** Whether a failed session is replaced by a new one (true) or polled again after the back-off. */
        default boolean reopenAfterFailure() {
            return true;
        }
    }

    private final String name;
    private final Supplier<Session> sessions;
    private final IntervalFunction backOff;
    private final Thread thread;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Session session;
    private volatile long lastPollMs;

    /**
     * @param name     the thread's name, and the MDC's {@code stage} (shown in log lines) while it runs
     * @param sessions opens a session (at start, and after a failure)
     * @param daemon   whether the thread lets the JVM exit (views and readers) or not (services)
     */
    public PollLoop(String name, Supplier<Session> sessions, boolean daemon) {
        this(name, sessions, daemon, RESTART_BACK_OFF);
    }

    public PollLoop(String name, Supplier<Session> sessions, boolean daemon, IntervalFunction backOff) {
        this.name = name;
        this.sessions = sessions;
        this.backOff = backOff;
        this.thread = Thread.ofPlatform().name(name).daemon(daemon).unstarted(this::run);
    }

    public PollLoop start() {
        thread.start();
        return this;
    }

    /** When a poll last returned (epoch ms; 0 before the first). */
    public long lastPollMs() {
        return lastPollMs;
    }

    /** Whether the loop's thread is running. */
    public boolean alive() {
        return thread.isAlive();
    }

    private void run() {
        MDC.put("stage", name);
        int failures = 0;
        try {
            Session current = null;
            while (running) {
                try {
                    if (current == null) {
                        current = sessions.get();
                        session = current;
                    }
                    while (running) {
                        try {
                            current.poll();
                        } catch (WakeupException e) {
                            if (running) {
                                log.warn("{} woken up unexpectedly; carrying on", name);
                            }
                            continue;
                        }
                        lastPollMs = System.currentTimeMillis();
                        failures = 0;
                    }
                } catch (RuntimeException e) {
                    failures++;
                    long wait = backOff.apply(failures);
                    boolean reopen = current == null || current.reopenAfterFailure();
                    log.error("{} failed; {} in {} ms", name, reopen ? "reopening its consumer" : "polling again", wait, e);
                    if (current != null && reopen) {
                        closeQuietly(current, false);
                        current = null;
                    }
                    pause(wait);
                }
            }
            if (current != null) {
                closeQuietly(current, true);
            }
        } finally {
            MDC.remove("stage");
        }
    }

    private void closeQuietly(Session s, boolean orderly) {
        try {
            s.close(orderly);
        } catch (RuntimeException e) {
            log.warn("{}: error closing its consumer: {}", name, e.toString());
        }
    }

    private void pause(long millis) {
        try {
            closing.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Tells the loop to stop and wakes its poll, without waiting: to stop many loops at once, then {@link #close} each. */
    public void stop() {
        running = false;
        closing.countDown();
        Session s = session;
        if (s != null) {
            try {
                s.wakeup();
            } catch (RuntimeException e) {
                // closed after a failure already
            }
        }
    }

    /** Stops polling, lets the session close in order, and waits for the thread for at most {@code wait}. */
    public void close(Duration wait) {
        stop();
        try {
            thread.join(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(15));
    }
}
