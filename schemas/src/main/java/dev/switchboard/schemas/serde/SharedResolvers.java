package dev.switchboard.schemas.serde;

import org.apache.avro.Schema;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.ResolvingDecoder;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Resolving decoders for one writer and one reader schema, shared by every thread. Avro's readers
 * keep theirs per thread, which costs nothing on a poll thread but on virtual threads, one per task,
 * means resolving the schemas and flattening the grammar again for every record read. A decoder is
 * taken for one read and given back only when that read completed, since a failed one may leave it
 * in the middle of a record. Hand-written: Avro has no shared cache.
 */
final class SharedResolvers {

    /** Idle decoders kept at most; more readers at once build their own and drop them after. */
    static final int MAX_IDLE = 64;

    /** A read against a configured decoder. */
    interface Read<T> {
        T from(ResolvingDecoder decoder) throws IOException;
    }

    private final Schema writer;
    private final Schema reader;
    private final Queue<ResolvingDecoder> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final AtomicInteger built = new AtomicInteger();

    SharedResolvers(Schema writer, Schema reader) {
        this.writer = writer;
        this.reader = reader;
    }

    /** Runs {@code read} with a decoder configured on {@code in}, then drains it as Avro's readers do. */
    <T> T read(Decoder in, Read<T> read) throws IOException {
        ResolvingDecoder decoder = idle.poll();
        if (decoder == null) {
            decoder = DecoderFactory.get().resolvingDecoder(Schema.applyAliases(writer, reader), reader, null);
            built.incrementAndGet();
        } else {
            idleCount.decrementAndGet();
        }
        decoder.configure(in);
        T value = read.from(decoder);
        decoder.drain();
        if (idleCount.incrementAndGet() <= MAX_IDLE) {
            idle.offer(decoder);
        } else {
            idleCount.decrementAndGet();
        }
        return value;
    }

    /** Decoders built so far. */
    int built() {
        return built.get();
    }
}
