package dev.switchboard.platform.health;

import dev.switchboard.avro.ProviderScore;
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
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest score of every provider, model and task type, read from the compacted
 * {@code llm.provider-scores} (written by analytics-streams) by a background reader.
 */
public final class ProviderScoreView implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProviderScoreView.class);

    private final Map<String, ProviderScore> latest = new ConcurrentHashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Codec codec;
    private final Thread thread;
    private volatile boolean running = true;

    public ProviderScoreView(KafkaClients clients, Codec codec) {
        this.codec = codec;
        this.consumer = clients.reader("switchboard-score-view");
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.PROVIDER_SCORES.name(), Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::run, "switchboard-score-view");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        ProviderScore score = codec.decode(Topics.PROVIDER_SCORES, record.value());
                        latest.put(key(score.getProvider(), score.getModel(), score.getTaskType()), score);
                    } catch (RuntimeException e) {
                        log.warn("Skipping unreadable provider score at offset {}: {}", record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("Provider score view stopped", e);
        } finally {
            consumer.close();
        }
    }

    /** The score for {@code taskType} when there is one, else the provider and model's overall score. */
    public Optional<ProviderScore> score(String provider, String model, String taskType) {
        ProviderScore specific = taskType == null ? null : latest.get(key(provider, model, taskType));
        return Optional.ofNullable(specific != null ? specific : latest.get(key(provider, model, "*")));
    }

    private static String key(String provider, String model, String taskType) {
        return provider + "|" + model + "|" + taskType;
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
