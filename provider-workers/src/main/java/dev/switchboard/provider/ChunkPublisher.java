package dev.switchboard.provider;

import dev.switchboard.avro.LlmChunk;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Publishes the pieces of a streamed answer to {@code llm.chunks} as the provider gives them,
 * outside the pool's transaction: they are for a client watching now, and the reply, published with
 * the task's other outputs, stays the whole answer. A piece that cannot be published is logged and
 * skipped; the reply still carries it.
 */
final class ChunkPublisher {

    private static final Logger log = LoggerFactory.getLogger(ChunkPublisher.class);

    private final Codec codec;
    private final Producer<byte[], byte[]> producer;

    ChunkPublisher(Codec codec, Producer<byte[], byte[]> producer) {
        this.codec = codec;
        this.producer = producer;
    }

    /** Whether the task's request asked for its answer to be streamed. */
    static boolean wanted(ProviderTask task) {
        return "true".equals(task.getRequest().getAttributes().get(Topics.STREAM_ATTRIBUTE));
    }

    /** What takes the pieces of {@code task}'s call to {@code provider}'s {@code model}. */
    Consumer<String> forTask(ProviderTask task, String provider, String model) {
        AtomicInteger index = new AtomicInteger();
        String requestId = task.getRequestId();
        return piece -> {
            LlmChunk chunk = new LlmChunk(requestId, task.getAttempt(), index.getAndIncrement(), piece, provider, model,
                    System.currentTimeMillis());
            producer.send(codec.record(Topics.CHUNKS, requestId, chunk), (metadata, error) -> {
                if (error != null) {
                    log.warn("Chunk {} of request {} was not published: {}", chunk.getIndex(), requestId, error.toString());
                }
            });
        };
    }
}
