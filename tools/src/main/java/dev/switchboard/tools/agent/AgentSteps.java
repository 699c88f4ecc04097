package dev.switchboard.tools.agent;

import dev.switchboard.avro.AgentStep;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads the steps of one run back from {@code llm.agent-steps}: only the partition its requestId
 * keys it to, from the offset at a time before the run's first step, to the end.
 */
public final class AgentSteps {

    private static final Duration POLL = Duration.ofMillis(200);

    private AgentSteps() {
    }

    /** The steps of run {@code requestId} written since {@code sinceMs}, in step order. */
    public static List<AgentStep> read(KafkaClients clients, Codec codec, String requestId, long sinceMs) {
        byte[] key = requestId.getBytes(StandardCharsets.UTF_8);
        List<AgentStep> steps = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-agent-steps-reader")) {
            int partitions = consumer.partitionsFor(Topics.AGENT_STEPS.name(), Duration.ofSeconds(30)).size();
            // The default partitioner's choice for a keyed record.
            TopicPartition partition = new TopicPartition(Topics.AGENT_STEPS.name(), Utils.toPositive(Utils.murmur2(key)) % partitions);
            consumer.assign(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            OffsetAndTimestamp from = consumer.offsetsForTimes(Map.of(partition, Math.max(0, sinceMs))).get(partition);
            if (from == null) {
                return steps;
            }
            consumer.seek(partition, from.offset());
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (record.value() != null && Arrays.equals(record.key(), key)) {
                        steps.add(codec.decode(Topics.AGENT_STEPS, record.value()));
                    }
                }
            }
        }
        steps.sort(Comparator.comparingInt(AgentStep::getStep));
        return steps;
    }
}
