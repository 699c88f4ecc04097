package dev.switchboard.provider;

import dev.switchboard.platform.metrics.SwitchboardMetrics;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.Health;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.ConsumeTransformProduce;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.Topics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
    private final ConsumeTransformProduce loop;
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final CircuitPublisher circuits;
    private final TaskBacklog backlog;
    private final ScheduledExecutorService reports = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("switchboard-worker-health").factory());

    /** How often the pool's backlog is read from the brokers for {@code switchboard_task_backlog}. */
    static final long BACKLOG_READ_INTERVAL_MS = 5_000;

    public static String groupId(String provider) {
        return "switchboard-workers-" + provider;
    }

    /**
     * How a pool runs.
     *
     * @param maxInFlight most calls in flight (unless the provider sets its own {@code max.concurrent});
     *                    the adaptive limit moves below it
     * @param circuitOpen whether another provider's circuit is open (from {@code llm.provider-health})
     */
    public record Options(int maxInFlight, SwitchboardConfig.CircuitSettings circuit, Predicate<String> circuitOpen) {
    }

    public WorkerPool(ProviderClient client, KafkaClients clients, Codec codec, Options options) {
        this.client = client;
        this.provider = client.spec().name();
        Topic<ProviderTask> taskTopic = Topics.tasks(provider);
        this.topic = taskTopic.name();
        this.producer = clients.producer("switchboard-worker-" + provider + "-health");
        SwitchboardConfig.CircuitSettings circuit = options.circuit();
        int maxConcurrent = client.spec().maxConcurrent() > 0 ? client.spec().maxConcurrent() : options.maxInFlight();
        this.circuits = new CircuitPublisher(provider, codec, producer);
        this.guard = new ProviderGuard(client.spec(), new ProviderGuard.Settings(circuit.failureRateThreshold(),
                circuit.slidingWindow(), circuit.minimumCalls(), circuit.openFor(), circuit.permitWait()),
                maxConcurrent, circuits);
        circuits.watch(guard);
        SwitchboardMetrics.providerGauge("switchboard.worker.in.flight", "Provider calls in flight", provider, guard::inFlight);
        SwitchboardMetrics.providerGauge("switchboard.worker.concurrency.limit", "The adaptive limit of concurrent calls", provider,
                guard::concurrencyLimit);
        SwitchboardMetrics.providerGauge("switchboard.circuit.state", "The provider's circuit: 0 closed, 1 half-open, 2 open, 3 other",
                provider, () -> switch (guard.state()) {
                    case CLOSED -> 0;
                    case HALF_OPEN -> 1;
                    case OPEN -> 2;
                    default -> 3;
                });
        TaskOutcomes outcomes = new TaskOutcomes(codec,
                p -> (p.equals(provider) && guard.state() == CircuitBreaker.State.OPEN) || options.circuitOpen().test(p),
                "next".equals(circuit.contentFilteredPolicy()));
        this.runner = new TaskRunner(client, taskTopic, codec, guard, outcomes, new ChunkPublisher(codec, producer));
        // Tasks are taken while the adaptive limit has room, so a task taken never waits for a permit
        // because the pool took more than the provider is given.
        this.loop = new ConsumeTransformProduce(TaskOutcomes.STAGE, "switchboard-worker-" + provider, groupId(provider),
                topic, clients, codec, this::start, guard::concurrencyLimit);
        this.backlog = new TaskBacklog(clients, topic, groupId(provider));
        SwitchboardMetrics.providerGauge("switchboard.task.backlog", "Tasks waiting for the provider's pool (-1: not read yet)",
                provider, backlog::value);
    }

    private CompletableFuture<List<ProducerRecord<byte[], byte[]>>> start(ConsumerRecord<byte[], byte[]> record) {
        // The call's thread continues the record's span (the loop made it current).
        return CompletableFuture.supplyAsync(io.opentelemetry.context.Context.current().wrapSupplier(() -> {
            MDC.put("provider", provider);
            try {
                return runner.run(record);
            } finally {
                MDC.remove("provider");
            }
        }), calls);
    }

    public String provider() {
        return provider;
    }

    public WorkerPool start() {
        loop.start();
        reports.scheduleWithFixedDelay(circuits::reportLimit, 0, CircuitPublisher.LIMIT_REPORT_INTERVAL_MS, TimeUnit.MILLISECONDS);
        reports.scheduleWithFixedDelay(backlog::refresh, 0, BACKLOG_READ_INTERVAL_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Waits until the pool's consumer holds partitions of its topic. */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return loop.awaitAssignment(timeout);
    }

    @Override
    public String name() {
        return "workers." + provider;
    }

    /** Up while the pool's loop is (see {@link ConsumeTransformProduce#check()}); details add the calls and the circuit. */
    @Override
    public Health check() {
        Health loopHealth = loop.check();
        Map<String, Object> details = new java.util.LinkedHashMap<>(loopHealth.details());
        details.put("calls", guard.inFlight());
        details.put("concurrencyLimit", guard.concurrencyLimit());
        details.put("circuit", guard.state().name());
        details.put("failureRate", guard.failureRate());
        return new Health(loopHealth.up(), details);
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
        backlog.close();
        loop.close();
        calls.shutdown();
        producer.close(Duration.ofSeconds(5));
    }
}
