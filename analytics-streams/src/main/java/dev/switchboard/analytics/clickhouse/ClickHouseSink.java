package dev.switchboard.analytics.clickhouse;

import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.PollLoop;
import io.github.resilience4j.core.IntervalFunction;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes attempts, feedback, dead letters, audit events, plans, agents' tool calls and provider
 * statistics to ClickHouse.
 * Before it reads a record it applies the {@link Migrations}; while ClickHouse cannot be reached it
 * retries them with the same back-off as its writes and reports itself down, naming why. Rows are
 * batched by count and time; offsets are committed only after their rows are written. When
 * ClickHouse is down the sink pauses its partitions, retries with an exponential back-off up to 30 s
 * and catches up when it is back. Rows written twice (a restart between insert and commit) are
 * merged away by the tables' ReplacingMergeTree keys.
 *
 * <p>Each commit carries {@link #ROW_LAYOUT} as its metadata: the version of the row keys it was
 * written under. A partition of {@code llm.attempts} whose committed offset carries an older one (or
 * none) is read again from its beginning, so that a migration that changed the attempts key (V005)
 * gets back the rows the old key had merged away; rows already there merge with their copies.
 */
public final class ClickHouseSink implements AutoCloseable, HealthCheck {

    public static final String GROUP_ID = "switchboard-clickhouse-sink";
    /** The attempts table's key the committed offsets were written under: see the class documentation. */
    static final String ROW_LAYOUT = "rows:V005";
    private static final Logger log = LoggerFactory.getLogger(ClickHouseSink.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** Wait before the n-th retry of a write while ClickHouse is unavailable: 0.5 s, doubling, at most 30 s. */
    private static final IntervalFunction OUTAGE_BACK_OFF = IntervalFunction.ofExponentialBackoff(500, 2.0, 30_000);

    private final ClickHouseConnection clickhouse;
    private final Codec codec;
    private final KafkaClients clients;
    /** The current session's consumer; the loop's thread's alone. */
    private KafkaConsumer<byte[], byte[]> consumer;
    private final int batchSize;
    private final long flushMs;
    private final PollLoop loop;
    private final Map<String, List<String>> rows = new LinkedHashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    private final AtomicLong written = new AtomicLong();
    private volatile String lastError;
    private volatile int buffered;
    private long firstBufferedMs;
    private int failedWrites;
    private long backoffMs;
    private long retryAtMs;
    /** Whether the migrations have been applied by this process; the loop's thread's alone. */
    private boolean migrated;
    private final java.util.concurrent.CountDownLatch schemaReady = new java.util.concurrent.CountDownLatch(1);

    public ClickHouseSink(ClickHouseConnection clickhouse, KafkaClients clients, Codec codec, int batchSize, long flushMs) {
        this.clickhouse = clickhouse;
        this.codec = codec;
        this.batchSize = batchSize;
        this.flushMs = flushMs;
        this.clients = clients;
        this.loop = new PollLoop("switchboard-clickhouse-sink", this::open, false);
    }

    public ClickHouseSink start() {
        loop.start();
        return this;
    }

    /** Waits until the migrations are applied; false if they were not within {@code timeout}. */
    public boolean awaitSchema(Duration timeout) throws InterruptedException {
        return schemaReady.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Rows written so far. */
    public long written() {
        return written.get();
    }

    /**
     * A consumer of the sink's topics as the loop's session: each poll buffers rows and writes them
     * when a batch is due. A failed session's held rows are dropped uncommitted and read again by
     * the next one; closing writes what is held, if ClickHouse takes it.
     */
    private PollLoop.Session open() {
        KafkaConsumer<byte[], byte[]> opened = clients.consumer(GROUP_ID, "switchboard-clickhouse-sink");
        consumer = opened;
        return session(opened);
    }

    /**
     * Applies the migrations when a try is due; false while ClickHouse cannot take them, after
     * waiting up to one poll's time for the next try.
     */
    private boolean migrate() {
        if (migrated) {
            return true;
        }
        long now = System.currentTimeMillis();
        if (now < retryAtMs) {
            sleep(Math.min(POLL.toMillis(), retryAtMs - now));
            return false;
        }
        try {
            List<Integer> applied = Migrations.apply(clickhouse);
            if (!applied.isEmpty()) {
                log.info("ClickHouse at {}: applied migrations {}", clickhouse.url(), applied);
            }
        } catch (ClickHouseConnection.ClickHouseException e) {
            unavailable("migrations not applied yet: " + e.getMessage());
            log.warn("ClickHouse unavailable, migrations not applied yet; retrying in {} ms: {}", backoffMs, e.getMessage());
            return false;
        }
        migrated = true;
        schemaReady.countDown();
        available();
        return true;
    }

    /** ClickHouse failed a migration or a write: the next try waits the back-off's next step. */
    private void unavailable(String error) {
        backoffMs = OUTAGE_BACK_OFF.apply(++failedWrites);
        retryAtMs = System.currentTimeMillis() + backoffMs;
        lastError = error;
    }

    /** ClickHouse took a migration or a write: the back-off starts again from its first step. */
    private void available() {
        failedWrites = 0;
        backoffMs = 0;
        retryAtMs = 0;
        lastError = null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void subscribe(KafkaConsumer<byte[], byte[]> opened) {
        opened.subscribe(List.of(Topics.ATTEMPTS.name(), Topics.FEEDBACK.name(), Topics.DLQ.name(), Topics.AUDIT.name(),
                Topics.PROVIDER_STATS.name(), Topics.PLANS.name(), Topics.AGENT_STEPS.name()), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        // Held rows are dropped, uncommitted: revoked partitions are read again by their next
                        // owner, and the partitions this sink keeps are rewound to their committed offsets.
                        if (!partitions.isEmpty() && buffered > 0) {
                            discardBuffer();
                            java.util.Set<TopicPartition> kept = new java.util.HashSet<>(consumer.assignment());
                            kept.removeAll(partitions);
                            rewind(kept);
                        }
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        rewind(partitions.stream().filter(p -> p.topic().equals(Topics.ATTEMPTS.name())).toList());
                    }
                });
    }

    /**
     * Moves {@code partitions} to their committed offsets, or to their beginning when there is none or
     * when an attempts partition's was committed under an older row layout.
     */
    private void rewind(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(partitions));
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = committed.get(partition);
            boolean olderLayout = offset != null && partition.topic().equals(Topics.ATTEMPTS.name())
                    && !ROW_LAYOUT.equals(offset.metadata());
            if (offset != null && !olderLayout) {
                consumer.seek(partition, offset);
            } else {
                if (olderLayout) {
                    log.info("Reading {} again from its beginning: its rows were written under an older attempts key", partition);
                }
                consumer.seekToBeginning(List.of(partition));
            }
        }
    }

    private PollLoop.Session session(KafkaConsumer<byte[], byte[]> opened) {
        return new PollLoop.Session() {
            private boolean subscribed;

            @Override
            public void poll() {
                if (!subscribed) {
                    if (!migrate()) {
                        return;
                    }
                    subscribe(opened);
                    subscribed = true;
                }
                ConsumerRecords<byte[], byte[]> records = opened.poll(POLL);
                long now = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    add(record);
                }
                boolean due = buffered >= batchSize || (buffered > 0 && now - firstBufferedMs >= flushMs);
                if (due && now >= retryAtMs) {
                    flush();
                }
            }

            @Override
            public void wakeup() {
                opened.wakeup();
            }

            @Override
            public void close(boolean orderly) {
                if (orderly && buffered > 0) {
                    try {
                        flush();
                    } catch (RuntimeException e) {
                        log.warn("Rows left unwritten at shutdown are read again on the next start: {}", e.getMessage());
                    }
                } else if (!orderly) {
                    discardBuffer();
                }
                opened.close();
            }
        };
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
            } else if (topic.equals(Topics.AGENT_STEPS.name())) {
                table = "switchboard.tool_calls";
                row = Rows.toolCall(codec.decode(Topics.AGENT_STEPS, record.value()));
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
            done(record);
            return;
        }
        if (row == null) {
            done(record); // a record of no table's: an agent's thought, action or answer
            return;
        }
        if (buffered == 0) {
            firstBufferedMs = System.currentTimeMillis();
        }
        rows.computeIfAbsent(table, t -> new ArrayList<>()).add(row);
        buffered++;
        done(record);
    }

    /** The next commit of {@code record}'s partition goes past it. */
    private void done(ConsumerRecord<byte[], byte[]> record) {
        offsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1, ROW_LAYOUT));
    }

    private void flush() {
        try {
            for (Map.Entry<String, List<String>> table : rows.entrySet()) {
                clickhouse.insert(table.getKey(), table.getValue());
            }
        } catch (ClickHouseConnection.ClickHouseException e) {
            unavailable(e.getMessage());
            if (!consumer.paused().containsAll(consumer.assignment())) {
                consumer.pause(consumer.assignment());
            }
            log.warn("ClickHouse unavailable, {} rows held, retrying in {} ms: {}", buffered, backoffMs, e.getMessage());
            return;
        }
        // Every record polled so far is in these rows, so each partition's commit can go to the
        // consumer's position: past transaction markers too, which take an offset but are never a
        // record (exactly-once provider stats, replays), and would otherwise show as a lag of one.
        Set<TopicPartition> assigned = consumer.assignment();
        offsets.replaceAll((partition, offset) -> assigned.contains(partition)
                ? new OffsetAndMetadata(Math.max(offset.offset(), consumer.position(partition)), ROW_LAYOUT) : offset);
        consumer.commitSync(offsets);
        written.addAndGet(buffered);
        if (backoffMs > 0) {
            log.info("ClickHouse is back; {} held rows written", buffered);
        }
        rows.clear();
        offsets.clear();
        buffered = 0;
        available();
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
        long lastPollMs = loop.lastPollMs();
        long sincePoll = System.currentTimeMillis() - lastPollMs;
        boolean up = loop.alive() && lastPollMs > 0 && sincePoll < 10_000 && lastError == null;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("clickhouse", clickhouse.url());
        details.put("rowsWritten", written.get());
        details.put("rowsHeld", buffered);
        details.put("lastError", lastError == null ? "" : lastError);
        return new Health(up, details);
    }

    @Override
    public void close() {
        loop.close(Duration.ofSeconds(15));
    }
}
