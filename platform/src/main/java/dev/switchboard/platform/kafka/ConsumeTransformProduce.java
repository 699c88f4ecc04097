package dev.switchboard.platform.kafka;

import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
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
import java.util.BitSet;
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
import java.util.function.IntSupplier;

/**
 * The loop of a stateless stage (planner, router, each provider's worker pool): poll records, hand
 * each to a handler, publish what it returns as soon as it is known, and commit each partition's
 * offsets up to its oldest record whose outputs the broker has not yet acknowledged. The poll thread
 * never waits for a send or for the handler's own work ({@link AsyncRecordHandler}), so one slow
 * record holds back only its own outputs and the commit behind it, never another record. At least
 * once: a crash between send and commit processes again what was not done, and downstream
 * consumers drop duplicates by requestId and attempt.
 *
 * <p>A record the handler rejects, or whose bytes cannot be decoded, is published to {@code llm.dlq}
 * with its original key, value and headers and the loop moves on. When the Schema Registry is
 * unreachable the partition is rewound to that record and retried after a back-off: the bytes may be
 * fine, so they are not dead-lettered. At most a set number of records ({@link #MAX_IN_FLIGHT} unless
 * given, a worker pool's adaptive concurrency limit) are handled or published at once: records a
 * poll brings beyond that wait in the loop, its partitions paused, and each is handed over the
 * moment a record in hand is done.
 *
 * <p>A commit carries, besides the offset, which records after it are done ({@link CommitProgress});
 * the next owner of the partition skips those. So after a crash only the records that were
 * unfinished run again, however long the oldest of them took.
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
    /** The tracer's name: the service the stage's spans belong to. */
    private final String service;
    private final String name;
    private final IntSupplier maxInHand;
    private final String topic;
    private final Codec codec;
    private final KafkaClients clients;
    private final String groupId;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AutoCloseable producerMetrics;
    private final AsyncRecordHandler handler;
    private final PollLoop loop;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private volatile List<String> assignment = List.of();
    /** The loop's current session; null before the first. */
    private volatile Generation generation;
    /** Records another stage has handled already: passed over, without a span or an output. */
    private volatile java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> handledElsewhere = record -> false;

    /** A stage whose handler finishes on the poll thread (the router's, say). */
    public ConsumeTransformProduce(String stage, String groupId, String topic, KafkaClients clients, Codec codec,
                                   RecordHandler handler) {
        this(stage, groupId, topic, clients, codec,
                (AsyncRecordHandler) record -> CompletableFuture.completedFuture(handler.handle(record)));
    }

    public ConsumeTransformProduce(String stage, String groupId, String topic, KafkaClients clients, Codec codec,
                                   AsyncRecordHandler handler) {
        this(stage, "switchboard-" + stage, groupId, topic, clients, codec, handler, () -> MAX_IN_FLIGHT);
    }

    /**
     * @param stage     the stage named in dead letters and in health
     * @param name      the loop's thread, the clients' id and the name in logs
     * @param maxInHand records handled or published at once, at most; read at every poll, so it may move
     */
    public ConsumeTransformProduce(String stage, String name, String groupId, String topic, KafkaClients clients,
                                   Codec codec, AsyncRecordHandler handler, IntSupplier maxInHand) {
        this.stage = stage;
        this.service = "switchboard-" + stage;
        this.name = name;
        this.maxInHand = maxInHand;
        this.topic = topic;
        this.codec = codec;
        this.handler = handler;
        this.clients = clients;
        this.groupId = groupId;
        this.producer = clients.producer(name);
        this.producerMetrics = dev.switchboard.platform.metrics.SwitchboardMetrics.bind(producer);
        this.loop = new PollLoop(name, Generation::new, false);
    }

    /**
     * Passes over the records {@code test} says another stage has handled already (the router, the
     * plans whose task the planner published with them): no span, no output, committed as done.
     * Set before {@link #start()}.
     */
    public ConsumeTransformProduce passOver(java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> test) {
        this.handledElsewhere = test;
        return this;
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
        private final AutoCloseable consumerMetrics;
        /** Each partition's records in offset order; the poll thread's alone. */
        final Map<TopicPartition, ArrayDeque<Pending>> partitions = new HashMap<>();
        /** What the last commit of each assigned partition said was done: records to skip. */
        final Map<TopicPartition, CommitProgress> resumed = new HashMap<>();
        /** Each partition's last commit (offset and progress), so an unchanged one is not sent again. */
        final Map<TopicPartition, OffsetAndMetadata> lastCommitted = new HashMap<>();
        /** Records fetched and not yet handed to the handler (the most allowed were in hand), in fetch order. */
        final ArrayDeque<ConsumerRecord<byte[], byte[]>> waiting = new ArrayDeque<>();
        /** Whether the poll thread waits for a record in hand to be done. */
        private volatile boolean wantRoom;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private long lastCommitMs;

        Generation() {
            this.consumer = clients.consumer(groupId, name);
            this.consumerMetrics = dev.switchboard.platform.metrics.SwitchboardMetrics.bind(consumer);
            try {
                consumer.subscribe(List.of(topic), new Revocations());
            } catch (RuntimeException e) {
                closeQuietly(consumerMetrics);
                consumer.close();
                throw e;
            }
            generation = this;
        }

        @Override
        public void poll() {
            int max = Math.max(1, maxInHand.getAsInt());
            if (!waiting.isEmpty() && inFlight.get() >= max) {
                awaitRoom(max, COMMIT_INTERVAL_MS);
            }
            // Records already waiting for room: look for rebalances and commits, but do not wait for more.
            ConsumerRecords<byte[], byte[]> records = consumer.poll(waiting.isEmpty() ? POLL_TIMEOUT : Duration.ZERO);
            long now = System.currentTimeMillis();
            if (!consumer.assignment().isEmpty()) {
                assigned.countDown();
            }
            assignment = consumer.assignment().stream().map(Object::toString).sorted().toList();
            for (TopicPartition partition : records.partitions()) {
                waiting.addAll(records.records(partition));
            }
            boolean backOff = dispatch(max);
            Throwable failed = failure.get();
            if (failed != null) {
                // Nothing after the failed record is committed: the consumer is reopened and resumes there.
                throw new KafkaException(name + ": publishing outputs failed", failed);
            }
            if (now - lastCommitMs >= COMMIT_INTERVAL_MS) {
                commitDone(false);
            }
            flowControl(max);
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
            closeQuietly(consumerMetrics);
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }

        void finished() {
            if (inFlight.decrementAndGet() == 0 || wantRoom) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        /** Waits, for at most {@code timeoutMs}, until fewer than {@code max} records are in hand. */
        private synchronized void awaitRoom(int max, long timeoutMs) {
            long deadline = System.currentTimeMillis() + timeoutMs;
            wantRoom = true;
            try {
                long left;
                while (inFlight.get() >= max && (left = deadline - System.currentTimeMillis()) > 0) {
                    wait(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                wantRoom = false;
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

        /**
         * Hands waiting records to the handler, oldest first, while fewer than {@code max} are in hand;
         * true when a partition was rewound and the loop should back off. Records are handed over in
         * the order they were fetched, so each partition's records in hand are in offset order and
         * every waiting record comes after them: the commit never passes a record not yet handled.
         */
        private boolean dispatch(int max) {
            Generation gen = this;
            boolean backOff = false;
            while (!waiting.isEmpty() && inFlight.get() < max) {
                ConsumerRecord<byte[], byte[]> record = waiting.pollFirst();
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                ArrayDeque<Pending> pending = gen.partitions.computeIfAbsent(partition, p -> new ArrayDeque<>());
                CommitProgress progress = resumed.get(partition);
                if (progress != null && progress.isDone(record.offset()) || handledElsewhere.test(record)) {
                    Pending skipped = new Pending(record.offset());
                    skipped.done = true;
                    pending.addLast(skipped);
                    continue;
                }
                CompletionStage<List<ProducerRecord<byte[], byte[]>>> outputs;
                // The record's span: the handler's own spans, and every record it produces, are its children.
                Span span = Tracing.process(service, record);
                try (Scope ignored = span.makeCurrent()) {
                    outputs = handler.handle(record);
                } catch (RuntimeException e) {
                    if (e instanceof WireFormatException w && w.isTransient()) {
                        span.setStatus(StatusCode.ERROR, "Schema Registry unavailable; the record is read again");
                        span.end();
                        log.warn("{}: Schema Registry unavailable at {}-{}@{}, retrying in {} ms: {}", name,
                                record.topic(), record.partition(), record.offset(), RETRY_BACKOFF_MS, e.getMessage());
                        consumer.seek(partition, record.offset());
                        waiting.removeIf(r -> r.partition() == record.partition() && r.topic().equals(record.topic()));
                        backOff = true;
                        continue;
                    }
                    outputs = CompletableFuture.completedFuture(deadLetter(record, e));
                    Tracing.fail(span, e);
                }
                Pending p = new Pending(record.offset());
                pending.addLast(p);
                gen.inFlight.incrementAndGet();
                outputs.whenComplete((out, error) -> publish(gen, p, record, span, out, error));
            }
            return backOff;
        }

        /**
         * Commits each partition up to its oldest record whose outputs are not all acknowledged, with
         * the records after it that are done, and forgets the done records before it.
         */
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
                        // The callback runs on the poll thread: send these commits again with the next ones.
                        offsets.keySet().forEach(lastCommitted::remove);
                        log.warn("{}: offset commit failed; retrying with the next commit: {}", name, error.toString());
                    }
                });
            }
        }

        /** The commits that would tell more than the last ones did, by partition. */
        private Map<TopicPartition, OffsetAndMetadata> doneOffsets(java.util.Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition partition : partitions) {
                ArrayDeque<Pending> pending = Generation.this.partitions.get(partition);
                if (pending == null) {
                    continue;
                }
                long next = pending.isEmpty() ? -1 : pending.peekFirst().offset;
                while (!pending.isEmpty() && pending.peekFirst().done) {
                    next = pending.pollFirst().offset + 1;
                }
                if (pending.isEmpty() && consumer.assignment().contains(partition)
                        && waiting.stream().noneMatch(r -> r.partition() == partition.partition() && r.topic().equals(partition.topic()))) {
                    // Nothing in hand or waiting: every offset before the consumer's position is done,
                    // transaction markers included. They take an offset but are never a record, so a
                    // commit at the last record + 1 would show a lag of one after each transaction.
                    next = Math.max(next, consumer.position(partition));
                }
                if (next < 0) {
                    continue;
                }
                BitSet done = new BitSet();
                for (Pending p : pending) {
                    long bit = p.offset - next - 1;
                    if (p.done && bit >= 0 && bit < CommitProgress.MAX_BITS) {
                        done.set((int) bit);
                    }
                }
                OffsetAndMetadata commit = new OffsetAndMetadata(next, CommitProgress.encode(done));
                if (!commit.equals(lastCommitted.get(partition))) {
                    offsets.put(partition, commit);
                    lastCommitted.put(partition, commit);
                }
            }
            return offsets;
        }

        /**
         * Pauses fetching while records wait for room (the most allowed are in hand), and resumes once
         * none wait: the records a poll brings beyond the room wait here, not in the handler.
         */
        private void flowControl(int max) {
            boolean full = !waiting.isEmpty() || inFlight.get() >= max;
            if (full) {
                // Every partition, those assigned since the last pause included, or waiting would grow.
                java.util.Set<TopicPartition> fetching = new java.util.HashSet<>(consumer.assignment());
                fetching.removeAll(consumer.paused());
                if (!fetching.isEmpty()) {
                    log.debug("{}: {} records in hand and {} waiting; pausing its partitions", name, inFlight.get(), waiting.size());
                    consumer.pause(fetching);
                }
            } else if (!consumer.paused().isEmpty()) {
                consumer.resume(consumer.paused());
            }
        }

        /** On close: lets what is in hand finish (for a while) and commits it. */
        private void drain() {
            try {
                if (!awaitIdle(DRAIN_ON_CLOSE_MS)) {
                    log.warn("{}: {} records still in hand at close; they will be processed again", name,
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
                log.warn("{}: final commit failed; the last records may be processed again: {}", name, e.toString());
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
                    log.warn("{}: commit on revocation failed; those records may be processed again: {}", name, e.toString());
                }
                forget(partitions);
            }

            /** Reads what the last owner's commit said was done, so those records are skipped. */
            @Override
            public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                if (partitions.isEmpty()) {
                    return;
                }
                try {
                    consumer.committed(new java.util.HashSet<>(partitions), Duration.ofSeconds(5)).forEach((partition, commit) -> {
                        if (commit != null) {
                            CommitProgress progress = CommitProgress.decode(commit.offset(), commit.metadata());
                            if (progress.doneCount() > 0) {
                                resumed.put(partition, progress);
                                log.info("{}: {} records after offset {} of {} were done before; skipping them", name,
                                        progress.doneCount(), commit.offset(), partition);
                            }
                        }
                    });
                } catch (RuntimeException e) {
                    log.warn("{}: could not read the committed progress of {}; records done after the commit will be "
                            + "processed again: {}", name, partitions, e.toString());
                }
            }

            @Override
            public void onPartitionsLost(java.util.Collection<TopicPartition> partitions) {
                forget(partitions);
            }

            private void forget(java.util.Collection<TopicPartition> partitions) {
                waiting.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
                partitions.forEach(partition -> {
                    Generation.this.partitions.remove(partition);
                    resumed.remove(partition);
                    lastCommitted.remove(partition);
                });
            }
        }
    }

    /** Sends a record's outputs (or its dead letter); the record is done when the broker has them all. */
    private void publish(Generation gen, Pending p, ConsumerRecord<byte[], byte[]> record, Span span,
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
                Tracing.fail(span, cause);
                if (cause instanceof WireFormatException w && w.isTransient()) {
                    fail.accept(cause);
                    return;
                }
                outputs = deadLetter(record, cause instanceof RuntimeException r ? r : new RuntimeException(cause));
            }
            // Processing is over when the outputs are known; their sends are the producer's.
            span.end();
            if (outputs.isEmpty()) {
                p.done = true;
                gen.finished();
                return;
            }
            AtomicInteger left = new AtomicInteger(outputs.size());
            for (ProducerRecord<byte[], byte[]> out : outputs) {
                ReplayHeaders.carry(record, out);
                Tracing.carry(span, record, out.headers());
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
            if (span.isRecording()) {
                Tracing.fail(span, e);
                span.end();
            }
            fail.accept(e);
        }
    }

    /** The dead letter of a record the handler could not process, as {@code llm.dlq} takes it. */
    private List<ProducerRecord<byte[], byte[]>> deadLetter(ConsumerRecord<byte[], byte[]> record, RuntimeException e) {
        String at = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (e instanceof WireFormatException w) {
            log.warn("{}: dead-lettered undecodable record {}: {}", name, at, w.getMessage());
            return List.of(DeadLetters.record(codec, DeadLetters.undecodable(record, stage, w)));
        }
        if (e instanceof RejectedRecordException r) {
            log.warn("{}: dead-lettered record {} ({}): {}", name, at, r.errorClass(), r.getMessage());
            return List.of(DeadLetters.record(codec, DeadLetters.of(record, stage, r.errorClass(), r.getMessage(),
                    r.requestId(), 0)));
        }
        log.error("{}: dead-lettered record {} after an unexpected error", name, at, e);
        return List.of(DeadLetters.record(codec, DeadLetters.of(record, stage, RejectedRecordException.Reason.PROCESSING_ERROR.name(),
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
        closeQuietly(producerMetrics);
        producer.close(Duration.ofSeconds(5));
    }

    private static void closeQuietly(AutoCloseable metrics) {
        try {
            metrics.close();
        } catch (Exception e) {
            log.debug("Closing a Kafka client's metrics: {}", e.toString());
        }
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
