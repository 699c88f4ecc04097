package dev.switchboard.provider;

import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.PollLoop;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One share consumer of a worker pool, and how it takes and settles batches of tasks.
 *
 * <p>Kafka's share consumer in explicit mode hands out records a poll at a time and fetches no new
 * ones until every record of the last poll is acknowledged (a renewed record comes back on the next
 * poll and must be acknowledged again). So a slot takes a small batch ({@code max.poll.records}),
 * starts every call of it at once through {@code start}, and then, without polling, acknowledges
 * each record the moment its call has ended and sends those acknowledgements while the others run
 * ({@code commitAsync}, at most every {@value #ACK_INTERVAL_MS} ms); it polls again when the batch
 * is settled. Calls still running half a record lock after the lock was taken are renewed
 * ({@link AcknowledgeType#RENEW}) and the slot polls to get their records back, so long calls keep
 * their lock. The pool runs many slots, so a task waits only for a slot that is free, never for a
 * call of another slot to end.
 *
 * <p>The slot runs on a {@link PollLoop} (its thread, and the restart of a failed consumer after a
 * back-off); only that thread touches its consumer, and calls tell it they ended through a queue.
 */
final class ShareSlot {

    private static final Logger log = LoggerFactory.getLogger(ShareSlot.class);
    /** Twice the share fetch wait, so a poll's one fetch always comes back within the poll. */
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(2L * KafkaClients.IDLE_FETCH_WAIT_MS);
    /**
     * Least time between two sends of acknowledgements while calls of the batch still run: every
     * acknowledgement is persisted by the share coordinator, so those of calls ending close together
     * go in one request (the rest go with the next poll's fetch).
     */
    private static final long ACK_INTERVAL_MS = 100;
    /**
     * Poll timeout while renewed records are on their way back: the consumer takes in the broker's
     * answer to a renewal only between polls, so short polls bring the records back soon after it.
     */
    private static final Duration RENEWAL_POLL_TIMEOUT = Duration.ofMillis(20);
    /** Put in the queue by {@link #close()} so a waiting slot looks at its state at once. */
    private static final String WAKE = "";

    private final String name;
    private final String topic;
    private final Supplier<ShareConsumer<byte[], byte[]>> consumers;
    private final Function<ConsumerRecord<byte[], byte[]>, CompletableFuture<AcknowledgeType>> start;
    private final long renewIntervalMs;
    private final Runnable onFirstPoll;

    /** Calls under way or ended, by {@code partition/offset}, until their record is acknowledged or lost. */
    private final Map<String, CompletableFuture<AcknowledgeType>> calls = new HashMap<>();
    /** The records of the last poll not yet acknowledged, by {@code partition/offset}. */
    private final Map<String, ConsumerRecord<byte[], byte[]>> held = new LinkedHashMap<>();
    private final LinkedBlockingQueue<String> ended = new LinkedBlockingQueue<>();
    private volatile boolean running = true;
    private volatile long lastActiveMs;
    /** When the held records' locks were last taken or renewed; renewal is due half a lock later. */
    private long lockedAtMs;
    /** Whether locks were renewed and the records have not come back from a poll yet. */
    private boolean renewing;
    private volatile int inFlight;

    /**
     * @param consumers       opens a new share consumer (at start and after a failure)
     * @param start           starts the call of a record and gives its acknowledgement when it ends
     * @param renewIntervalMs how long a record is held before its lock is renewed (half the lock)
     * @param onFirstPoll     run once, after the slot's first poll
     */
    ShareSlot(String name, String topic, Supplier<ShareConsumer<byte[], byte[]>> consumers,
              Function<ConsumerRecord<byte[], byte[]>, CompletableFuture<AcknowledgeType>> start, long renewIntervalMs,
              Runnable onFirstPoll) {
        this.name = name;
        this.topic = topic;
        this.consumers = consumers;
        this.start = start;
        this.renewIntervalMs = renewIntervalMs;
        this.onFirstPoll = onFirstPoll;
    }

    /**
     * A new share consumer subscribed to the pool's topic, as a {@link PollLoop.Session}: each poll
     * takes a batch and settles it. When the loop replaces a failed session, records it held
     * unacknowledged are redelivered once their locks run out, and calls still running publish their
     * outputs all the same (consumers drop the duplicate by requestId and attempt).
     */
    PollLoop.Session open() {
        ShareConsumer<byte[], byte[]> current = consumers.get();
        try {
            current.subscribe(List.of(topic));
        } catch (RuntimeException e) {
            current.close();
            throw e;
        }
        return new PollLoop.Session() {
            @Override
            public void poll() {
                if (renewing && System.currentTimeMillis() - lockedAtMs > 2 * renewIntervalMs) {
                    renewing = false; // the renewal failed (the lock ran out): no record is coming back
                }
                ConsumerRecords<byte[], byte[]> records = current.poll(renewing ? RENEWAL_POLL_TIMEOUT : POLL_TIMEOUT);
                if (lastActiveMs == 0) {
                    onFirstPoll.run();
                }
                lastActiveMs = System.currentTimeMillis();
                if (!records.isEmpty()) {
                    take(records);
                    renewing = !settle(current);
                }
            }

            @Override
            public void wakeup() {
                current.wakeup();
            }

            @Override
            public void close(boolean orderly) {
                held.clear();
                renewing = false;
                current.close();
            }
        };
    }

    /** Holds the records of a poll and starts a call for each one not already under way. */
    private void take(ConsumerRecords<byte[], byte[]> records) {
        boolean fresh = !renewing;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String key = key(record);
            held.put(key, record);
            CompletableFuture<AcknowledgeType> call = calls.get(key);
            if (call == null) {
                fresh = true;
                calls.put(key, start.apply(record).whenComplete((ack, error) -> ended.add(key)));
            } else if (call.isDone()) {
                ended.add(key); // renewed while its call was ending: acknowledge it now
            }
        }
        if (fresh) {
            lockedAtMs = System.currentTimeMillis();
            // A fresh fetch means no renewal is outstanding: an ended call whose record did not come
            // back lost its lock (the broker redelivers the record) and is forgotten.
            calls.entrySet().removeIf(entry -> entry.getValue().isDone() && !held.containsKey(entry.getKey()));
        }
        inFlight = calls.size();
    }

    /**
     * Acknowledges each held record as its call ends, sending the acknowledgements while other calls
     * still run; returns when nothing is held: true when every call of the batch ended, false when
     * those still running were renewed at the renewal time (the next poll hands them back).
     */
    private boolean settle(ShareConsumer<byte[], byte[]> current) {
        long renewAt = lockedAtMs + renewIntervalMs;
        boolean pendingAcks = false;
        long lastAckSentMs = 0;
        while (!held.isEmpty()) {
            long wait = renewAt - System.currentTimeMillis();
            if (pendingAcks) {
                wait = Math.min(wait, Math.max(1, lastAckSentMs + ACK_INTERVAL_MS - System.currentTimeMillis()));
            }
            if (wait <= 0) {
                if (running) {
                    held.values().forEach(record -> current.acknowledge(record, AcknowledgeType.RENEW));
                    lockedAtMs = System.currentTimeMillis();
                    log.debug("{} renewed the locks of {} records", name, held.size());
                }
                held.clear(); // when closing, the consumer's close hands them back
                return false;
            }
            String key;
            try {
                key = ended.poll(wait, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
                return false;
            }
            boolean acknowledged = false;
            while (key != null) {
                acknowledged |= acknowledge(current, key);
                key = ended.poll();
            }
            lastActiveMs = System.currentTimeMillis();
            inFlight = calls.size();
            pendingAcks |= acknowledged;
            if (pendingAcks && !held.isEmpty() && System.currentTimeMillis() - lastAckSentMs >= ACK_INTERVAL_MS) {
                current.commitAsync();
                lastAckSentMs = System.currentTimeMillis();
                pendingAcks = false;
            }
        }
        return true;
    }

    /** Acknowledges the held record of an ended call; false when the record is not held (renewing, or lost). */
    private boolean acknowledge(ShareConsumer<byte[], byte[]> current, String key) {
        ConsumerRecord<byte[], byte[]> record = held.remove(key);
        if (record == null) {
            return false;
        }
        current.acknowledge(record, outcome(calls.remove(key)));
        return true;
    }

    private static AcknowledgeType outcome(CompletableFuture<AcknowledgeType> call) {
        try {
            return call.join();
        } catch (RuntimeException e) {
            log.error("Task processing failed unexpectedly; releasing the record for redelivery", e);
            return AcknowledgeType.RELEASE;
        }
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return record.partition() + "/" + record.offset();
    }

    /** When the slot last polled or acknowledged (epoch ms; 0 before its first poll). */
    long lastActiveMs() {
        return lastActiveMs;
    }

    /** Calls this slot has under way. */
    int inFlight() {
        return inFlight;
    }

    /**
     * Makes the slot stop: a slot waiting on its calls lets those that end within the renewal time
     * be acknowledged, and returns to its loop, which closes its consumer (handing the rest back to
     * the broker). Call before closing the loop.
     */
    void close() {
        running = false;
        ended.add(WAKE);
    }

}
