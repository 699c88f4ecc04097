package dev.switchboard.provider;

import dev.switchboard.avro.ProviderHealth;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.Topics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * Tells every service that a provider's circuit changed state, on the compacted
 * {@code llm.provider-health} keyed by provider; the router and other workers skip open providers.
 */
final class CircuitPublisher implements Consumer<CircuitBreaker.StateTransition> {

    private static final Logger log = LoggerFactory.getLogger(CircuitPublisher.class);
    private static final String REPORTER = ProcessHandle.current().pid() + "@" + hostName();

    private final String provider;
    private final Codec codec;
    private final Producer<byte[], byte[]> producer;
    private volatile DoubleSupplier failureRate = () -> -1;

    CircuitPublisher(String provider, Codec codec, Producer<byte[], byte[]> producer) {
        this.provider = provider;
        this.codec = codec;
        this.producer = producer;
    }

    /** Where the failure rate published with each change comes from (the guard, once it exists). */
    void failureRate(DoubleSupplier failureRate) {
        this.failureRate = failureRate;
    }

    @Override
    public void accept(CircuitBreaker.StateTransition transition) {
        log.warn("Circuit of {} went {}", provider, transition);
        ProviderHealth health = new ProviderHealth(provider, transition.getToState().name(),
                (float) failureRate.getAsDouble(), REPORTER, System.currentTimeMillis());
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
