package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Reads topics from their beginning to their end as it is now (committed records only). */
public final class TopicReader {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    private TopicReader() {
    }

    /** Every record of {@code topics} up to their current ends that {@code keep} accepts; missing topics read as empty. */
    public static List<ConsumerRecord<byte[], byte[]>> readToEnd(KafkaClients clients, Collection<String> topics,
                                                                 Predicate<ConsumerRecord<byte[], byte[]>> keep) {
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-reader")) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                if (infos != null) {
                    infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
                }
            }
            return read(consumer, partitions, keep);
        }
    }

    /**
     * The records of {@code topic} with {@code key}, up to its current end: only the partition a
     * producer's default partitioner puts that key in is read. Empty when the topic is missing.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readKey(KafkaClients clients, String topic, byte[] key) {
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-reader")) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos == null || infos.isEmpty()) {
                return List.of();
            }
            int partition = Utils.toPositive(Utils.murmur2(key)) % infos.size();
            return read(consumer, List.of(new TopicPartition(topic, partition)), r -> Arrays.equals(r.key(), key));
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
                                                             Predicate<ConsumerRecord<byte[], byte[]>> keep) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        if (partitions.isEmpty()) {
            return records;
        }
        List<String> topics = partitions.stream().map(TopicPartition::topic).distinct().toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out reading " + topics + " to the end");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition())) && keep.test(record)) {
                    records.add(record);
                }
            }
        }
        return records;
    }
}
