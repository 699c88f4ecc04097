package dev.switchboard.platform.health;

import dev.switchboard.avro.ProviderScore;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;

import java.util.Optional;

/**
 * The latest score of every provider, model and task type, read from the compacted
 * {@code llm.provider-scores} (written by analytics-streams).
 */
public final class ProviderScoreView implements AutoCloseable {

    private final CompactedTopicView<ProviderScore> view;

    public ProviderScoreView(KafkaClients clients, Codec codec) {
        this.view = new CompactedTopicView<>(clients, codec, Topics.PROVIDER_SCORES,
                s -> key(s.getProvider(), s.getModel(), s.getTaskType()),
                (old, now) -> now.getUpdatedAtMs() >= old.getUpdatedAtMs() ? now : old);
    }

    /** The score for {@code taskType} when there is one, else the provider and model's overall score. */
    public Optional<ProviderScore> score(String provider, String model, String taskType) {
        ProviderScore specific = taskType == null ? null : view.get(key(provider, model, taskType));
        return Optional.ofNullable(specific != null ? specific : view.get(key(provider, model, "*")));
    }

    private static String key(String provider, String model, String taskType) {
        return provider + "|" + model + "|" + taskType;
    }

    @Override
    public void close() {
        view.close();
    }
}
