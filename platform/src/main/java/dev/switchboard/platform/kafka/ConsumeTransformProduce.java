package dev.switchboard.platform.kafka;

import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The loop of a stateless stage (planner, router): poll records, hand each to a handler, publish
 * what it returns as soon as it is known, and commit each partition's offsets up to the last record
 * whose outputs the broker has acknowledged. The poll thread never waits for a send or for the
 * handler's own work ({@link AsyncRecordHandler}), so one slow record holds back only its own
 * outputs, and the offsets behind it. At least once: a crash between send and commit re-processes
 * what was not committed, and downstream consumers drop duplicates by requestId and attempt.
 *
 * <p>A record the handler rejects, or whose bytes cannot be decoded, is published to {@code llm.dlq}
 * with its original key, value and headers and the loop moves on. When the Schema Registry is
 * unreachable the partition is rewound to that record and retried after a back-off: the bytes may be
 * fine, so they are not dead-lettered. At most {@link #MAX_IN_FLIGHT} records are being handled or
 * published at once; past that the loop pauses its partitions until half of them are done.
 */
public final class ConsumeTransformProduce implements AutoCloseable, HealthCheck {

    private static final Logger log = LoggerFactory.getLogger(ConsumeTransformProduce.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final long RETRY_BACKOFF_MS = 1_000;
    /** Records handled but not yet published and acknowledged, at most. */
    static final int MAX_IN_FLIGHT = 10_000;
    /** Offsets are committed at most this often (and on revocation and close). */
    private static final long COMMIT_INTERVAL_MS = 100;
    private static final long DRAIN_ON_CLOSE_MS = 10_000;

    private final String stage;
    private final String topic;
    private final Codec codec;
    private final KafkaClients clients;
    private final String groupId;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AsyncRecordHandler handler;
    private final PollLoop loop;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private volatile List<String> assignment = List.of();
    /** The loop's current session; null before the first. */
    private volatile Generation generation;

    /** A stage whose handler finishes on the poll thread (the router's, say). */
    public ConsumeTransformProduce(String stage, String groupId, String topic, KafkaClients clients, Codec codec,
                                   RecordHandler handler) {
        this(stage, groupId, topic, clients, codec,
                (AsyncRecordHandler) record -> CompletableFuture.completedFuture(handler.handle(record)));
    }

    public ConsumeTransformProduce(String stage, String groupId, String topic, KafkaClients clients, Codec codec,
                                   AsyncRecordHandler handler) {
        this.stage = stage;
        this.topic = topic;
        this.codec = codec;
        this.handler = handler;
        this.clients = clients;
        this.groupId = groupId;
        this.producer = clients.producer("switchboard-" + stage);
        this.loop = new PollLoop("switchboard-" + stage, Generation::new, false);
    }

    public void start() {
        loop.start();
    }

    /** Waits until the consumer holds at least one partition; true if it did within {@code timeout}. */
    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A record handed to the handler: done once every output it gave was acknowledged. */
    private static final class Pending {
        final long offset;
        volatile boolean done;

        Pending(long offset) {
            this.offset = offset;
        }
    }

    /**
     * One consumer and what it has in hand: the loop's {@link PollLoop.Session}. When the stage
     * reopens its consumer after a failure, the records of the old one still publish their outputs
     * (at least once), but nothing of them is committed: the new consumer starts again from the
     * committed offsets.
     */
    private final class Generation implements PollLoop.Session {
        final KafkaConsumer<byte[], byte[]> consumer;
        /** Each partition's records in offset order; the poll thread's alone. */
        final Map<TopicPartition, ArrayDeque<Pending>> partitions = new HashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private long lastCommitMs;

        Generation() {
            this.consumer = clients.consumer(groupId, "switchboard-" + stage);
            try {
                consumer.subscribe(List.of(topic), new Revocations());
            } catch (RuntimeException e) {
                consumer.close();
                throw e;
            }
            generation = this;
        }

        @Override
        public void poll() {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
            long now = System.currentTimeMillis();
            if (!consumer.assignment().isEmpty()) {
                assigned.countDown();
            }
            assignment = consumer.assignment().stream().map(Object::toString).sorted().toList();
            boolean backOff = !records.isEmpty() && handleAll(records);
            Throwable failed = failure.get();
            if (failed != null) {
                // Nothing after the failed record is committed: the consumer is reopened and resumes there.
                throw new KafkaException(stage + ": publishing outputs failed", failed);
            }
            if (now - lastCommitMs >= COMMIT_INTERVAL_MS) {
                commitDone(false);
            }
            flowControl();
            if (backOff) {
                pause(RETRY_BACKOFF_MS);
            }
        }

        @Override
        public void wakeup() {
            consumer.wakeup();
        }

        @Override
        public void close(boolean orderly) {
            if (orderly) {
                drain();
            }
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }

        void finished() {
            if (inFlight.decrementAndGet() == 0) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        synchronized boolean awaitIdle(long timeoutMs) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (inFlight.get() > 0) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                wait(left);
            }
            return true;
        }

        /** Hands every record to the handler; true when a partition was rewound and the loop should back off. */
        private boolean handleAll(ConsumerRecords<byte[], byte[]> records) {
            Generation gen = this;
            boolean backOff = false;
            for (TopicPartition partition : records.partitions()) {
                ArrayDeque<Pending> pending = gen.partitions.computeIfAbsent(partition, p -> new ArrayDeque<>());
                for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                    CompletionStage<List<ProducerRecord<byte[], byte[]>>> outputs;
                    try {
                        outputs = handler.handle(record);
                    } catch (RuntimeException e) {
                        if (e instanceof WireFormatException w && w.isTransient()) {
                            log.warn("{}: Schema Registry unavailable at {}-{}@{}, retrying in {} ms: {}", stage,
                                    record.topic(), record.partition(), record.offset(), RETRY_BACKOFF_MS, e.getMessage());
                            consumer.seek(partition, record.offset());
                            backOff = true;
                            break;
                        }
                        outputs = CompletableFuture.completedFuture(deadLetter(record, e));
                    }
                    Pending p = new Pending(record.offset());
                    pending.addLast(p);
                    gen.inFlight.incrementAndGet();
                    outputs.whenComplete((out, error) -> publish(gen, p, record, out, error));
                }
            }
            return backOff;
        }

        /** Commits each partition up to its last record whose outputs are all acknowledged, and forgets those records. */
        private void commitDone(boolean sync) {
            Map<TopicPartition, OffsetAndMetadata> offsets = doneOffsets(partitions.keySet());
            lastCommitMs = System.currentTimeMillis();
            if (offsets.isEmpty()) {
                return;
            }
            if (sync) {
                consumer.commitSync(offsets, Duration.ofSeconds(5));
            } else {
                consumer.commitAsync(offsets, (committed, error) -> {
                    if (error != null) {
                        log.warn("{}: offset commit failed; those records may be processed again: {}", stage, error.toString());
                    }
                });
            }
        }

        private Map<TopicPartition, OffsetAndMetadata> doneOffsets(java.util.Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition partition : partitions) {
                ArrayDeque<Pending> pending = Generation.this.partitions.get(partition);
                long next = -1;
                while (pending != null && !pending.isEmpty() && pending.peekFirst().done) {
                    next = pending.pollFirst().offset + 1;
                }
                if (next >= 0) {
                    offsets.put(partition, new OffsetAndMetadata(next));
                }
            }
            return offsets;
        }

        /** Pauses fetching while {@link #MAX_IN_FLIGHT} records are in hand, and resumes at half. */
        private void flowControl() {
            int inHand = inFlight.get();
            if (inHand >= MAX_IN_FLIGHT && consumer.paused().isEmpty()) {
                log.warn("{}: {} records in hand; pausing its partitions until half are published", stage, inHand);
                consumer.pause(consumer.assignment());
            } else if (inHand <= MAX_IN_FLIGHT / 2 && !consumer.paused().isEmpty()) {
                consumer.resume(consumer.paused());
            }
        }

        /** On close: lets what is in hand finish (for a while) and commits it. */
        private void drain() {
            try {
                if (!awaitIdle(DRAIN_ON_CLOSE_MS)) {
                    log.warn("{}: {} records still in hand at close; they will be processed again", stage,
                            inFlight.get());
                }
                try {
                    commitDone(true);
                } catch (WakeupException e) {
                    commitDone(true); // close() woke the consumer outside poll(): the wake-up is spent, commit again
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("{}: final commit failed; the last records may be processed again: {}", stage, e.toString());
            }
        }

        /** Commits what is done of partitions taken away, and forgets their records (the new owner starts at the commit). */
        private final class Revocations implements ConsumerRebalanceListener {
            @Override
            public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                try {
                    Map<TopicPartition, OffsetAndMetadata> offsets = doneOffsets(partitions);
                    if (!offsets.isEmpty()) {
                        consumer.commitSync(offsets, Duration.ofSeconds(5));
                    }
                } catch (RuntimeException e) {
                    log.warn("{}: commit on revocation failed; those records may be processed again: {}", stage, e.toString());
                }
                partitions.forEach(Generation.this.partitions::remove);
            }

            @Override
            public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
            }

            @Override
            public void onPartitionsLost(java.util.Collection<TopicPartition> partitions) {
                partitions.forEach(Generation.this.partitions::remove);
            }
        }
    }

    /** Sends a record's outputs (or its dead letter); the record is done when the broker has them all. */
    private void publish(Generation gen, Pending p, ConsumerRecord<byte[], byte[]> record,
                         List<ProducerRecord<byte[], byte[]>> outputs, Throwable error) {
        // The record leaves the in-flight count once: when its last output is acknowledged, or at its first failure.
        AtomicBoolean failed = new AtomicBoolean();
        java.util.function.Consumer<Throwable> fail = cause -> {
            if (failed.compareAndSet(false, true)) {
                gen.failure.compareAndSet(null, cause);
                gen.finished();
            }
        };
        try {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause instanceof WireFormatException w && w.isTransient()) {
                    fail.accept(cause);
                    return;
                }
                outputs = deadLetter(record, cause instanceof RuntimeException r ? r : new RuntimeException(cause));
            }
            if (outputs.isEmpty()) {
                p.done = true;
                gen.finished();
                return;
            }
            AtomicInteger left = new AtomicInteger(outputs.size());
            for (ProducerRecord<byte[], byte[]> out : outputs) {
                ReplayHeaders.carry(record, out);
                producer.send(out, (metadata, sendError) -> {
                    if (sendError != null) {
                        fail.accept(sendError);
                    } else if (left.decrementAndGet() == 0 && !failed.get()) {
                        p.done = true;
                        gen.finished();
                    }
                });
            }
        } catch (RuntimeException e) {
            fail.accept(e);
        }
    }

    /** The dead letter of a record the handler could not process, as {@code llm.dlq} takes it. */
    private List<ProducerRecord<byte[], byte[]>> deadLetter(ConsumerRecord<byte[], byte[]> record, RuntimeException e) {
        String at = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (e instanceof WireFormatException w) {
            log.warn("{}: dead-lettered undecodable record {}: {}", stage, at, w.getMessage());
            return List.of(DeadLetters.record(codec, DeadLetters.undecodable(record, stage, w)));
        }
        if (e instanceof RejectedRecordException r) {
            log.warn("{}: dead-lettered record {} ({}): {}", stage, at, r.errorClass(), r.getMessage());
            return List.of(DeadLetters.record(codec, DeadLetters.of(record, stage, r.errorClass(), r.getMessage(),
                    r.requestId(), 0)));
        }
        log.error("{}: dead-lettered record {} after an unexpected error", stage, at, e);
        return List.of(DeadLetters.record(codec, DeadLetters.of(record, stage, "PROCESSING_ERROR",
                e.getClass().getName() + ": " + e.getMessage(), null, 0)));
    }







    @Override
    public String name() {
        return stage;
    }

    /**
     * Up while the loop runs, has polled within the last 10 s (so it reaches the broker) and holds
     * partitions of its topic.
     */
    @Override
    public Health check() {
        long lastPollMs = loop.lastPollMs();
        long sincePoll = System.currentTimeMillis() - lastPollMs;
        boolean up = loop.alive() && lastPollMs > 0 && sincePoll < 10_000 && !assignment.isEmpty();
        Generation current = generation;
        return new Health(up, java.util.Map.of("topic", topic, "assignment", assignment,
                "lastPollMsAgo", lastPollMs == 0 ? -1 : sincePoll, "inFlight", current == null ? 0 : current.inFlight.get()));
    }

    @Override
    public void close() {
        loop.close(Duration.ofSeconds(15));
        producer.close(Duration.ofSeconds(5));
    }

    /** The Schema Registry retry's wait, on the poll thread: the partition was rewound, so nothing is skipped. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
