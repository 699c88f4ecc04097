package dev.switchboard.provider;

import dev.switchboard.platform.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tasks waiting for one provider's pool: on each partition of {@code llm.tasks.<provider>}, the
 * records after the pool's group committed offset (from the log start when it has committed none).
 * Read from the brokers every few seconds, not on each scrape, for {@code switchboard_task_backlog}
 * (what an autoscaler scales the pools on). -1 until the first read succeeds.
 */
final class TaskBacklog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TaskBacklog.class);

    private final KafkaClients clients;
    private final String topic;
    private final String groupId;
    private final AtomicLong value = new AtomicLong(-1);
    private Admin admin;

    TaskBacklog(KafkaClients clients, String topic, String groupId) {
        this.clients = clients;
        this.topic = topic;
        this.groupId = groupId;
    }

    long value() {
        return value.get();
    }

    /** Reads the backlog again; a failure keeps the last value and is logged at debug level. */
    synchronized void refresh() {
        try {
            if (admin == null) {
                admin = clients.admin(groupId + "-backlog");
            }
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS)
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            partitions.forEach(tp -> {
                latest.put(tp, OffsetSpec.latest());
                earliest.put(tp, OffsetSpec.earliest());
            });
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = admin.listOffsets(earliest).all().get(5, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
                    .get(5, TimeUnit.SECONDS);
            long waiting = 0;
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata done = committed.get(tp);
                long from = done != null ? done.offset() : starts.get(tp).offset();
                waiting += Math.max(0, ends.get(tp).offset() - from);
            }
            value.set(waiting);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.debug("The backlog of {} cannot be read now: {}", topic, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(2));
        }
    }
}
