package dev.switchboard.provider;

import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.PollLoop;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.Topics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The worker pool of one provider; see the package documentation for how it runs. */
public final class WorkerPool implements AutoCloseable, HealthCheck {

    private final ProviderClient client;
    private final String provider;
    private final String topic;
    private final ProviderGuard guard;
    private final KafkaProducer<byte[], byte[]> producer;
    private final TaskRunner runner;
    private final List<ShareSlot> slots = new ArrayList<>();
    private final List<PollLoop> loops = new ArrayList<>();
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch subscribed;
    private final int batchSize;
    private final CircuitPublisher circuits;
    private final ScheduledExecutorService reports = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("switchboard-worker-health").factory());

    public static String groupId(String provider) {
        return "switchboard-workers-" + provider;
    }

    /**
     * How a pool runs.
     *
     * @param consumers     share consumers (slots) in the pool: a task waits only while every slot is busy
     * @param maxInFlight   most calls in flight, spread over the slots ({@code max.poll.records} of each)
     * @param deliveryLimit the broker's {@code group.share.delivery.count.limit}: a task delivered that
     *                      often is dead-lettered instead of run, before the broker would archive it
     * @param recordLockMs  the share group's record lock duration; running calls renew their lock at half of it
     * @param circuitOpen   whether another provider's circuit is open (from {@code llm.provider-health})
     */
    public record Options(int consumers, int maxInFlight, int deliveryLimit, int recordLockMs,
                          SwitchboardConfig.CircuitSettings circuit, Predicate<String> circuitOpen) {
    }

    public WorkerPool(ProviderClient client, KafkaClients clients, Codec codec, Options options) {
        this.client = client;
        this.provider = client.spec().name();
        Topic<ProviderTask> taskTopic = Topics.tasks(provider);
        this.topic = taskTopic.name();
        this.producer = clients.producer("switchboard-worker-" + provider);
        SwitchboardConfig.CircuitSettings circuit = options.circuit();
        int maxConcurrent = client.spec().maxConcurrent() > 0 ? client.spec().maxConcurrent() : options.maxInFlight();
        this.circuits = new CircuitPublisher(provider, codec, producer);
        this.guard = new ProviderGuard(client.spec(), new ProviderGuard.Settings(circuit.failureRateThreshold(),
                circuit.slidingWindow(), circuit.minimumCalls(), circuit.openFor(), circuit.permitWait()),
                maxConcurrent, circuits);
        circuits.watch(guard);
        TaskOutcomes outcomes = new TaskOutcomes(codec,
                p -> (p.equals(provider) && guard.state() == CircuitBreaker.State.OPEN) || options.circuitOpen().test(p),
                "next".equals(circuit.contentFilteredPolicy()));
        this.runner = new TaskRunner(client, taskTopic, codec, guard, outcomes, producer, options.deliveryLimit());
        int consumerCount = options.consumers();
        this.subscribed = new CountDownLatch(consumerCount);
        // Rounded down, so the slots' batches together stay within maxInFlight calls.
        this.batchSize = Math.max(1, options.maxInFlight() / consumerCount);
        long renewIntervalMs = Math.max(200, options.recordLockMs() / 2);
        String groupId = groupId(provider);
        for (int i = 0; i < consumerCount; i++) {
            String name = "switchboard-worker-" + provider + "-" + i;
            ShareSlot slot = new ShareSlot(name, topic, () -> clients.shareConsumer(groupId, name, batchSize), this::start,
                    renewIntervalMs, subscribed::countDown);
            slots.add(slot);
            loops.add(new PollLoop(name, slot::open, false));
        }
    }

    private CompletableFuture<AcknowledgeType> start(ConsumerRecord<byte[], byte[]> record) {
        return CompletableFuture.supplyAsync(() -> {
            MDC.put("provider", provider);
            try {
                return runner.run(record);
            } finally {
                MDC.remove("provider");
            }
        }, calls);
    }

    public String provider() {
        return provider;
    }

    public WorkerPool start() {
        loops.forEach(PollLoop::start);
        reports.scheduleWithFixedDelay(circuits::reportLimit, 0, CircuitPublisher.LIMIT_REPORT_INTERVAL_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Waits until every slot of the pool has joined the share group and polled once. */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return subscribed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String name() {
        return "workers." + provider;
    }

    /**
     * Up while every slot has polled or acknowledged within the provider's timeout and 10 s (a slot
     * settling a batch polls again when it is done); details give the calls in flight and the circuit.
     */
    @Override
    public Health check() {
        long now = System.currentTimeMillis();
        long oldest = Long.MAX_VALUE;
        int inFlight = 0;
        for (ShareSlot slot : slots) {
            oldest = Math.min(oldest, slot.lastActiveMs());
            inFlight += slot.inFlight();
        }
        long sinceActive = oldest == 0 ? -1 : now - oldest;
        boolean up = oldest > 0 && sinceActive < client.spec().timeout().toMillis() + 10_000;
        return new Health(up, Map.of("topic", topic, "consumers", slots.size(), "batch", batchSize,
                "inFlight", inFlight, "concurrencyLimit", guard.concurrencyLimit(), "oldestActiveMsAgo", sinceActive,
                "circuit", guard.state().name(), "failureRate", guard.failureRate()));
    }

    /** The guard: its circuit and its adaptive concurrency limit. */
    ProviderGuard guard() {
        return guard;
    }

    /** The guard's circuit state, for readiness. */
    public CircuitBreaker.State circuitState() {
        return guard.state();
    }

    @Override
    public void close() {
        reports.shutdownNow();
        slots.forEach(ShareSlot::close);
        Duration wait = client.spec().timeout().plusSeconds(10);
        loops.forEach(PollLoop::stop);
        loops.forEach(loop -> loop.close(wait));
        calls.shutdown();
        producer.close(Duration.ofSeconds(5));
    }
}
