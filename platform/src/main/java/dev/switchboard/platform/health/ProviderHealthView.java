package dev.switchboard.platform.health;

import dev.switchboard.avro.ProviderHealth;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every provider's latest circuit state, read from the compacted {@code llm.provider-health} by a
 * background reader, so that the router and every worker skip providers whose circuit a pool
 * anywhere has opened.
 */
public final class ProviderHealthView implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProviderHealthView.class);

    private final Map<String, ProviderHealth> latest = new ConcurrentHashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Codec codec;
    private final Thread thread;
    private volatile boolean running = true;

    public ProviderHealthView(KafkaClients clients, Codec codec) {
        this.codec = codec;
        this.consumer = clients.reader("switchboard-health-view");
        TopicPartition partition = new TopicPartition(Topics.PROVIDER_HEALTH.name(), 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        this.thread = new Thread(this::run, "switchboard-health-view");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        ProviderHealth health = codec.decode(Topics.PROVIDER_HEALTH, record.value());
                        latest.merge(health.getProvider(), health,
                                (old, now) -> now.getChangedAtMs() >= old.getChangedAtMs() ? now : old);
                    } catch (RuntimeException e) {
                        log.warn("Skipping unreadable provider-health record at offset {}: {}", record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("Provider health view stopped", e);
        } finally {
            consumer.close();
        }
    }

    /** True when the latest report for {@code provider} says its circuit is OPEN. */
    public boolean isOpen(String provider) {
        ProviderHealth health = latest.get(provider);
        return health != null && "OPEN".equals(health.getState());
    }

    /** The latest state of every provider reported so far. */
    public Map<String, String> states() {
        Map<String, String> states = new java.util.TreeMap<>();
        latest.forEach((provider, health) -> states.put(provider, health.getState()));
        return states;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
