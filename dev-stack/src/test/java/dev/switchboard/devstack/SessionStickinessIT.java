package dev.switchboard.devstack;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.avro.SessionRoute;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With the learning planner, a session stays on the model that answered it, and a failover moves
 * it visibly: in the reply (another provider, two attempts), on llm.sessions, and in the next plan.
 */
class SessionStickinessIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void aSessionStaysOnItsModelUntilAFailoverMovesIt() throws Exception {
        SwitchboardConfig config = TestStack.config(dataDir, Map.of("planner.strategy", "balanced"));
        try (DevStack stack = DevStack.start(config, false)) {
            Codec codec = TestStack.codec(config);
            KafkaClients clients = TestStack.clients(config);
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("session-test");
                 TopicCollector<LlmReply> replies = new TopicCollector<>(Topics.REPLIES, clients, codec);
                 TopicCollector<ExecutionPlan> plans = new TopicCollector<>(Topics.PLANS, clients, codec);
                 TopicCollector<SessionRoute> routes = new TopicCollector<>(Topics.SESSIONS, clients, codec)) {
                List<LlmReply> first = new ArrayList<>();
                first.add(ask(producer, codec, replies, "s-0"));
                // The planner hears who answered from llm.attempts, asynchronously: wait for the session's first route.
                awaitRoute(routes, "s-0");
                for (int i = 1; i < 5; i++) {
                    first.add(ask(producer, codec, replies, "s-" + i));
                }
                String home = first.getFirst().getProvider();
                assertThat(first).extracting(LlmReply::getProvider).containsOnly(home);
                assertThat(first).extracting(LlmReply::getAttempts).containsOnly(1);
                assertThat(plans.values(p -> p.getRequestId().equals("s-3")).getFirst().getSteps().getFirst().getReason())
                        .startsWith("#1 as session chat-1 stays on " + first.getFirst().getModel() + ";");

                stack.simulator().setFaults(home, new Faults(1.0, 0, 2, 10, Map.of(503, 1.0)));
                LlmReply failedOver = ask(producer, codec, replies, "s-5");
                stack.simulator().setFaults(home, new Faults(0, 0, 2, 10, Map.of(500, 1.0)));
                SessionRoute moved = awaitRoute(routes, "s-5");
                LlmReply after = ask(producer, codec, replies, "s-6");

                assertThat(failedOver.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
                assertThat(failedOver.getProvider()).isNotEqualTo(home);
                assertThat(failedOver.getAttempts()).isEqualTo(2);
                // The session moved with the failover and stays on its new model, though the old one has healed.
                assertThat(after.getProvider()).isEqualTo(failedOver.getProvider());
                assertThat(after.getAttempts()).isEqualTo(1);
                assertThat(plans.values(p -> p.getRequestId().equals("s-6")).getFirst().getSteps().getFirst().getReason())
                        .contains("stays on " + failedOver.getModel() + " (moved there from " + first.getFirst().getModel()
                                + " at request s-5)");
                assertThat(moved.getSessionId()).isEqualTo("chat-1");
                assertThat(moved.getModel()).isEqualTo(failedOver.getModel());
                assertThat(moved.getMovedFromModel()).isEqualTo(first.getFirst().getModel());
                assertThat(moved.getRequestId()).isEqualTo("s-5");
            }
        }
    }

    private static LlmReply ask(KafkaProducer<byte[], byte[]> producer, Codec codec, TopicCollector<LlmReply> replies,
                                String requestId) throws Exception {
        LlmRequest request = LlmRequest.newBuilder().setRequestId(requestId).setTenantId("acme").setSessionId("chat-1")
                .setMessages(List.of(new ChatMessage(ChatRole.USER, "Tell me more about request " + requestId)))
                .setCreatedAtMs(System.currentTimeMillis()).build();
        producer.send(codec.record(Topics.REQUESTS, "chat-1", request)).get();
        return await().atMost(WAIT).until(() -> replies.values(r -> r.getRequestId().equals(requestId)),
                list -> !list.isEmpty()).getFirst();
    }

    private static SessionRoute awaitRoute(TopicCollector<SessionRoute> routes, String requestId) {
        return await().atMost(WAIT).until(() -> routes.values(r -> r.getRequestId().equals(requestId)),
                list -> !list.isEmpty()).getFirst();
    }
}
