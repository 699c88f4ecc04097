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

    /** A record as read back: where it was, and what it says. */
    public record Entry(int partition, long offset, AuditEvent event) {
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
            String where = "partition " + entry.partition() + " offset " + entry.offset() + " (event " + event.getEventId() + ")";
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
