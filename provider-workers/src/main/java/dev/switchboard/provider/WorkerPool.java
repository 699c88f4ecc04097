package dev.switchboard.provider;

import dev.switchboard.avro.ProviderHealth;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.Tokens;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.ReplayHeaders;
import dev.switchboard.platform.kafka.Replies;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Predicate;

/** The worker pool of one provider; see the package documentation for how it runs. */
public final class WorkerPool implements AutoCloseable, HealthCheck {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final long REGISTRY_RETRY_DELAY_MS = 1_000;
    private static final long RECOVERY_DELAY_MS = 1_000;
    private static final String REPORTER = ProcessHandle.current().pid() + "@" + hostName();

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    private final ProviderClient client;
    private final String provider;
    private final Topic<ProviderTask> taskTopic;
    private final String topic;
    private final String groupId;
    private final Codec codec;
    private final TaskOutcomes outcomes;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaClients clients;
    private final int deliveryLimit;
    private final int recordLockMs;
    private final long renewIntervalMs;
    private final ProviderGuard guard;
    private final int batchSize;
    private final AtomicReferenceArray<KafkaShareConsumer<byte[], byte[]>> consumers;
    private final List<Thread> threads = new ArrayList<>();
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch subscribed;
    private volatile boolean running = true;
    private final java.util.concurrent.atomic.AtomicLongArray lastPollMs;

    public static String groupId(String provider) {
        return "switchboard-workers-" + provider;
    }

    /**
     * How a pool runs.
     *
     * @param consumers     share consumers in the pool
     * @param maxInFlight   most calls in flight, spread over the consumers
     * @param deliveryLimit the broker's {@code group.share.delivery.count.limit}: a task delivered that
     *                      often is dead-lettered instead of run, before the broker would archive it
     * @param recordLockMs  the share group's record lock duration; running calls renew their lock at half of it
     * @param circuitOpen   whether another provider's circuit is open (from {@code llm.provider-health})
     */
    public record Options(int consumers, int maxInFlight, int deliveryLimit, int recordLockMs,
                          SwitchboardConfig.CircuitSettings circuit, Predicate<String> circuitOpen) {
    }

    public WorkerPool(ProviderClient client, KafkaClients clients, Codec codec, Options options) {
        this.deliveryLimit = options.deliveryLimit();
        this.recordLockMs = options.recordLockMs();
        this.renewIntervalMs = Math.max(200, options.recordLockMs() / 2);
        int consumerCount = options.consumers();
        int maxInFlight = options.maxInFlight();
        SwitchboardConfig.CircuitSettings circuit = options.circuit();
        int maxConcurrent = client.spec().maxConcurrent() > 0 ? client.spec().maxConcurrent() : maxInFlight;
        this.guard = new ProviderGuard(client.spec(), new ProviderGuard.Settings(circuit.failureRateThreshold(),
                circuit.slidingWindow(), circuit.minimumCalls(), circuit.openFor(), circuit.permitWait()),
                maxConcurrent, this::publishHealth);
        this.client = client;
        this.provider = client.spec().name();
        this.taskTopic = Topics.tasks(provider);
        this.topic = taskTopic.name();
        this.groupId = groupId(provider);
        this.codec = codec;
        this.outcomes = new TaskOutcomes(codec,
                p -> (p.equals(provider) && guard.state() == CircuitBreaker.State.OPEN) || options.circuitOpen().test(p),
                "next".equals(circuit.contentFilteredPolicy()));
        this.producer = clients.producer("switchboard-worker-" + provider);
        this.clients = clients;
        this.subscribed = new CountDownLatch(consumerCount);
        this.batchSize = Math.max(1, maxInFlight / consumerCount);
        this.consumers = new AtomicReferenceArray<>(consumerCount);
        this.lastPollMs = new java.util.concurrent.atomic.AtomicLongArray(consumerCount);
        for (int i = 0; i < consumerCount; i++) {
            int slot = i;
            consumers.set(slot, newConsumer(slot));
            threads.add(new Thread(() -> run(slot), "switchboard-worker-" + provider + "-" + slot));
        }
    }

    public String provider() {
        return provider;
    }

    public WorkerPool start() {
        threads.forEach(Thread::start);
        return this;
    }

    /** Waits until every consumer of the pool has joined the share group and polled once. */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return subscribed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs one consumer slot. An unexpected error closes the slot's consumer and opens a new one
     * after a back-off: records it held but had not acknowledged are redelivered by the broker when
     * their acquisition locks expire, so nothing is lost and the pool keeps its strength.
     */
    private void run(int slot) {
        MDC.put("provider", provider);
        boolean first = true;
        try {
            while (running) {
                KafkaShareConsumer<byte[], byte[]> consumer = consumers.get(slot);
                Map<String, Pending> pending = new HashMap<>();
                try {
                    consumer.subscribe(List.of(topic));
                    while (running) {
                        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
                        lastPollMs.set(slot, System.currentTimeMillis());
                        if (first) {
                            subscribed.countDown();
                            first = false;
                        }
                        if (!records.isEmpty()) {
                            processBatch(consumer, records, pending);
                        }
                        forgetLost(pending);
                    }
                } catch (WakeupException e) {
                    if (running) {
                        log.warn("Worker {}-{} woken up unexpectedly; carrying on", provider, slot);
                        continue;
                    }
                } catch (RuntimeException e) {
                    log.error("Worker {}-{} failed; reopening its consumer in {} ms", provider, slot, RECOVERY_DELAY_MS, e);
                    closeQuietly(consumer);
                    pause(RECOVERY_DELAY_MS);
                    if (running) {
                        consumers.set(slot, newConsumer(slot));
                    }
                    continue;
                }
                closeQuietly(consumer);
            }
        } finally {
            MDC.remove("provider");
        }
    }

    /** A call under way for a record, by {@code partition/offset}, kept across polls while its lock is renewed. */
    private record Pending(Future<AcknowledgeType> result, long startedMs) {
    }

    /**
     * Runs the calls of a batch (each record once, however often a renewal hands it back) and
     * acknowledges every record before the next poll, as explicit acknowledgement requires: a
     * finished call with its outcome, one still running with RENEW, which extends its lock. Waits for
     * the batch at most half the lock duration at a time, so no lock runs out under a long call.
     */
    private void processBatch(KafkaShareConsumer<byte[], byte[]> consumer, ConsumerRecords<byte[], byte[]> records,
                              Map<String, Pending> pending) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            batch.add(record);
            pending.computeIfAbsent(key(record), k -> new Pending(calls.submit(() -> process(record)), now));
        }
        long deadline = now + renewIntervalMs;
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            try {
                pending.get(key(record)).result().get(left, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // still running (renewed below) or failed (released below)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            Pending call = pending.get(key(record));
            if (call.result().isDone()) {
                consumer.acknowledge(record, await(call.result()));
                pending.remove(key(record));
            } else {
                log.debug("Renewing the lock on {} after {} ms", key(record), System.currentTimeMillis() - call.startedMs());
                consumer.acknowledge(record, AcknowledgeType.RENEW);
            }
        }
    }

    /**
     * Drops finished calls whose records never came back from a renewal (it failed, so the broker
     * hands them to another worker once their lock runs out; their outputs are already published).
     */
    private void forgetLost(Map<String, Pending> pending) {
        if (pending.isEmpty()) {
            return;
        }
        long cutoff = System.currentTimeMillis() - 2L * recordLockMs - client.spec().timeout().toMillis();
        pending.values().removeIf(call -> call.result().isDone() && call.startedMs() < cutoff);
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return record.partition() + "/" + record.offset();
    }

    private KafkaShareConsumer<byte[], byte[]> newConsumer(int slot) {
        return clients.shareConsumer(groupId, "switchboard-worker-" + provider + "-" + slot, batchSize);
    }

    private void closeQuietly(KafkaShareConsumer<byte[], byte[]> consumer) {
        try {
            consumer.close();
        } catch (RuntimeException e) {
            log.warn("Error closing share consumer of {}: {}", provider, e.toString());
        }
    }

    private static AcknowledgeType await(Future<AcknowledgeType> result) {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AcknowledgeType.RELEASE;
        } catch (java.util.concurrent.ExecutionException e) {
            log.error("Task processing failed unexpectedly; releasing the record for redelivery", e.getCause());
            return AcknowledgeType.RELEASE;
        }
    }

    /** Runs one task to its outputs on the broker; the acknowledgement for its record. */
    private AcknowledgeType process(ConsumerRecord<byte[], byte[]> record) {
        List<ProducerRecord<byte[], byte[]>> outputs;
        String requestId = null;
        try {
            int deliveries = record.deliveryCount().map(Short::intValue).orElse(1);
            if (deliveries >= deliveryLimit) {
                ProviderTask task = decodeOrNull(record);
                log.warn("Dead-lettering task {}-{}@{}: delivered {} times", record.topic(), record.partition(),
                        record.offset(), deliveries);
                outputs = outcomes.deliveryLimitReached(record, task, deliveries, System.currentTimeMillis());
            } else {
                ProviderTask task = codec.decode(taskTopic, record.value());
                requestId = task.getRequestId();
                MDC.put("requestId", requestId);
                if (Replies.expired(task.getRequest(), System.currentTimeMillis())) {
                    outputs = outcomes.expired(task, System.currentTimeMillis());
                } else {
                    String id = requestId;
                    String model = task.getSteps().get(task.getStepIndex()).getModel();
                    CallResult result = guard.call(Tokens.estimate(task.getRequest().getMessages()),
                            () -> client.complete(id, model, task.getRequest().getMessages()));
                    outputs = outcomes.outputs(record, task, client.spec(), result, System.currentTimeMillis());
                }
            }
        } catch (WireFormatException e) {
            if (e.isTransient()) {
                log.warn("Schema Registry unavailable; releasing {}-{}@{} for redelivery: {}", record.topic(),
                        record.partition(), record.offset(), e.getMessage());
                pause(REGISTRY_RETRY_DELAY_MS);
                return AcknowledgeType.RELEASE;
            }
            log.warn("Dead-lettering undecodable task {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            outputs = List.of(DeadLetters.record(codec, DeadLetters.undecodable(record, TaskOutcomes.STAGE, e)));
        } catch (RuntimeException e) {
            log.error("Dead-lettering task {}-{}@{} after an unexpected error", record.topic(), record.partition(),
                    record.offset(), e);
            outputs = List.of(DeadLetters.record(codec, DeadLetters.of(record, TaskOutcomes.STAGE, "PROCESSING_ERROR",
                    e.getClass().getName() + ": " + e.getMessage(), requestId, 0)));
        } finally {
            MDC.remove("requestId");
        }
        outputs.forEach(out -> ReplayHeaders.carry(record, out));
        return publish(outputs);
    }

    /** Tells every service that this provider's circuit changed state, on the compacted llm.provider-health. */
    private void publishHealth(CircuitBreaker.StateTransition transition) {
        log.warn("Circuit of {} went {}", provider, transition);
        ProviderHealth health = new ProviderHealth(provider, transition.getToState().name(), guard == null ? -1f : guard.failureRate(),
                REPORTER, System.currentTimeMillis());
        producer.send(codec.record(Topics.PROVIDER_HEALTH, provider, health), (metadata, error) -> {
            if (error != null) {
                log.error("Cannot publish the health of {}: {}", provider, error.toString());
            }
        });
    }

    @Override
    public String name() {
        return "workers." + provider;
    }

    /**
     * Up while every consumer slot has polled its share group within the record lock's reach (a slot
     * busy with a batch polls again when the batch is done); details give the circuit state.
     */
    @Override
    public Health check() {
        long now = System.currentTimeMillis();
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < lastPollMs.length(); i++) {
            oldest = Math.min(oldest, lastPollMs.get(i));
        }
        long sincePoll = oldest == 0 ? -1 : now - oldest;
        boolean up = oldest > 0 && sincePoll < client.spec().timeout().toMillis() + 10_000;
        return new Health(up, java.util.Map.of("topic", topic, "consumers", lastPollMs.length(),
                "oldestPollMsAgo", sincePoll, "circuit", guard.state().name(), "failureRate", guard.failureRate()));
    }

    /** The guard's circuit state, for readiness. */
    public CircuitBreaker.State circuitState() {
        return guard.state();
    }

    private ProviderTask decodeOrNull(ConsumerRecord<byte[], byte[]> record) {
        try {
            return codec.decode(taskTopic, record.value());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private AcknowledgeType publish(List<ProducerRecord<byte[], byte[]>> outputs) {
        List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>(outputs.size());
        for (ProducerRecord<byte[], byte[]> out : outputs) {
            CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
            producer.send(out, (metadata, error) -> {
                if (error != null) {
                    sent.completeExceptionally(error);
                } else {
                    sent.complete(metadata);
                }
            });
            sends.add(sent);
        }
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
            return AcknowledgeType.ACCEPT;
        } catch (RuntimeException e) {
            log.error("Publishing the outputs of a task failed; releasing it for redelivery", e);
            return AcknowledgeType.RELEASE;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        for (int i = 0; i < consumers.length(); i++) {
            try {
                consumers.get(i).wakeup();
            } catch (RuntimeException e) {
                // already closed after a failure
            }
        }
        for (Thread thread : threads) {
            try {
                thread.join(client.spec().timeout().toMillis() + 10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        calls.shutdown();
        producer.close(Duration.ofSeconds(5));
    }
}
