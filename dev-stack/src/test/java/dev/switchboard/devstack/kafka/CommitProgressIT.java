package dev.switchboard.devstack.kafka;

import dev.switchboard.devstack.FreePorts;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.ConsumeTransformProduce;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.schemas.serde.WireFormatException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A loop whose consumer fails while its oldest record is unfinished and the nine after it are done
 * handles only that record again: the commit stayed at the unfinished record, and its metadata said
 * which records after it were done, so the new consumer skips them (a worker pool makes no second
 * provider call for a task it finished).
 */
class CommitProgressIT {

    private static final String TOPIC = "it.progress";
    private static final String GROUP = "it-progress";

    @TempDir
    Path dir;

    @Test
    void afterAFailureOnlyTheUnfinishedRecordIsHandledAgain() throws Exception {
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir, FreePorts.any(), FreePorts.any()).start()) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers());
            try (Admin admin = clients.admin("it")) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
                try (KafkaProducer<byte[], byte[]> producer = clients.producer("it")) {
                    for (int i = 0; i < 10; i++) {
                        producer.send(new ProducerRecord<>(TOPIC, ("record " + i).getBytes(StandardCharsets.UTF_8))).get();
                    }
                }
                List<Long> handled = Collections.synchronizedList(new ArrayList<>());
                CompletableFuture<List<ProducerRecord<byte[], byte[]>>> slow = new CompletableFuture<>();
                // Nothing is decoded or dead-lettered here, so the codec's registry is never asked.
                Codec codec = new Codec(new SchemaRegistryClient("http://127.0.0.1:9"));
                try (ConsumeTransformProduce loop = new ConsumeTransformProduce("it", "it-progress", GROUP, TOPIC, clients,
                        codec, record -> {
                            boolean first = !handled.contains(record.offset());
                            handled.add(record.offset());
                            return record.offset() == 0 && first ? slow : CompletableFuture.completedFuture(List.of());
                        }, () -> 100)) {
                    loop.start();
                    TopicPartition partition = new TopicPartition(TOPIC, 0);
                    OffsetAndMetadata commit = await().atMost(Duration.ofSeconds(30))
                            .until(() -> admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get().get(partition),
                                    c -> c != null && !c.metadata().isEmpty());
                    assertThat(commit.offset()).isZero();
                    assertThat(handled).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);

                    // The registry is unreachable for record 0: the loop reopens its consumer at the commit.
                    slow.completeExceptionally(new WireFormatException(WireFormatException.Reason.REGISTRY_UNAVAILABLE, "registry down"));

                    await().atMost(Duration.ofSeconds(30)).until(() -> admin.listConsumerGroupOffsets(GROUP)
                            .partitionsToOffsetAndMetadata().get().get(partition).offset() == 10);
                    assertThat(handled).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 0L);
                    assertThat(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get()
                            .get(partition).metadata()).isEmpty();
                }
            }
        }
    }

    @Test
    void theCommitPassesTheMarkerOfATransactionSoTheGroupHasNoLag() throws Exception {
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir, FreePorts.any(), FreePorts.any()).start()) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers());
            String topic = "it.transactional";
            String group = "it-transactional";
            try (Admin admin = clients.admin("it")) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
                try (KafkaProducer<byte[], byte[]> producer = clients.transactionalProducer("it", "it-tx")) {
                    producer.initTransactions();
                    for (int t = 0; t < 2; t++) {
                        producer.beginTransaction();
                        for (int i = 0; i < 3; i++) {
                            producer.send(new ProducerRecord<>(topic, ("record " + i).getBytes(StandardCharsets.UTF_8)));
                        }
                        producer.commitTransaction();
                    }
                }
                TopicPartition partition = new TopicPartition(topic, 0);
                // Six records and two commit markers; the coordinator writes the last marker after commitTransaction returns.
                long end = await().atMost(Duration.ofSeconds(10)).until(() -> admin.listOffsets(
                                java.util.Map.of(partition, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                        .partitionResult(partition).get().offset(), offset -> offset == 8);
                List<Long> handled = Collections.synchronizedList(new ArrayList<>());
                Codec codec = new Codec(new SchemaRegistryClient("http://127.0.0.1:9"));
                try (ConsumeTransformProduce loop = new ConsumeTransformProduce("it", "it-transactional", group, topic, clients,
                        codec, record -> {
                            handled.add(record.offset());
                            return CompletableFuture.completedFuture(List.of());
                        }, () -> 100)) {
                    loop.start();
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        OffsetAndMetadata commit = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(partition);
                        return commit != null && commit.offset() == end;
                    });
                    assertThat(handled).containsExactly(0L, 1L, 2L, 4L, 5L, 6L);
                }
            }
        }
    }
}
