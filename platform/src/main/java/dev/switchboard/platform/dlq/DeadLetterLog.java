package dev.switchboard.platform.dlq;

import dev.switchboard.avro.AttemptSummary;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code llm.dlq} and the replay ledger up to their current ends. */
public final class DeadLetterLog {

    private static final String TASKS_PREFIX = "llm.tasks.";

    private final KafkaClients clients;
    private final Codec codec;

    public DeadLetterLog(KafkaClients clients, Codec codec) {
        this.clients = clients;
        this.codec = codec;
    }

    /** Every dead letter now on {@code llm.dlq}, oldest first. */
    public List<DeadLetterEntry> entries() {
        List<DeadLetterEntry> entries = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : readAll(Topics.DLQ.name())) {
            DeadLetter letter;
            try {
                letter = codec.decode(Topics.DLQ, record.value());
            } catch (WireFormatException e) {
                continue;
            }
            entries.add(entry(record.partition(), record.offset(), record.timestamp(), letter));
        }
        entries.sort(Comparator.comparingLong((DeadLetterEntry e) -> e.letter().getFailedAtMs())
                .thenComparingInt(DeadLetterEntry::partition).thenComparingLong(DeadLetterEntry::offset));
        return entries;
    }

    /** The ids ({@code partition/offset}) of the dead letters already replayed. */
    public Set<String> replayed() {
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : readAll(Topics.DLQ_REPLAYS)) {
            if (record.key() != null && record.value() != null) {
                ids.add(new String(record.key(), StandardCharsets.UTF_8));
            }
        }
        return ids;
    }

    DeadLetterEntry entry(int partition, long offset, long timestamp, DeadLetter letter) {
        String topic = letter.getOriginalTopic();
        String provider = topic.startsWith(TASKS_PREFIX) ? topic.substring(TASKS_PREFIX.length()) : null;
        String tenant = null;
        List<AttemptSummary> history = List.of();
        byte[] value = letter.getValue() == null ? null : DeadLetters.bytes(letter.getValue());
        if (value != null) {
            try {
                if (topic.equals(Topics.REQUESTS.name())) {
                    LlmRequest request = codec.decode(Topics.REQUESTS, value);
                    tenant = request.getTenantId();
                } else if (topic.equals(Topics.PLANS.name())) {
                    ExecutionPlan plan = codec.decode(Topics.PLANS, value);
                    tenant = plan.getTenantId();
                } else if (provider != null) {
                    ProviderTask task = codec.decode(Topics.tasks(provider), value);
                    tenant = task.getTenantId();
                    history = task.getHistory();
                }
            } catch (RuntimeException e) {
                // undecodable originals (the usual reason to be here) have no tenant
            }
        }
        return new DeadLetterEntry(partition, offset, timestamp, letter, provider, tenant, history,
                dev.switchboard.platform.kafka.ReplayHeaders.count(letter.getHeaders()));
    }

    private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return TopicReader.readToEnd(clients, List.of(topic), record -> true);
    }
}
