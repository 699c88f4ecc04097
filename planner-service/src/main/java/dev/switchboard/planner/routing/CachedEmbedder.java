package dev.switchboard.planner.routing;

import dev.switchboard.platform.Bounded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Embeds prompts on a thread of its own and remembers the last {@link #CACHED} vectors by the
 * prompt's SHA-256. The planner asks for a request's embedding as it polls the request
 * ({@link #prefetch}) and plans once the vector is there, so its poll thread never runs the model,
 * and a prompt seen before (a retry, a replay, a benchmark, a popular question) costs a lookup.
 *
 * <p>One prompt asked for by several requests at once is embedded once. The prompts are embedded one
 * after another: langchain4j's ONNX model runs one text per inference (its {@code embedAll} only
 * spreads texts over threads), and more threads would take cores from the broker and the workers on a
 * small machine. {@link #embed} (the learned router's, when it ranks or learns) takes the cached
 * vector, or waits for the one being computed, or computes it itself.
 */
public final class CachedEmbedder implements PromptEmbedder, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CachedEmbedder.class);

    /** Vectors kept (384 floats each: about 16 MB in all). */
    public static final int CACHED = 10_000;

    /** 128 bits of a prompt's SHA-256: the cache's key, so that long prompts are not kept. */
    private record Key(long high, long low) {
        static Key of(String text) {
            try {
                ByteBuffer digest = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256")
                        .digest(text.getBytes(StandardCharsets.UTF_8)));
                return new Key(digest.getLong(), digest.getLong());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }
    }

    private record Job(Key key, String text) {
    }

    private final PromptEmbedder model;
    private final Map<Key, float[]> cache = Bounded.leastRecentlyUsed(CACHED); // guarded by this
    private final Map<Key, CompletableFuture<float[]>> computing = new HashMap<>(); // guarded by this
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong computed = new AtomicLong();
    private final Thread thread;

    public CachedEmbedder(PromptEmbedder model) {
        this.model = model;
        this.thread = Thread.ofPlatform().daemon().name("planner-embedder").start(this::run);
    }

    /** The prompt's embedding, now when it is cached, else once the embedding thread has computed it. */
    public CompletableFuture<float[]> prefetch(String text) {
        Key key = Key.of(text);
        synchronized (this) {
            float[] cached = cache.get(key);
            if (cached != null) {
                hits.incrementAndGet();
                return CompletableFuture.completedFuture(cached);
            }
            CompletableFuture<float[]> pending = computing.get(key);
            if (pending != null) {
                hits.incrementAndGet();
                return pending;
            }
            CompletableFuture<float[]> future = new CompletableFuture<>();
            computing.put(key, future);
            queue.add(new Job(key, text));
            return future;
        }
    }

    @Override
    public float[] embed(String text) {
        Key key = Key.of(text);
        CompletableFuture<float[]> pending;
        synchronized (this) {
            float[] cached = cache.get(key);
            if (cached != null) {
                hits.incrementAndGet();
                return cached;
            }
            pending = computing.get(key);
        }
        if (pending != null) {
            hits.incrementAndGet();
            return pending.join();
        }
        float[] vector = model.embed(text);
        computed.incrementAndGet();
        synchronized (this) {
            cache.put(key, vector);
        }
        return vector;
    }

    /** Prompts answered from the cache (or from a computation already under way). */
    public long hits() {
        return hits.get();
    }

    /** Prompts the model embedded. */
    public long computed() {
        return computed.get();
    }

    private void run() {
        while (true) {
            Job job;
            try {
                job = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            CompletableFuture<float[]> future;
            try {
                float[] vector = model.embed(job.text());
                computed.incrementAndGet();
                synchronized (this) {
                    cache.put(job.key(), vector);
                    future = computing.remove(job.key());
                }
                future.complete(vector);
            } catch (RuntimeException e) {
                log.error("embedding a prompt failed", e);
                synchronized (this) {
                    future = computing.remove(job.key());
                }
                future.completeExceptionally(e);
            }
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
