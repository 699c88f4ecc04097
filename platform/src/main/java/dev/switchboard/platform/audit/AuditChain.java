package dev.switchboard.platform.audit;

import dev.switchboard.avro.AuditEvent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hash chain of audit records. A linked record carries, in its details, {@value #WRITER} (the
 * chain it belongs to, also its Kafka key, so a chain stays in one partition and in order),
 * {@value #SEQ} (1, 2, 3, ... within the chain), {@value #PREV} (the previous record's hash; empty
 * for the first) and {@value #HASH}: SHA-256 over the previous hash and a canonical form of every
 * other field and detail.
 */
public final class AuditChain {

    public static final String WRITER = "chain.writer";
    public static final String SEQ = "chain.seq";
    public static final String PREV = "chain.prev";
    public static final String HASH = "chain.hash";

    private AuditChain() {
    }

    /** {@code event} linked as record {@code seq} of chain {@code writer} after the record hashed {@code prevHash}. */
    public static AuditEvent link(AuditEvent event, String writer, long seq, String prevHash) {
        Map<String, String> details = new LinkedHashMap<>(event.getDetails());
        details.keySet().removeIf(k -> k.startsWith("chain."));
        details.put(WRITER, writer);
        details.put(SEQ, Long.toString(seq));
        details.put(PREV, prevHash);
        AuditEvent linked = AuditEvent.newBuilder(event).setDetails(details).build();
        details.put(HASH, hash(linked));
        return AuditEvent.newBuilder(event).setDetails(details).build();
    }

    /** The hash {@code event} should carry: over every field and every detail but the hash itself, in a fixed order. */
    public static String hash(AuditEvent event) {
        StringBuilder canonical = new StringBuilder();
        for (String field : List.of(event.getEventId(), event.getActor(), event.getAction(), event.getTarget(), event.getOutcome(),
                Long.toString(event.getAtMs()))) {
            canonical.append(field.length()).append(':').append(field).append(';');
        }
        new TreeMap<>(event.getDetails()).forEach((k, v) -> {
            if (!k.equals(HASH)) {
                canonical.append(k.length()).append(':').append(k).append('=').append(v.length()).append(':').append(v).append(';');
            }
        });
        return dev.switchboard.platform.Sha256.hex(canonical.toString());
    }

    /** A record as read back: where it was (partition -1: a copy outside Kafka, such as ClickHouse's), and what it says. */
    public record Entry(int partition, long offset, AuditEvent event) {
        String where() {
            return (partition < 0 ? "the copy" : "partition " + partition + " offset " + offset) + " (event " + event.getEventId() + ")";
        }
    }

    /**
     * How two copies of the trail differ, chain by chain: {@code missing} are breaks (records or
     * chains the copy holds that the trail no longer does, or records that differ), {@code behind}
     * are records the copy has not taken yet.
     */
    public record Comparison(List<String> missing, List<String> behind) {
        public boolean agree() {
            return missing.isEmpty();
        }
    }

    /**
     * Compares the trail ({@code llm.audit}) with a copy of it (ClickHouse's {@code audit_log}) made
     * as it was written: a chain, or a chain's end, that the copy has and the trail does not was
     * removed from the trail, which the trail alone cannot show; a record whose hash differs between
     * them was changed in one; records the trail has and the copy lacks are only behind.
     */
    public static Comparison compare(List<Entry> trail, List<Entry> copy) {
        Map<String, Map<Long, String>> inTrail = bySeq(trail);
        Map<String, Map<Long, String>> inCopy = bySeq(copy);
        List<String> missing = new ArrayList<>();
        List<String> behind = new ArrayList<>();
        inCopy.forEach((writer, copied) -> {
            Map<Long, String> kept = inTrail.get(writer);
            if (kept == null) {
                missing.add("chain " + writer + " (" + copied.size() + " record(s)) is in the copy but not in the trail: removed");
                return;
            }
            List<Long> gone = new ArrayList<>();
            copied.forEach((seq, hash) -> {
                String trailHash = kept.get(seq);
                if (trailHash == null) {
                    gone.add(seq);
                } else if (!trailHash.equals(hash)) {
                    missing.add("record " + seq + " of chain " + writer + " differs between the trail and the copy");
                }
            });
            if (!gone.isEmpty()) {
                missing.add("record(s) " + ranges(gone) + " of chain " + writer + " are in the copy but not in the trail: removed");
            }
        });
        inTrail.forEach((writer, kept) -> {
            Map<Long, String> copied = inCopy.getOrDefault(writer, Map.of());
            long notCopied = kept.keySet().stream().filter(seq -> !copied.containsKey(seq)).count();
            if (notCopied > 0) {
                behind.add("chain " + writer + ": " + notCopied + " record(s) not in the copy yet");
            }
        });
        return new Comparison(missing, behind);
    }

    private static Map<String, Map<Long, String>> bySeq(List<Entry> entries) {
        Map<String, Map<Long, String>> chains = new TreeMap<>();
        for (Entry entry : entries) {
            Map<String, String> d = entry.event().getDetails();
            String writer = d.get(WRITER);
            if (writer == null) {
                continue;
            }
            try {
                chains.computeIfAbsent(writer, w -> new TreeMap<>()).put(Long.parseLong(d.getOrDefault(SEQ, "")), d.getOrDefault(HASH, ""));
            } catch (NumberFormatException e) {
                // A record without a sequence number: verify names it.
            }
        }
        return chains;
    }

    /** 1, 2, 3, 7 → "1-3, 7". */
    private static String ranges(List<Long> sorted) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
                j++;
            }
            parts.add(i == j ? Long.toString(sorted.get(i)) : sorted.get(i) + "-" + sorted.get(j));
            i = j + 1;
        }
        return String.join(", ", parts);
    }

    /** One chain's verdict: its records, and the first break found (null when intact). */
    public record ChainReport(String writer, int records, long firstAtMs, long lastAtMs, String broken) {
        public boolean intact() {
            return broken == null;
        }
    }

    /** What {@link #verify} found: each chain, and the records that belong to none (written before chaining). */
    public record Report(List<ChainReport> chains, int unchained) {
        public boolean intact() {
            return chains.stream().allMatch(ChainReport::intact);
        }
    }

    /**
     * Checks every chain of {@code entries} (in the order read, partition by partition): each record's
     * hash must be its own, its sequence number one more than the one before, and its previous hash
     * that record's hash. A changed record fails its hash; a removed one leaves a gap in the sequence;
     * records out of order break the sequence. The first chain record seen must be number 1, so a
     * chain's removed beginning is found; its removed end cannot be, from the chain alone.
     */
    public static Report verify(List<Entry> entries) {
        Map<String, List<Entry>> chains = new TreeMap<>();
        int unchained = 0;
        for (Entry entry : entries) {
            String writer = entry.event().getDetails().get(WRITER);
            if (writer == null) {
                unchained++;
            } else {
                chains.computeIfAbsent(writer, w -> new ArrayList<>()).add(entry);
            }
        }
        List<ChainReport> reports = new ArrayList<>();
        chains.forEach((writer, chain) -> reports.add(verifyChain(writer, chain)));
        return new Report(reports, unchained);
    }

    private static ChainReport verifyChain(String writer, List<Entry> chain) {
        String broken = null;
        String prevHash = "";
        long expectedSeq = 1;
        for (Entry entry : chain) {
            AuditEvent event = entry.event();
            String where = entry.where();
            String hash = event.getDetails().get(HASH);
            long seq;
            try {
                seq = Long.parseLong(event.getDetails().getOrDefault(SEQ, ""));
            } catch (NumberFormatException e) {
                broken = "record at " + where + " has no sequence number";
                break;
            }
            if (hash == null || !hash.equals(hash(event))) {
                broken = "record " + seq + " at " + where + " was changed: its hash is not its content's";
                break;
            }
            if (seq != expectedSeq) {
                broken = seq > expectedSeq
                        ? "record(s) " + expectedSeq + (seq - 1 > expectedSeq ? "-" + (seq - 1) : "") + " missing before record " + seq + " at " + where
                        : "record " + seq + " at " + where + " is out of order (expected record " + expectedSeq + ")";
                break;
            }
            if (!prevHash.equals(event.getDetails().getOrDefault(PREV, ""))) {
                broken = "record " + seq + " at " + where + " does not follow the record before it (previous hash differs)";
                break;
            }
            prevHash = hash;
            expectedSeq = seq + 1;
        }
        return new ChainReport(writer, chain.size(), chain.getFirst().event().getAtMs(), chain.getLast().event().getAtMs(), broken);
    }
}
