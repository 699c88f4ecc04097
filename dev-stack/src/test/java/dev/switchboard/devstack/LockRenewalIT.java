package dev.switchboard.devstack;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A call that outlasts the share group's record lock keeps its task: the worker renews the lock
 * while the call runs, so no other worker picks the task up and the provider is called once.
 */
class LockRenewalIT {

    @TempDir
    Path dataDir;

    @Test
    void aCallLongerThanTheRecordLockIsMadeOnce() throws Exception {
        SwitchboardConfig config = TestStack.config(dataDir, Map.of(
                SwitchboardConfig.WORKER_RECORD_LOCK_MS, "2000",
                SwitchboardConfig.WORKER_CONSUMERS, "2",
                // One partition, so both consumers of the pool share it and either could take the task.
                SwitchboardConfig.TOPIC_PARTITIONS, "1",
                "provider.sim-strong.timeout.ms", "15000"));
        try (DevStack stack = DevStack.start(config, false)) {
            stack.simulator().setFaults("sim-strong", new Faults(0, 0, 5_000, 5_000, Map.of(500, 1.0)));
            Codec codec = TestStack.codec(config);
            KafkaClients clients = TestStack.clients(config);
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("renewal-test");
                 TopicCollector<LlmReply> replies = new TopicCollector<>(Topics.REPLIES, clients, codec);
                 TopicCollector<AttemptOutcome> attempts = new TopicCollector<>(Topics.ATTEMPTS, clients, codec)) {
                LlmRequest request = LlmRequest.newBuilder().setRequestId("slow-1").setTenantId("acme")
                        .setMessages(List.of(new ChatMessage(ChatRole.USER, "What is 5*5?")))
                        .setPreferredProviders(List.of("sim-strong")).setCreatedAtMs(System.currentTimeMillis()).build();
                producer.send(codec.record(Topics.REQUESTS, "slow-1", request)).get();

                LlmReply reply = await().atMost(Duration.ofSeconds(30)).until(() -> replies.values(r -> true), l -> !l.isEmpty()).getFirst();
                assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
                assertThat(reply.getContent()).isEqualTo("5 * 5 = 25.");
                assertThat(reply.getLatencyMs()).isGreaterThanOrEqualTo(5_000L);

                // Had the 2 s lock run out, the other consumer (or this one, after its batch) would have
                // taken the task again and called sim-strong a second time, 5 s each.
                await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(15))
                        .until(() -> replies.all().size() == 1 && attempts.all().size() == 1);
                assertThat(stack.simulator().completions()).isEqualTo(1);
            }
        }
    }
}
