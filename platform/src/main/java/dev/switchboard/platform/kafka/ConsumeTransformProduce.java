package dev.switchboard.platform.kafka;

import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The loop of a stateless stage (planner, router): poll a batch, hand each record to a
 * {@link RecordHandler}, publish what it returns, then commit the batch's offsets once its sends are
 * acknowledged. At least once: a crash between send and commit re-processes the batch, and
 * downstream consumers drop duplicates by requestId and attempt.
 *
 * <p>A record the handler rejects, or whose bytes cannot be decoded, is published to {@code llm.dlq}
 * with its original key, value and headers and the loop moves on. When the Schema Registry is
 * unreachable the partition is rewound to that record and retried after a back-off: the bytes may be
 * fine, so they are not dead-lettered.
 */
public final class ConsumeTransformProduce implements AutoCloseable, HealthCheck {

    private static final Logger log = LoggerFactory.getLogger(ConsumeTransformProduce.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final long RETRY_BACKOFF_MS = 1_000;

    private final String stage;
    private final String topic;
    private final Codec codec;
    private final KafkaClients clients;
    private final String groupId;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final RecordHandler handler;
    private final Thread thread;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile long lastPollMs;
    private volatile List<String> assignment = List.of();

    public ConsumeTransformProduce(String stage, String groupId, String topic, KafkaClients clients, Codec codec,
                                   RecordHandler handler) {
        this.stage = stage;
        this.topic = topic;
        this.codec = codec;
        this.handler = handler;
        this.clients = clients;
        this.groupId = groupId;
        this.consumer = clients.consumer(groupId, "switchboard-" + stage);
        this.producer = clients.producer("switchboard-" + stage);
        this.thread = new Thread(this::run, "switchboard-" + stage);
    }

    public void start() {
        thread.start();
    }

    /** Waits until the consumer holds at least one partition; true if it did within {@code timeout}. */
    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Polls and processes until closed. A fault of the stage itself (not a bad record: those are
     * dead-lettered) closes the consumer and opens a new one after a back-off; the new one resumes
     * from the committed offsets, so the batch in hand is processed again, not skipped.
     */
    private void run() {
        MDC.put("stage", stage);
        try {
            while (running) {
                try {
                    consumer.subscribe(List.of(topic));
                    while (running) {
                        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
                        lastPollMs = System.currentTimeMillis();
                        if (!consumer.assignment().isEmpty()) {
                            assigned.countDown();
                        }
                        assignment = consumer.assignment().stream().map(Object::toString).sorted().toList();
                        if (!records.isEmpty()) {
                            processBatch(records);
                        }
                    }
                } catch (WakeupException e) {
                    if (running) {
                        log.warn("{} woken up unexpectedly; carrying on", stage);
                    }
                } catch (RuntimeException e) {
                    log.error("{}: failed; reopening its consumer in {} ms", stage, RETRY_BACKOFF_MS, e);
                    closeConsumer();
                    backOff(RETRY_BACKOFF_MS);
                    if (running) {
                        consumer = clients.consumer(groupId, "switchboard-" + stage);
                    }
                }
            }
        } finally {
            closeConsumer();
            producer.close(Duration.ofSeconds(5));
            MDC.remove("stage");
        }
    }

    private void processBatch(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> processed = new HashMap<>();
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        boolean backOff = false;
        for (TopicPartition partition : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                List<ProducerRecord<byte[], byte[]>> outputs;
                try {
                    outputs = handler.handle(record);
                } catch (WireFormatException e) {
                    if (e.isTransient()) {
                        log.warn("{}: Schema Registry unavailable at {}-{}@{}, retrying in {} ms: {}", stage,
                                record.topic(), record.partition(), record.offset(), RETRY_BACKOFF_MS, e.getMessage());
                        consumer.seek(partition, record.offset());
                        backOff = true;
                        break;
                    }
                    outputs = List.of(DeadLetters.record(codec, DeadLetters.undecodable(record, stage, e)));
                    log.warn("{}: dead-lettered undecodable record {}-{}@{}: {}", stage, record.topic(),
                            record.partition(), record.offset(), e.getMessage());
                } catch (RejectedRecordException e) {
                    outputs = List.of(DeadLetters.record(codec, DeadLetters.of(record, stage, e.errorClass(),
                            e.getMessage(), e.requestId(), 0)));
                    log.warn("{}: dead-lettered record {}-{}@{} ({}): {}", stage, record.topic(), record.partition(),
                            record.offset(), e.errorClass(), e.getMessage());
                } catch (RuntimeException e) {
                    outputs = List.of(DeadLetters.record(codec, DeadLetters.of(record, stage, "PROCESSING_ERROR",
                            e.getClass().getName() + ": " + e.getMessage(), null, 0)));
                    log.error("{}: dead-lettered record {}-{}@{} after an unexpected error", stage, record.topic(),
                            record.partition(), record.offset(), e);
                }
                for (ProducerRecord<byte[], byte[]> out : outputs) {
                    ReplayHeaders.carry(record, out);
                    producer.send(out, (metadata, error) -> {
                        if (error != null) {
                            sendFailure.compareAndSet(null, error);
                        }
                    });
                }
                processed.put(partition, new OffsetAndMetadata(record.offset() + 1));
            }
        }
        producer.flush();
        if (sendFailure.get() != null) {
            // Nothing of this batch is committed: the consumer is reopened and resumes from the committed offsets.
            throw new org.apache.kafka.common.KafkaException(stage + ": publishing the batch's outputs failed", sendFailure.get());
        }
        if (!processed.isEmpty()) {
            consumer.commitAsync(processed, (offsets, error) -> {
                if (error != null) {
                    log.warn("{}: offset commit failed; the batch may be processed again: {}", stage, error.toString());
                }
            });
        }
        if (backOff) {
            backOff(RETRY_BACKOFF_MS);
        }
    }

    private void backOff(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void closeConsumer() {
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
            log.warn("{}: error closing consumer: {}", stage, e.toString());
        }
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
        long sincePoll = System.currentTimeMillis() - lastPollMs;
        boolean up = thread.isAlive() && lastPollMs > 0 && sincePoll < 10_000 && !assignment.isEmpty();
        return new Health(up, java.util.Map.of("topic", topic, "assignment", assignment,
                "lastPollMsAgo", lastPollMs == 0 ? -1 : sincePoll));
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
