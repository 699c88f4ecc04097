package dev.switchboard.devstack.dlq;

import dev.switchboard.avro.DeadLetter;
import dev.switchboard.devstack.InfraFixture;
import dev.switchboard.platform.dlq.DeadLetterFilter;
import dev.switchboard.platform.dlq.DeadLetterLog;
import dev.switchboard.platform.dlq.ReplayPlan;
import dev.switchboard.platform.dlq.Replayer;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.ReplayHeaders;
import dev.switchboard.platform.kafka.TopicBootstrap;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An interrupted replay, run again, replays every dead letter exactly once. */
class ReplayerIT {

    private static final int LETTERS = 30;

    @TempDir
    Path dataDir;

    @Test
    void anInterruptedReplayResumesWithoutReplayingAnythingTwice() throws Exception {
        try (InfraFixture infra = new InfraFixture(dataDir)) {
            Codec codec = new Codec(new SchemaRegistryClient(infra.registryUrl()));
            try (Admin admin = infra.clients.admin("it")) {
                TopicBootstrap.ensureTopics(admin, List.of(), 3, (short) 1);
            }
            try (KafkaProducer<byte[], byte[]> producer = infra.clients.producer("it")) {
                for (int i = 0; i < LETTERS; i++) {
                    byte[] value = ("garbage-" + i).getBytes(StandardCharsets.UTF_8);
                    ConsumerRecord<byte[], byte[]> original = new ConsumerRecord<>("llm.requests", 0, i, 0L,
                            TimestampType.CREATE_TIME, 0, value.length, ("k" + i).getBytes(StandardCharsets.UTF_8), value,
                            new RecordHeaders(), Optional.empty());
                    DeadLetter letter = DeadLetters.of(original, "planner", "UNKNOWN_MAGIC_BYTE", "not avro", null, 0);
                    producer.send(DeadLetters.record(codec, letter)).get();
                }
            }
            Replayer first = new Replayer(infra.clients, codec, 3);
            ReplayPlan plan = first.plan(DeadLetterFilter.ALL, Integer.MAX_VALUE);
            assertThat(plan.replay()).hasSize(LETTERS);

            // Stop the first run a third of the way through, as Ctrl-C does.
            AtomicInteger seen = new AtomicInteger();
            Replayer.Result interrupted = first.run(plan, "it.replayed", 200, "it", (done, total) -> {
                if (seen.incrementAndGet() == LETTERS / 3) {
                    first.cancel();
                }
            });
            assertThat(interrupted.interrupted()).isTrue();
            assertThat(interrupted.replayed()).isEqualTo(LETTERS / 3);

            Replayer second = new Replayer(infra.clients, codec, 3);
            ReplayPlan rest = second.plan(DeadLetterFilter.ALL, Integer.MAX_VALUE);
            assertThat(rest.alreadyReplayed()).isEqualTo(LETTERS / 3);
            Replayer.Result resumed = second.run(rest, "it.replayed", 0, "it", (done, total) -> { });
            assertThat(resumed.interrupted()).isFalse();
            assertThat(resumed.replayed()).isEqualTo(LETTERS - LETTERS / 3);
            assertThat(second.plan(DeadLetterFilter.ALL, Integer.MAX_VALUE).total()).isZero();

            // Every dead letter's bytes arrive exactly once, with its key and a replay count of 1.
            List<ConsumerRecord<byte[], byte[]>> replayed = readAll(infra, "it.replayed", LETTERS);
            assertThat(replayed).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).doesNotHaveDuplicates()
                    .hasSize(LETTERS).contains("garbage-0", "garbage-" + (LETTERS - 1));
            assertThat(replayed).allSatisfy(r -> {
                assertThat(new String(r.headers().lastHeader(ReplayHeaders.COUNT).value(), StandardCharsets.UTF_8)).isEqualTo("1");
                assertThat(new String(r.key(), StandardCharsets.UTF_8))
                        .isEqualTo("k" + new String(r.value(), StandardCharsets.UTF_8).substring("garbage-".length()));
            });
            assertThat(new DeadLetterLog(infra.clients, codec).replayed()).hasSize(LETTERS);
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(InfraFixture infra, String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = infra.clients.reader("it")) {
            List<TopicPartition> partitions = reader.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                reader.poll(Duration.ofMillis(100)).forEach(records::add);
                return records.size() >= expected;
            });
        }
        return records;
    }
}
