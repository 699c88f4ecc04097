package dev.switchboard.tools.agent;

import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.platform.Bounded;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.LogFollower;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Requests that agents and built-in tools make through the pipeline itself, each planned, budgeted
 * and audited as any other: published on {@code llm.requests} with {@code llm.replies.agents} as
 * their replyTo, and answered when that reply is read. The reply topic is read from its beginning
 * (it keeps a day), so a process that takes over a run finds the replies to what an earlier process
 * asked and does not ask again: {@link #call} with a requestId already answered returns that reply.
 */
public final class PipelineCalls implements AutoCloseable {

    private final Codec codec;
    private final Producer<byte[], byte[]> producer;
    private final LogFollower follower;
    private final Map<String, CompletableFuture<LlmReply>> pending = new ConcurrentHashMap<>();
    /** Replies read, by requestId; guarded by itself. */
    private final Map<String, LlmReply> answered = Bounded.leastRecentlyUsed(100_000);
    /** The requestIds this instance has published, answered or not; guarded by itself. */
    private final Map<String, Boolean> published = Bounded.leastRecentlyUsed(100_000);
    private final java.util.function.Function<String, String> tokens;
    private final CountDownLatch caughtUp = new CountDownLatch(1);

    /**
     * @param tokens the token a request of a tenant carries (null: none, for a stack with security off)
     */
    public PipelineCalls(KafkaClients clients, Codec codec, Producer<byte[], byte[]> producer, String name,
                         java.util.function.Function<String, String> tokens) {
        this.tokens = tokens;
        this.codec = codec;
        this.producer = producer;
        this.follower = LogFollower.fromBeginning(name, clients.reader(name), Topics.AGENT_REPLIES.name(), this::read, caughtUp);
    }

    private void read(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return;
        }
        LlmReply reply = codec.decode(Topics.AGENT_REPLIES, record.value());
        synchronized (answered) {
            answered.putIfAbsent(reply.getRequestId(), reply);
        }
        CompletableFuture<LlmReply> waiting = pending.remove(reply.getRequestId());
        if (waiting != null) {
            waiting.complete(reply);
        }
    }

    /**
     * The reply to {@code request} (its replyTo is set here): the one already on the reply topic for
     * its requestId, else the reply to it published now.
     *
     * @throws TimeoutException when no reply came within {@code timeout}
     */
    public LlmReply call(LlmRequest request, Duration timeout) throws TimeoutException, InterruptedException {
        if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("the reader of " + Topics.AGENT_REPLIES.name() + " has not caught up within " + timeout);
        }
        String id = request.getRequestId();
        CompletableFuture<LlmReply> reply = pending.computeIfAbsent(id, k -> new CompletableFuture<>());
        synchronized (answered) {
            LlmReply known = answered.get(id);
            if (known != null) {
                pending.remove(id);
                return known;
            }
        }
        boolean first;
        synchronized (published) {
            first = published.put(id, Boolean.TRUE) == null;
        }
        // Asked again (a retry after a timeout), the request is on its way already: its reply is waited for, not asked twice.
        if (first) {
            request.setReplyTo(Topics.AGENT_REPLIES.name());
            producer.send(dev.switchboard.platform.auth.Credentials.withToken(codec.record(Topics.REQUESTS, id, request),
                    tokens.apply(request.getTenantId())));
        }
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    /** The requests waiting for a reply now. */
    public int waiting() {
        return pending.size();
    }

    @Override
    public void close() {
        follower.close();
    }

}
