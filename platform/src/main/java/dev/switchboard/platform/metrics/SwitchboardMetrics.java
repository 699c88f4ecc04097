package dev.switchboard.platform.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The process's Prometheus metrics (Micrometer), one registry for every service a process runs,
 * scraped at {@code /metrics}. The names are the public contract (see docs/monitoring.md):
 * {@code switchboard_requests_total{status,provider}}, {@code switchboard_request_duration_seconds{stage}}
 * (plan, queue, call, total), {@code gen_ai_client_operation_duration_seconds} and
 * {@code gen_ai_client_token_usage} (by provider, model, token type, after OpenTelemetry's GenAI
 * conventions), {@code switchboard_cost_usd_total{tenant,provider}},
 * {@code switchboard_dlq_records_total{stage,error_class}}, the worker pools' gauges (in flight,
 * concurrency limit, circuit, task backlog), {@code switchboard_budget_used_ratio{tenant}} and JVM metrics.
 * Counters count what a service published; a record published again after a crash counts again,
 * so they are signals for operators, and ClickHouse holds the exact figures.
 */
public final class SwitchboardMetrics {

    private static final PrometheusMeterRegistry REGISTRY = newRegistry();

    private SwitchboardMetrics() {
    }

    private static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** The registry, for instrumentation that binds itself (Kafka clients). */
    public static PrometheusMeterRegistry registry() {
        return REGISTRY;
    }

    /**
     * The Kafka client's own metrics (records consumed and sent, fetch and request latency, lag) as
     * {@code kafka_consumer_*} and {@code kafka_producer_*}, tagged with its client id, until the
     * returned handle is closed with the client.
     */
    public static AutoCloseable bind(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics metrics = new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(consumer);
        metrics.bindTo(REGISTRY);
        return metrics;
    }

    /** As {@link #bind(org.apache.kafka.clients.consumer.Consumer)}, for a producer. */
    public static AutoCloseable bind(org.apache.kafka.clients.producer.Producer<?, ?> producer) {
        io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics metrics = new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(producer);
        metrics.bindTo(REGISTRY);
        return metrics;
    }

    /** Every metric in Prometheus' text format. */
    public static String scrape() {
        return REGISTRY.scrape();
    }

    /** A reply published: its status, the provider that answered or failed last ("none" when none was called). */
    public static void reply(String status, String provider, long totalMs) {
        String who = provider == null || provider.isBlank() ? "none" : provider;
        Counter.builder("switchboard.requests").description("Requests answered, by final status and the provider that answered")
                .tag("status", status).tag("provider", who).register(REGISTRY).increment();
        stage("total", totalMs);
    }

    /** Time a request spent in one stage: plan (created → planned), queue (dispatched → call start), call, total. */
    public static void stage(String stage, long millis) {
        Timer.builder("switchboard.request.duration").description("Time requests spend in each stage: plan, queue, call, total")
                .tag("stage", stage).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5)).register(REGISTRY).record(Duration.ofMillis(Math.max(0, millis)));
    }

    /** One provider call: its duration and outcome, and its tokens when it answered. */
    public static void call(String provider, String model, String errorType, long millis, long inputTokens, long outputTokens) {
        Timer.Builder duration = Timer.builder("gen_ai.client.operation.duration").description("Provider calls, by provider and model")
                .tag("gen_ai_system", provider).tag("gen_ai_request_model", model == null ? "" : model)
                .tag("error_type", errorType == null ? "" : errorType)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5));
        duration.register(REGISTRY).record(Duration.ofMillis(Math.max(0, millis)));
        stage("call", millis);
        if (errorType == null) {
            tokens(provider, model, "input", inputTokens);
            tokens(provider, model, "output", outputTokens);
        }
    }

    private static void tokens(String provider, String model, String type, long count) {
        DistributionSummary.builder("gen_ai.client.token.usage").description("Tokens per provider call, by type")
                .tag("gen_ai_system", provider).tag("gen_ai_request_model", model == null ? "" : model).tag("gen_ai_token_type", type)
                .register(REGISTRY).record(count);
    }

    /** What a successful call cost, charged to its tenant. */
    public static void cost(String tenant, String provider, double usd) {
        Counter.builder("switchboard.cost.usd").description("Spend in USD at list prices, by tenant and provider")
                .tag("tenant", tenant == null ? "" : tenant).tag("provider", provider).register(REGISTRY).increment(usd);
    }

    /** A record dead-lettered by {@code stage} for {@code errorClass}. */
    public static void deadLetter(String stage, String errorClass) {
        Counter.builder("switchboard.dlq.records").description("Records dead-lettered, by stage and error class")
                .tag("stage", stage).tag("error_class", errorClass == null ? "" : errorClass).register(REGISTRY).increment();
    }

    /** The source each provider gauge reads: the latest registered (a restarted pool replaces its predecessor). */
    private static final java.util.Map<String, java.util.concurrent.atomic.AtomicReference<Supplier<Number>>> GAUGES =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A gauge of one provider's value, read when scraped from the pool that registered it last. */
    public static void providerGauge(String name, String description, String provider, Supplier<Number> value) {
        gauge(name, description, "provider", provider, value);
    }

    /** A gauge of {@code tag}={@code tagValue}, read when scraped from the source registered last. */
    public static void gauge(String name, String description, String tag, String tagValue, Supplier<Number> value) {
        GAUGES.computeIfAbsent(name + "\0" + tag + "\0" + tagValue, key -> {
            java.util.concurrent.atomic.AtomicReference<Supplier<Number>> source = new java.util.concurrent.atomic.AtomicReference<>(value);
            Gauge.builder(name, source, s -> s.get().get().doubleValue()).description(description).tag(tag, tagValue)
                    .strongReference(true).register(REGISTRY);
            return source;
        }).set(value);
    }
}
