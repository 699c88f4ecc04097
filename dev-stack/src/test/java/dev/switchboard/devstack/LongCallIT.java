package dev.switchboard.devstack;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
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
 * A call that outlasts the consumer group's session timeout keeps its task: the pool's loop goes on
 * polling while the call runs (and heartbeats go from the consumer's own thread), so no rebalance
 * hands the task to another member, and the provider is called once.
 */
class LongCallIT {

    @TempDir
    Path dataDir;

    @Test
    void aCallLongerThanTheSessionTimeoutIsMadeOnce() throws Exception {
        long callMs = KafkaClients.SESSION_TIMEOUT_MS + 2_000;
        SwitchboardConfig config = TestStack.config(dataDir, Map.of(
                SwitchboardConfig.TOPIC_PARTITIONS, "1",
                "provider.sim-strong.timeout.ms", Long.toString(callMs + 10_000)));
        try (DevStack stack = DevStack.start(config, false)) {
            stack.simulator().setFaults("sim-strong", new Faults(0, 0, callMs, callMs, Map.of(500, 1.0)));
            Codec codec = TestStack.codec(config);
            KafkaClients clients = TestStack.clients(config);
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("long-call-test");
                 TopicCollector<LlmReply> replies = new TopicCollector<>(Topics.REPLIES, clients, codec);
                 TopicCollector<AttemptOutcome> attempts = new TopicCollector<>(Topics.ATTEMPTS, clients, codec)) {
                LlmRequest request = LlmRequest.newBuilder().setRequestId("slow-1").setTenantId("acme")
                        .setMessages(List.of(Messages.of(ChatRole.USER, "What is 5*5?")))
                        .setPreferredProviders(List.of("sim-strong")).setCreatedAtMs(System.currentTimeMillis()).build();
                producer.send(TestStack.requestRecord(config, codec, "slow-1", request)).get();

                LlmReply reply = await().atMost(Duration.ofSeconds(60)).until(() -> replies.values(r -> true), l -> !l.isEmpty()).getFirst();
                assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
                assertThat(reply.getContent()).isEqualTo("5 * 5 = 25.");
                assertThat(reply.getLatencyMs()).isGreaterThanOrEqualTo(callMs);

                // Had the member been dropped from the group mid-call, the task would have been read
                // again from the last commit and sim-strong called a second time.
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                        .until(() -> replies.all().size() == 1 && attempts.all().size() == 1);
                assertThat(stack.simulator().completions()).isEqualTo(1);
            }
        }
    }
}
