package dev.switchboard.platform.health;

import dev.switchboard.avro.ProviderHealth;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;

/**
 * Every provider's latest circuit state, read from the compacted {@code llm.provider-health}, so
 * that the router and every worker skip providers whose circuit a pool anywhere has opened.
 */
public final class ProviderHealthView implements AutoCloseable {

    /** Of two reports on one provider, the later: what every reader of {@code llm.provider-health} keeps. */
    public static final BinaryOperator<ProviderHealth> LATEST =
            (old, now) -> now.getChangedAtMs() >= old.getChangedAtMs() ? now : old;

    private final CompactedTopicView<ProviderHealth> view;

    public ProviderHealthView(KafkaClients clients, Codec codec) {
        this.view = new CompactedTopicView<>(clients, codec, Topics.PROVIDER_HEALTH, ProviderHealth::getProvider, LATEST);
    }

    /** True when the latest report for {@code provider} says its circuit is OPEN. */
    public boolean isOpen(String provider) {
        ProviderHealth health = view.get(provider);
        return health != null && "OPEN".equals(health.getState());
    }

    /** The latest report on {@code provider}, or null when there is none. */
    public ProviderHealth latest(String provider) {
        return view.get(provider);
    }

    /** The latest state of every provider reported so far. */
    public Map<String, String> states() {
        Map<String, String> states = new TreeMap<>();
        view.snapshot().forEach((provider, health) -> states.put(provider, health.getState()));
        return states;
    }

    @Override
    public void close() {
        view.close();
    }
}
