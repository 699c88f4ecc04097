package dev.switchboard.platform.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Reads topics, from their beginning or from given offsets, to their end as it is now (committed records only). */
public final class TopicReader {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    /** How often {@link #awaitReadable} asks for the partitions' readable ends. */
    private static final long READABLE_POLL_NANOS = 10_000_000L;

    private TopicReader() {
    }

    /** Every record of {@code topics} up to their current ends that {@code keep} accepts; missing topics read as empty. */
    public static List<ConsumerRecord<byte[], byte[]>> readToEnd(KafkaClients clients, Collection<String> topics,
                                                                 Predicate<ConsumerRecord<byte[], byte[]>> keep) {
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-reader")) {
            return read(consumer, partitions(consumer, topics), keep);
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

    /** The current end offset of every partition of {@code topics}; a missing topic has none. */
    public static Map<TopicPartition, Long> ends(KafkaClients clients, Collection<String> topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-reader")) {
            return consumer.endOffsets(partitions(consumer, topics));
        }
    }

    /**
     * Hands {@code sink} every record from the offsets {@code from} (as {@link #ends} gave them
     * earlier) up to the partitions' current ends, in each partition's order.
     */
    public static void readFrom(KafkaClients clients, Map<TopicPartition, Long> from, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-reader")) {
            List<TopicPartition> partitions = List.copyOf(from.keySet());
            consumer.assign(partitions);
            from.forEach(consumer::seek);
            read(consumer, partitions, r -> true, sink);
        }
    }

    /**
     * Each partition written to by these acknowledged sends, with the offset after its last one;
     * sends that failed are left out (their transaction was not committed).
     */
    public static Map<TopicPartition, Long> after(Collection<? extends java.util.concurrent.Future<RecordMetadata>> sends) {
        Map<TopicPartition, Long> after = new java.util.HashMap<>();
        for (java.util.concurrent.Future<RecordMetadata> send : sends) {
            try {
                RecordMetadata m = send.get();
                after.merge(new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
            } catch (java.util.concurrent.ExecutionException e) {
                // not written: nothing to wait for
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return after;
            }
        }
        return after;
    }

    /**
     * Waits until a read-committed reader can read each partition of {@code until} up to its offset:
     * a transaction's commit markers reach its partitions after {@code commitTransaction} returns,
     * so until then a reader stops before its records. False when {@code timeout} passed first.
     */
    public static boolean awaitReadable(KafkaClients clients, Map<TopicPartition, Long> until, Duration timeout) {
        if (until.isEmpty()) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-reader")) {
            while (true) {
                Map<TopicPartition, Long> ends = consumer.endOffsets(until.keySet());
                if (until.entrySet().stream().allMatch(e -> ends.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    return false;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(READABLE_POLL_NANOS);
            }
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, Collection<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null) {
                infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
        }
        return partitions;
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
                                                             Predicate<ConsumerRecord<byte[], byte[]>> keep) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        if (partitions.isEmpty()) {
            return records;
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        read(consumer, partitions, keep, records::add);
        return records;
    }

    /** Hands {@code sink} the records {@code keep} accepts from each partition's position up to its end as it is now. */
    private static void read(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
                             Predicate<ConsumerRecord<byte[], byte[]>> keep, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        List<String> topics = partitions.stream().map(TopicPartition::topic).distinct().toList();
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out reading " + topics + " to the end");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition())) && keep.test(record)) {
                    sink.accept(record);
                }
            }
        }
    }
}
