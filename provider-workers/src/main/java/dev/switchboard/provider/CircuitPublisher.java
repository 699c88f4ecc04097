package dev.switchboard.provider;

import dev.switchboard.avro.ProviderHealth;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.Topics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * Tells every service a provider's health, on the compacted {@code llm.provider-health} keyed by
 * provider: at each change of its circuit (the router and other workers skip open providers), and
 * when its adaptive concurrency limit has moved ({@code stats} shows it), at most once per
 * {@link #LIMIT_REPORT_INTERVAL_MS}.
 */
final class CircuitPublisher implements Consumer<CircuitBreaker.StateTransition> {

    private static final Logger log = LoggerFactory.getLogger(CircuitPublisher.class);
    private static final String REPORTER = ProcessHandle.current().pid() + "@" + hostName();
    static final long LIMIT_REPORT_INTERVAL_MS = 1_000;

    private final String provider;
    private final Codec codec;
    private final Producer<byte[], byte[]> producer;
    private volatile ProviderGuard guard;
    private int reportedLimit = -1;

    CircuitPublisher(String provider, Codec codec, Producer<byte[], byte[]> producer) {
        this.provider = provider;
        this.codec = codec;
        this.producer = producer;
    }

    /** The guard whose failure rate and limit are published (set once it exists: it is built with this publisher). */
    void watch(ProviderGuard guard) {
        this.guard = guard;
    }

    @Override
    public void accept(CircuitBreaker.StateTransition transition) {
        log.warn("Circuit of {} went {}", provider, transition);
        publish(transition.getToState().name());
    }

    /** Publishes the current health if the concurrency limit moved since the last report (called every interval). */
    synchronized void reportLimit() {
        try {
            ProviderGuard g = guard;
            if (g != null && g.concurrencyLimit() != reportedLimit) {
                publish(g.state().name());
            }
        } catch (RuntimeException e) {
            log.warn("Cannot report the concurrency limit of {}: {}", provider, e.toString()); // and again next interval
        }
    }

    private synchronized void publish(String state) {
        ProviderGuard g = guard;
        int limit = g == null ? -1 : g.concurrencyLimit();
        ProviderHealth health = ProviderHealth.newBuilder()
                .setProvider(provider)
                .setState(state)
                .setFailureRate(g == null ? -1 : g.failureRate())
                .setReporter(REPORTER)
                .setChangedAtMs(System.currentTimeMillis())
                .setConcurrencyLimit(limit)
                .setInFlight(g == null ? -1 : g.inFlight())
                .build();
        reportedLimit = limit;
        producer.send(codec.record(Topics.PROVIDER_HEALTH, provider, health), (metadata, error) -> {
            if (error != null) {
                log.error("Cannot publish the health of {}: {}", provider, error.toString());
            }
        });
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}
