package dev.switchboard.platform.dlq;

import dev.switchboard.avro.AuditEvent;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.Header;
import dev.switchboard.platform.audit.AuditWriter;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.ReplayHeaders;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/** Plans and runs dead-letter replays; see the package documentation. */
public final class Replayer {

    /** What a running replay reports after each record. */
    public interface Progress {
        void update(int done, int total);
    }

    /** What a replay run did. */
    public record Result(int replayed, int parked, boolean interrupted) {
    }

    static final String TRANSACTIONAL_ID = "switchboard-dlq-replay";
    private static final int RECORDS_PER_TRANSACTION = 50;
    /** How long a run waits, at most, for its ledger to become readable after the last commit. */
    private static final java.time.Duration READABLE_WAIT = java.time.Duration.ofSeconds(30);
    private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(Replayer.class);

    private final KafkaClients clients;
    private final Codec codec;
    private final DeadLetterLog log;
    private final int maxReplays;
    private final String requestToken;
    private volatile boolean cancelled;

    /** @param maxReplays how often one request may be replayed before its dead letter is parked */
    public Replayer(KafkaClients clients, Codec codec, int maxReplays) {
        this(clients, codec, maxReplays, null);
    }

    /**
     * @param requestToken the replaying operator's token, carried by every request replayed to
     *                     {@code llm.requests} instead of the original (which may have expired, or
     *                     have been why it was dead-lettered); null keeps the original headers
     */
    public Replayer(KafkaClients clients, Codec codec, int maxReplays, String requestToken) {
        this.clients = clients;
        this.codec = codec;
        this.log = new DeadLetterLog(clients, codec);
        this.maxReplays = maxReplays;
        this.requestToken = requestToken;
    }

    /** The dead letters {@code filter} selects (a {@link DeadLetterFilter}, or any rule), at most {@code max}, not yet replayed. */
    public ReplayPlan plan(java.util.function.Predicate<DeadLetterEntry> filter, int max) {
        Set<String> replayed = log.replayed();
        List<DeadLetterEntry> replay = new ArrayList<>();
        List<DeadLetterEntry> park = new ArrayList<>();
        int already = 0;
        Map<String, Integer> reasons = new TreeMap<>();
        for (DeadLetterEntry entry : log.entries()) {
            if (!filter.test(entry)) {
                continue;
            }
            if (replayed.contains(entry.id())) {
                already++;
                continue;
            }
            if (replay.size() + park.size() >= max) {
                break;
            }
            (entry.replayCount() >= maxReplays ? park : replay).add(entry);
            reasons.merge(entry.letter().getErrorClass(), 1, Integer::sum);
        }
        return new ReplayPlan(replay, park, already, reasons);
    }

    /**
     * Replays the plan at most {@code ratePerSecond} records a second (0: as fast as it goes), to
     * {@code to} or each record's original topic when null. Each record and its ledger entry are
     * committed together; a run stopped half-way leaves only whole replays behind.
     */
    public Result run(ReplayPlan plan, String to, double ratePerSecond, String actor, Progress progress) {
        int done = 0;
        int replayed = 0;
        int parked = 0;
        boolean interrupted = false;
        long started = System.nanoTime();
        List<DeadLetterEntry> all = new ArrayList<>(plan.replay());
        all.addAll(plan.park());
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> ledger = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = clients.transactionalProducer("switchboard-dlq-replay", TRANSACTIONAL_ID)) {
            producer.initTransactions();
            // Any earlier run under this transactional id is now committed or aborted (a running one is fenced):
            // what the ledger says now is final, and what another run replayed since this plan was made is left out.
            Set<String> replayedSince = log.replayed();
            all.removeIf(entry -> replayedSince.contains(entry.id()));
            int inTransaction = 0;
            producer.beginTransaction();
            for (DeadLetterEntry entry : all) {
                if (cancelled || Thread.currentThread().isInterrupted()) {
                    interrupted = true;
                    break;
                }
                pace(ratePerSecond, started, done);
                boolean park = entry.replayCount() >= maxReplays;
                producer.send(park ? parkRecord(entry) : replayRecord(entry, to));
                ledger.add(producer.send(new ProducerRecord<>(Topics.DLQ_REPLAYS, entry.id().getBytes(StandardCharsets.UTF_8),
                        ((park ? "parked " : "replayed to ") + (park ? Topics.DLQ_PARKED.name() : target(entry, to)))
                                .getBytes(StandardCharsets.UTF_8))));
                if (park) {
                    parked++;
                } else {
                    replayed++;
                }
                done++;
                if (++inTransaction == RECORDS_PER_TRANSACTION) {
                    producer.commitTransaction();
                    producer.beginTransaction();
                    inTransaction = 0;
                }
                progress.update(done, all.size());
            }
            producer.commitTransaction();
        }
        // The commit markers reach the partitions after commitTransaction returns: wait until a reader
        // sees the ledger, so a plan made right after this run (a re-run, dlq list) counts what it replayed.
        if (!TopicReader.awaitReadable(clients, TopicReader.after(ledger), READABLE_WAIT)) {
            logger.warn("Replayed dead letters are not readable on {} after {} s; a re-run started now may not see them yet",
                    Topics.DLQ_REPLAYS, READABLE_WAIT.toSeconds());
        }
        audit(plan, to, actor, replayed, parked, interrupted);
        return new Result(replayed, parked, interrupted);
    }

    /** Stops a running replay after the record in hand; what was replayed is committed, the rest left for a re-run. */
    public void cancel() {
        cancelled = true;
    }

    private static String target(DeadLetterEntry entry, String to) {
        return to != null ? to : entry.letter().getOriginalTopic();
    }

    private ProducerRecord<byte[], byte[]> replayRecord(DeadLetterEntry entry, String to) {
        DeadLetter letter = entry.letter();
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(target(entry, to),
                letter.getKey() == null ? null : DeadLetters.bytes(letter.getKey()),
                letter.getValue() == null ? null : DeadLetters.bytes(letter.getValue()));
        for (Header header : letter.getHeaders()) {
            if (!header.getKey().equals(ReplayHeaders.COUNT) && !header.getKey().equals(ReplayHeaders.FROM)) {
                out.headers().add(header.getKey(), header.getValue() == null ? null : DeadLetters.bytes(header.getValue()));
            }
        }
        out.headers().add(ReplayHeaders.COUNT, Integer.toString(entry.replayCount() + 1).getBytes(StandardCharsets.UTF_8));
        out.headers().add(ReplayHeaders.FROM, (Topics.DLQ.name() + "/" + entry.id()).getBytes(StandardCharsets.UTF_8));
        if (requestToken != null && out.topic().equals(Topics.REQUESTS.name())) {
            Credentials.attach(out.headers(), requestToken);
        }
        return out;
    }

    private ProducerRecord<byte[], byte[]> parkRecord(DeadLetterEntry entry) {
        DeadLetter letter = entry.letter();
        return new ProducerRecord<>(Topics.DLQ_PARKED.name(),
                letter.getKey() == null ? null : DeadLetters.bytes(letter.getKey()), codec.encode(Topics.DLQ_PARKED, letter));
    }

    private void audit(ReplayPlan plan, String to, String actor, int replayed, int parked, boolean interrupted) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("selected", Integer.toString(plan.total()));
        details.put("replayed", Integer.toString(replayed));
        details.put("parked", Integer.toString(parked));
        details.put("alreadyReplayed", Integer.toString(plan.alreadyReplayed()));
        details.put("reasons", plan.reasons().toString());
        AuditEvent event = AuditEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setActor(actor)
                .setAction("dlq.replay")
                .setTarget(to != null ? to : "original topics")
                .setOutcome(interrupted ? "INTERRUPTED" : "SUCCEEDED")
                .setDetails(details)
                .setAtMs(System.currentTimeMillis())
                .build();
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("switchboard-audit")) {
            new AuditWriter(codec, "dlq-replay").publish(producer, event, null).get();
        } catch (Exception e) {
            throw new IllegalStateException("Replay done but its audit record could not be written: " + e.getMessage(), e);
        }
    }

    private static void pace(double ratePerSecond, long startedNanos, int done) {
        if (ratePerSecond <= 0) {
            return;
        }
        long due = startedNanos + (long) (done / ratePerSecond * 1e9);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
