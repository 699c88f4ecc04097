package dev.switchboard.cli.bench;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.Topics;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a benchmark request's time went, hop by hop, from the timestamps of the records it left
 * behind: its request (created), its plan and its task (each stamped by the producer that wrote it),
 * its attempt's call start and end, and the moment the benchmark consumed its reply. Every record
 * downstream of the request is keyed by requestId, so only attempts are decoded. All clocks are this
 * machine's. A request left unanswered is reported with the last of these records it reached, so a
 * benchmark that loses one says where.
 */
public final class Hops {

    /** One request's timestamps (epoch ms; 0 until seen). */
    public static final class Trace {
        public final long sentNanos;
        final long createdMs;
        /** False for a warm-up request: followed for {@link #unanswered()}, not measured. */
        final boolean measured;
        volatile boolean answered;
        volatile long planMs;
        volatile long taskMs;
        volatile long callStartMs;
        volatile long callEndMs;
        public volatile long replyConsumedMs;

        Trace(long sentNanos, long createdMs, boolean measured) {
            this.sentNanos = sentNanos;
            this.createdMs = createdMs;
            this.measured = measured;
        }

        /** The last hop this request's records reached. */
        String reached() {
            if (callEndMs != 0) {
                return "an attempt ended at " + java.time.Instant.ofEpochMilli(callEndMs) + ", no reply";
            }
            if (taskMs != 0) {
                return "a task published at " + java.time.Instant.ofEpochMilli(taskMs) + ", no attempt";
            }
            if (planMs != 0) {
                return "a plan published at " + java.time.Instant.ofEpochMilli(planMs) + ", no task";
            }
            return "sent at " + java.time.Instant.ofEpochMilli(createdMs) + ", no plan";
        }
    }

    private final Codec codec;
    private final Map<String, Trace> traces = new ConcurrentHashMap<>();

    public Hops(Codec codec) {
        this.codec = codec;
    }

    /** A request published now; {@code measured} false for a warm-up request. */
    public void sent(String requestId, long sentNanos, long createdMs, boolean measured) {
        traces.put(requestId, new Trace(sentNanos, createdMs, measured));
    }

    /** Notes a request's reply; its trace if the request is measured, null for a warm-up request. */
    public Trace answered(String requestId) {
        Trace trace = traces.get(requestId);
        if (trace == null) {
            return null;
        }
        trace.answered = true;
        return trace.measured ? trace : null;
    }

    /**
     * Each request sent without a reply, with the last hop it reached (plan, task, attempt), the
     * first {@code limit} by send time; read the hops ({@link #observe}) first.
     */
    public java.util.List<String> unanswered(int limit) {
        return traces.entrySet().stream().filter(e -> !e.getValue().answered)
                .sorted(java.util.Comparator.comparingLong(e -> e.getValue().sentNanos)).limit(limit)
                .map(e -> e.getKey() + ": " + e.getValue().reached()).toList();
    }

    /** Notes the timestamp of a plan, task or attempt record of a measured request (the first one only). */
    public void observe(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null) {
            return;
        }
        Trace trace = traces.get(new String(record.key(), StandardCharsets.UTF_8));
        if (trace == null) {
            return;
        }
        if (record.topic().equals(Topics.PLANS.name())) {
            if (trace.planMs == 0) {
                trace.planMs = record.timestamp();
            }
        } else if (record.topic().equals(Topics.ATTEMPTS.name())) {
            if (trace.callStartMs == 0) {
                AttemptOutcome attempt = codec.decode(Topics.ATTEMPTS, record.value());
                trace.callStartMs = attempt.getStartedAtMs();
                trace.callEndMs = attempt.getCompletedAtMs();
            }
        } else if (trace.taskMs == 0) {
            trace.taskMs = record.timestamp();
        }
    }

    /** p50 / p99 of each hop over the requests seen whole, as table rows. */
    public Map<String, String> summary() {
        Histogram[] hops = new Histogram[5];
        for (int i = 0; i < hops.length; i++) {
            hops[i] = new Histogram(3_600_000L, 3);
        }
        for (Trace t : traces.values()) {
            if (!t.measured || t.planMs == 0 || t.taskMs == 0 || t.callStartMs == 0 || t.replyConsumedMs == 0) {
                continue;
            }
            record(hops[0], t.planMs - t.createdMs);
            record(hops[1], t.taskMs - t.planMs);
            record(hops[2], t.callStartMs - t.taskMs);
            record(hops[3], t.callEndMs - t.callStartMs);
            record(hops[4], t.replyConsumedMs - t.callEndMs);
        }
        String[] names = {"request → plan", "plan → task", "task → call start", "call", "call end → reply consumed"};
        Map<String, String> rows = new LinkedHashMap<>();
        for (int i = 0; i < hops.length; i++) {
            rows.put("hop " + names[i], String.format(Locale.ROOT, "p50 %d ms, p99 %d ms", hops[i].getValueAtPercentile(50),
                    hops[i].getValueAtPercentile(99)));
        }
        rows.put("hops measured", hops[0].getTotalCount() + " requests");
        return rows;
    }

    private static void record(Histogram histogram, long millis) {
        histogram.recordValue(Math.max(0, millis));
    }
}
