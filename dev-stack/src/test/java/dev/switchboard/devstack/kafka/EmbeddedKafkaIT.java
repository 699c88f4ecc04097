package dev.switchboard.devstack.kafka;

import dev.switchboard.devstack.FreePorts;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicBootstrap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class EmbeddedKafkaIT {

    @Test
    void dataSurvivesARestart(@TempDir Path dir) throws Exception {
        int port = FreePorts.any();
        int controller = FreePorts.any();
        TopicPartition partition = new TopicPartition("it.durable", 0);
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir, port, controller).start();
             KafkaProducer<byte[], byte[]> producer = new KafkaClients(kafka.bootstrapServers()).producer("it")) {
            producer.send(new ProducerRecord<>(partition.topic(), 0, null, "kept".getBytes(StandardCharsets.UTF_8))).get();
        }

        try (EmbeddedKafka kafka = new EmbeddedKafka(dir, port, controller).start();
             KafkaConsumer<byte[], byte[]> reader = new KafkaClients(kafka.bootstrapServers()).reader("it")) {
            reader.assign(List.of(partition));
            reader.seekToBeginning(List.of(partition));
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                reader.poll(Duration.ofMillis(100)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
                return !values.isEmpty();
            });
            assertThat(values).containsExactly("kept");
        }
    }

    @Test
    void shareGroupsDeliverAndRedeliverReleasedRecords(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir, FreePorts.any(), FreePorts.any()).start()) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers());
            try (Admin admin = clients.admin("it")) {
                TopicBootstrap.ensureTopics(admin, Set.of("it-provider"), 2, (short) 1);
                TopicBootstrap.shareGroupFromEarliest(admin, "it-share");
            }
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("it")) {
                producer.send(new ProducerRecord<>("llm.tasks.it-provider", "task".getBytes(StandardCharsets.UTF_8))).get();
            }
            try (KafkaShareConsumer<byte[], byte[]> consumer = clients.shareConsumer("it-share", "it", 10)) {
                consumer.subscribe(List.of("llm.tasks.it-provider"));
                List<Short> deliveries = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        deliveries.add(record.deliveryCount().orElse((short) -1));
                        // Release the first delivery: the broker must hand the record out again.
                        consumer.acknowledge(record, deliveries.size() == 1 ? AcknowledgeType.RELEASE : AcknowledgeType.ACCEPT);
                    }
                    return deliveries.size() >= 2;
                });
                assertThat(deliveries).containsExactly((short) 1, (short) 2);
            }
        }
    }
}
