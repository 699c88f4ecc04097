package dev.switchboard.router.edge;

import dev.switchboard.avro.LlmChunk;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.platform.telemetry.Tracing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The edge's requests and their replies. It publishes requests (with an "accepted" marker on the
 * reply topic beside each) and reads all of the reply topic on a thread of its own, so that every
 * instance knows every request made through any instance: what it waits for, what a lookup asks
 * for, what an {@code Idempotency-Key} retry must not make again. It keeps the last
 * {@value #KEPT_ANSWERS} answers of the last {@code lookback}.
 */
final class RequestLog implements HealthCheck, AutoCloseable {

    /** Header of an accepted marker; its value is the SHA-256 of the request body, to refuse a key reused for another body. */
    static final String ACCEPTED_HEADER = "switchboard-accepted";
    /** Header of an accepted marker naming the request's tenant: only that tenant may look the request up. */
    static final String TENANT_HEADER = "switchboard-tenant";
    static final int KEPT_ANSWERS = 50_000;

    private static final Logger log = LoggerFactory.getLogger(RequestLog.class);

    /** One request: its reply once it has one. */
    static final class Entry {
        final CompletableFuture<LlmReply> reply = new CompletableFuture<>();
        /** Takes the streamed pieces of the answer, when a client of this instance streams it. */
        volatile java.util.function.Consumer<LlmChunk> chunks;
        volatile String bodyHash;
        /** The request's tenant, once known (from this instance, a marker or the reply); null before. */
        volatile String tenant;
        /** Whether this instance published the request (and someone here waits for it), not only read of it. */
        volatile boolean submittedHere;
        final long seenAtMs = System.currentTimeMillis();

        Entry(String bodyHash) {
            this.bodyHash = bodyHash;
        }

        /** Whether {@code tenant} may see this request: its own tenant, or anyone while that is not known. */
        boolean visibleTo(String tenant) {
            String owner = this.tenant;
            return owner == null || owner.equals(tenant);
        }

        /** The reply, or null while the request is in flight. */
        LlmReply replyNow() {
            return reply.getNow(null);
        }
    }

    /** A request handed to {@link #submit}: its entry, and whether this call published it (false: it was known). */
    record Submission(Entry entry, boolean published) {
    }

    private final Topic<LlmReply> replyTopic;
    private final Codec codec;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> reader;
    private final Duration lookback;
    private final Duration requestTimeout;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> answered = new ConcurrentLinkedQueue<>();
    private final AtomicInteger answeredCount = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastPollMs;
    private volatile String failure;

    RequestLog(KafkaClients clients, Codec codec, String replyTopic, Duration lookback, Duration requestTimeout) {
        this.replyTopic = Topics.replies(replyTopic);
        this.codec = codec;
        this.lookback = lookback;
        this.requestTimeout = requestTimeout;
        this.producer = clients.producer("switchboard-edge");
        this.reader = clients.reader("switchboard-edge-replies");
        this.thread = Thread.ofPlatform().name("switchboard-edge-replies").daemon().unstarted(this::run);
    }

    RequestLog start() {
        thread.start();
        return this;
    }

    /** Waits until the reply topic has been read up to where it ended at start. */
    boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        try {
            caughtUp.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    /** Requests this instance published that have no reply yet. */
    int waiting() {
        return waiting.get();
    }

    Entry find(String requestId) {
        return entries.get(requestId);
    }

    /**
     * Publishes {@code request} to {@code llm.requests} under {@code key}, unless its id is known
     * (an {@code Idempotency-Key} retry): then the known entry is returned and nothing is published.
     */
    Submission submit(LlmRequest request, String key, String bodyHash) {
        return submit(request, key, bodyHash, null, null, true);
    }

    /**
     * As {@link #submit(LlmRequest, String, String)}; the record carries {@code authorization} (the
     * caller's {@code Bearer} token, null when security is off) for the planner to verify; when
     * published, {@code chunks} takes the pieces of its streamed answer. {@code marked}: write the
     * accepted marker, so that other instances (and
     * this one after a restart) know of the request before its reply; a request that nobody can look
     * up or retry by id before it is answered need not pay for it.
     */
    Submission submit(LlmRequest request, String key, String bodyHash, String authorization,
                      java.util.function.Consumer<LlmChunk> chunks, boolean marked) {
        String id = request.getRequestId();
        Entry fresh = new Entry(bodyHash);
        fresh.chunks = chunks;
        fresh.tenant = request.getTenantId();
        fresh.submittedHere = true;
        Entry known = entries.putIfAbsent(id, fresh);
        if (known != null) {
            return new Submission(known, false);
        }
        ProducerRecord<byte[], byte[]> record;
        try {
            record = Credentials.withToken(codec.record(Topics.REQUESTS, key, request), authorization);
            // The caller's span (the edge's HTTP span): the planner's span is its child.
            Tracing.inject(io.opentelemetry.context.Context.current(), record.headers());
        } catch (RuntimeException e) {
            entries.remove(id, fresh);
            throw e;
        }
        waiting.incrementAndGet();
        fresh.reply.whenComplete((reply, error) -> waiting.decrementAndGet());
        producer.send(record, (metadata, error) -> {
            if (error != null) {
                entries.remove(id, fresh);
                fresh.reply.completeExceptionally(error);
            }
        });
        if (!marked) {
            return new Submission(fresh, true);
        }
        ProducerRecord<byte[], byte[]> marker = new ProducerRecord<>(replyTopic.name(), id.getBytes(StandardCharsets.UTF_8), null);
        marker.headers().add(ACCEPTED_HEADER, bodyHash.getBytes(StandardCharsets.UTF_8));
        marker.headers().add(TENANT_HEADER, request.getTenantId().getBytes(StandardCharsets.UTF_8));
        producer.send(marker, (metadata, error) -> {
            if (error != null) {
                log.warn("Edge: the accepted marker of request {} was not written ({}); other instances learn of it at its reply",
                        id, error.toString());
            }
        });
        return new Submission(fresh, true);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = partitions(replyTopic.name());
            List<TopicPartition> chunkPartitions = partitions(Topics.CHUNKS.name());
            List<TopicPartition> all = new ArrayList<>(partitions);
            all.addAll(chunkPartitions);
            reader.assign(all);
            reader.seekToEnd(chunkPartitions);
            long from = System.currentTimeMillis() - lookback.toMillis();
            Map<TopicPartition, Long> times = new HashMap<>();
            partitions.forEach(p -> times.put(p, from));
            Map<TopicPartition, OffsetAndTimestamp> byTime = reader.offsetsForTimes(times);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions);
            long perPartition = Math.max(1, KEPT_ANSWERS / partitions.size());
            for (TopicPartition partition : partitions) {
                OffsetAndTimestamp at = byTime.get(partition);
                long end = ends.get(partition);
                long offset = at == null ? end : Math.max(at.offset(), end - perPartition);
                reader.seek(partition, Math.max(0, offset));
            }
            long nextSweep = System.currentTimeMillis() + 10_000;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    apply(record);
                }
                lastPollMs = System.currentTimeMillis();
                if (!caughtUp.isDone() && partitions.stream().allMatch(p -> reader.position(p) >= ends.get(p))) {
                    caughtUp.complete(null);
                    log.info("Edge: read back {} requests of the last {} s on {}", entries.size(), lookback.toSeconds(), replyTopic.name());
                }
                if (lastPollMs >= nextSweep) {
                    sweep(lastPollMs);
                    nextSweep = lastPollMs + 10_000;
                }
            }
        } catch (WakeupException e) {
            if (running) {
                failure = e.toString();
            }
        } catch (RuntimeException e) {
            failure = e.toString();
            log.error("Edge: the reader of {} stopped", replyTopic.name(), e);
            caughtUp.completeExceptionally(e);
        } finally {
            reader.close(Duration.ofSeconds(2));
        }
    }

    private List<TopicPartition> partitions(String topic) {
        while (running) {
            List<PartitionInfo> infos = reader.partitionsFor(topic);
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> partitions = new ArrayList<>();
                infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
                return partitions;
            }
        }
        throw new WakeupException();
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null) {
            log.warn("Edge: record {}-{}@{} has no key (a request id); ignored", record.topic(), record.partition(), record.offset());
            return;
        }
        String id = new String(record.key(), StandardCharsets.UTF_8);
        if (record.topic().equals(Topics.CHUNKS.name())) {
            Entry entry = entries.get(id);
            java.util.function.Consumer<LlmChunk> listener = entry == null ? null : entry.chunks;
            if (listener != null && record.value() != null) {
                try {
                    listener.accept(codec.decode(Topics.CHUNKS, record.value()));
                } catch (RuntimeException e) {
                    log.warn("Edge: chunk {}-{}@{} of request {} cannot be decoded ({}); its reply still carries it",
                            record.topic(), record.partition(), record.offset(), id, e.getMessage());
                }
            }
            return;
        }
        if (record.value() == null) {
            Header accepted = record.headers().lastHeader(ACCEPTED_HEADER);
            String hash = accepted == null || accepted.value() == null ? null : new String(accepted.value(), StandardCharsets.UTF_8);
            Entry entry = entries.computeIfAbsent(id, k -> new Entry(hash));
            if (entry.bodyHash == null) {
                entry.bodyHash = hash;
            }
            Header tenant = record.headers().lastHeader(TENANT_HEADER);
            if (entry.tenant == null && tenant != null && tenant.value() != null) {
                entry.tenant = new String(tenant.value(), StandardCharsets.UTF_8);
            }
            return;
        }
        LlmReply reply;
        try {
            reply = codec.decode(replyTopic, record.value());
        } catch (RuntimeException e) {
            log.warn("Edge: reply {}-{}@{} of request {} cannot be decoded ({}); its request will time out",
                    record.topic(), record.partition(), record.offset(), id, e.getMessage());
            return;
        }
        Entry entry = entries.computeIfAbsent(id, k -> new Entry(null));
        entry.tenant = reply.getTenantId();
        if (entry.submittedHere && !entry.reply.isDone()) {
            // The reply's last hop, in its trace: the moment this edge read it (a child of the span that sent it),
            // ended before the waiting request is answered, so it lies within the request's span.
            Tracing.process(Edge.SERVICE, record).setAttribute(Tracing.REQUEST_ID, id).end();
        }
        if (entry.reply.complete(reply)) {
            answered.add(id);
            if (answeredCount.incrementAndGet() > KEPT_ANSWERS) {
                String oldest = answered.poll();
                answeredCount.decrementAndGet();
                if (oldest != null) {
                    entries.remove(oldest);
                }
            }
        }
    }

    /** Forgets answers older than the lookback and requests unanswered long past their deadline. */
    private void sweep(long nowMs) {
        long answeredBefore = nowMs - lookback.toMillis();
        long pendingBefore = nowMs - lookback.toMillis() - requestTimeout.toMillis();
        entries.entrySet().removeIf(e -> e.getValue().reply.isDone()
                ? e.getValue().seenAtMs < answeredBefore : e.getValue().seenAtMs < pendingBefore);
    }

    @Override
    public String name() {
        return "edge";
    }

    @Override
    public Health check() {
        boolean polling = System.currentTimeMillis() - lastPollMs < 10_000;
        boolean up = caughtUp.isDone() && !caughtUp.isCompletedExceptionally() && polling && failure == null;
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("replyTopic", replyTopic.name());
        details.put("caughtUp", caughtUp.isDone() && !caughtUp.isCompletedExceptionally());
        details.put("waiting", waiting.get());
        details.put("known", entries.size());
        if (failure != null) {
            details.put("error", failure);
        }
        return new Health(up, details);
    }

    @Override
    public void close() {
        running = false;
        reader.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        entries.values().forEach(e -> e.reply.completeExceptionally(new IllegalStateException("The edge is stopping")));
    }
}
