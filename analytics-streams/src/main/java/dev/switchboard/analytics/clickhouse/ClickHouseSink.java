package dev.switchboard.analytics.clickhouse;

import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes attempts, feedback, dead letters, audit events and provider statistics to ClickHouse.
 * Rows are batched by count and time; offsets are committed only after their rows are written. When
 * ClickHouse is down the sink pauses its partitions, retries with an exponential back-off up to 30 s
 * and catches up when it is back. Rows written twice (a restart between insert and commit) are
 * merged away by the tables' ReplacingMergeTree keys.
 */
public final class ClickHouseSink implements AutoCloseable, HealthCheck {

    public static final String GROUP_ID = "switchboard-clickhouse-sink";
    private static final Logger log = LoggerFactory.getLogger(ClickHouseSink.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long MAX_BACKOFF_MS = 30_000;

    private final ClickHouseConnection clickhouse;
    private final Codec codec;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final int batchSize;
    private final long flushMs;
    private final Thread thread;
    private final Map<String, List<String>> rows = new LinkedHashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    private final AtomicLong written = new AtomicLong();
    private volatile boolean running = true;
    private volatile String lastError;
    private volatile long lastPollMs;
    private int buffered;
    private long firstBufferedMs;
    private long backoffMs;
    private long retryAtMs;

    public ClickHouseSink(ClickHouseConnection clickhouse, KafkaClients clients, Codec codec, int batchSize, long flushMs) {
        this.clickhouse = clickhouse;
        this.codec = codec;
        this.batchSize = batchSize;
        this.flushMs = flushMs;
        this.consumer = clients.consumer(GROUP_ID, "switchboard-clickhouse-sink");
        this.thread = new Thread(this::run, "switchboard-clickhouse-sink");
    }

    public ClickHouseSink start() {
        thread.start();
        return this;
    }

    /** Rows written so far. */
    public long written() {
        return written.get();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(Topics.ATTEMPTS.name(), Topics.FEEDBACK.name(), Topics.DLQ.name(), Topics.AUDIT.name(),
                    Topics.PROVIDER_STATS.name(), Topics.PLANS.name()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // Held rows are dropped, uncommitted: revoked partitions are read again by their next
                    // owner, and the partitions this sink keeps are rewound to their committed offsets.
                    if (!partitions.isEmpty() && buffered > 0) {
                        discardBuffer();
                        java.util.Set<TopicPartition> kept = new java.util.HashSet<>(consumer.assignment());
                        kept.removeAll(partitions);
                        if (!kept.isEmpty()) {
                            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(kept);
                            for (TopicPartition partition : kept) {
                                OffsetAndMetadata offset = committed.get(partition);
                                if (offset != null) {
                                    consumer.seek(partition, offset);
                                } else {
                                    consumer.seekToBeginning(List.of(partition));
                                }
                            }
                        }
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }
            });
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                lastPollMs = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    add(record);
                }
                boolean due = buffered >= batchSize || (buffered > 0 && lastPollMs - firstBufferedMs >= flushMs);
                if (due && lastPollMs >= retryAtMs) {
                    flush();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("ClickHouse sink woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            log.error("ClickHouse sink stopped", e);
            lastError = e.toString();
        } finally {
            if (buffered > 0) {
                try {
                    flush();
                } catch (RuntimeException e) {
                    log.warn("Rows left unwritten at shutdown are read again on the next start: {}", e.getMessage());
                }
            }
            consumer.close();
        }
    }

    private void add(ConsumerRecord<byte[], byte[]> record) {
        String table;
        String row;
        try {
            String topic = record.topic();
            if (topic.equals(Topics.ATTEMPTS.name())) {
                table = "switchboard.attempts";
                row = Rows.attempt(codec.decode(Topics.ATTEMPTS, record.value()));
            } else if (topic.equals(Topics.FEEDBACK.name())) {
                table = "switchboard.feedback";
                row = Rows.feedback(codec.decode(Topics.FEEDBACK, record.value()));
            } else if (topic.equals(Topics.DLQ.name())) {
                table = "switchboard.dead_letters";
                row = Rows.deadLetter(record.partition(), record.offset(), codec.decode(Topics.DLQ, record.value()));
            } else if (topic.equals(Topics.PLANS.name())) {
                table = "switchboard.plans";
                row = Rows.plan(codec.decode(Topics.PLANS, record.value()));
            } else if (topic.equals(Topics.AUDIT.name())) {
                table = "switchboard.audit_log";
                row = Rows.audit(codec.decode(Topics.AUDIT, record.value()));
            } else {
                table = "switchboard.provider_stats";
                row = Rows.providerStats(codec.decode(Topics.PROVIDER_STATS, record.value()));
            }
        } catch (RuntimeException e) {
            // These topics are written by Switchboard itself; a record it cannot read is a bug to see, not a row.
            log.error("ClickHouse sink cannot read {}-{}@{}, skipping it: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            offsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
            return;
        }
        if (buffered == 0) {
            firstBufferedMs = System.currentTimeMillis();
        }
        rows.computeIfAbsent(table, t -> new ArrayList<>()).add(row);
        buffered++;
        offsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
    }

    private void flush() {
        try {
            for (Map.Entry<String, List<String>> table : rows.entrySet()) {
                clickhouse.insert(table.getKey(), table.getValue());
            }
        } catch (ClickHouseConnection.ClickHouseException e) {
            backoffMs = backoffMs == 0 ? 500 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            retryAtMs = System.currentTimeMillis() + backoffMs;
            lastError = e.getMessage();
            if (!consumer.paused().containsAll(consumer.assignment())) {
                consumer.pause(consumer.assignment());
            }
            log.warn("ClickHouse unavailable, {} rows held, retrying in {} ms: {}", buffered, backoffMs, e.getMessage());
            return;
        }
        consumer.commitSync(offsets);
        written.addAndGet(buffered);
        if (backoffMs > 0) {
            log.info("ClickHouse is back; {} held rows written", buffered);
        }
        rows.clear();
        offsets.clear();
        buffered = 0;
        backoffMs = 0;
        retryAtMs = 0;
        lastError = null;
        consumer.resume(consumer.paused());
    }

    private void discardBuffer() {
        rows.clear();
        offsets.clear();
        buffered = 0;
    }

    @Override
    public String name() {
        return "clickhouse-sink";
    }

    @Override
    public Health check() {
        long sincePoll = System.currentTimeMillis() - lastPollMs;
        boolean up = thread.isAlive() && lastPollMs > 0 && sincePoll < 10_000 && lastError == null;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("clickhouse", clickhouse.url());
        details.put("rowsWritten", written.get());
        details.put("rowsHeld", buffered);
        details.put("lastError", lastError == null ? "" : lastError);
        return new Health(up, details);
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
