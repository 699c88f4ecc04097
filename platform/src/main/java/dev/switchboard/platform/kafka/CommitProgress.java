package dev.switchboard.platform.kafka;

import java.util.Base64;
import java.util.BitSet;

/**
 * Which records after a committed offset are already done, carried in the commit's metadata, so the
 * next owner of the partition skips them instead of processing them again. A consumer that handles
 * records concurrently commits up to its oldest unfinished record; without this, a crash would
 * repeat every record finished after it (for a worker pool, a paid provider call each).
 *
 * <p>Format: {@code sb1:} and the URL-safe base64 of a bit set whose bit {@code i} stands for offset
 * {@code committed + 1 + i} (the committed offset itself is never done). It is cut to
 * {@link #MAX_BYTES} bytes, so the metadata stays under the broker's {@code offset.metadata.max.bytes}
 * (4,096 by default); records past the cut are processed again, which at least once allows.
 * Hand-written: the encoding is Switchboard's own, as Confluent Parallel Consumer's is its own.
 */
public final class CommitProgress {

    static final String PREFIX = "sb1:";
    /** 2,900 bytes, 3,868 characters of base64: the done state of 23,200 offsets after the commit. */
    static final int MAX_BYTES = 2_900;
    /** The offsets after the commit whose done state fits. */
    static final int MAX_BITS = MAX_BYTES * 8;

    private final long committed;
    private final BitSet done;

    private CommitProgress(long committed, BitSet done) {
        this.committed = committed;
        this.done = done;
    }

    /** The metadata of a commit whose records after it are {@code done} (bit i: offset committed + 1 + i); empty when none are. */
    static String encode(BitSet done) {
        if (done.isEmpty()) {
            return "";
        }
        byte[] bytes = done.toByteArray();
        if (bytes.length > MAX_BYTES) {
            bytes = java.util.Arrays.copyOf(bytes, MAX_BYTES);
        }
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The progress a commit at {@code committed} carries; none when its metadata is empty or another program's. */
    static CommitProgress decode(long committed, String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return new CommitProgress(committed, new BitSet());
        }
        try {
            return new CommitProgress(committed, BitSet.valueOf(Base64.getUrlDecoder().decode(metadata.substring(PREFIX.length()))));
        } catch (IllegalArgumentException e) {
            return new CommitProgress(committed, new BitSet());
        }
    }

    /** Whether the record at {@code offset} was done when the commit was made. */
    boolean isDone(long offset) {
        long bit = offset - committed - 1;
        return bit >= 0 && bit < Integer.MAX_VALUE && done.get((int) bit);
    }

    /** How many records after the commit were done. */
    int doneCount() {
        return done.cardinality();
    }
}
