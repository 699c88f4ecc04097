package dev.switchboard.devstack.kafka;

import dev.switchboard.devstack.FreePorts;
import dev.switchboard.platform.kafka.KafkaClients;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
}
