package dev.switchboard.devstack;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.ServiceContext;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.TopicBootstrap;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.provider.WorkerPool;
import dev.switchboard.provider.openai.OpenAiCompatibleClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
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
 * A task that keeps coming back without an outcome (its workers crash or stall on it) is
 * dead-lettered on its last delivery instead of being archived by the broker, and its request is
 * answered FAILED.
 */
class DeliveryLimitIT {

    @TempDir
    Path dataDir;

    @Test
    void theLastDeliveryIsDeadLetteredNotLost() throws Exception {
        SwitchboardConfig config = TestStack.config(dataDir, Map.of());
        try (DevStack stack = DevStack.start(config, true)) {
            ServiceContext context = ServiceContext.connect(config);
            String group = WorkerPool.groupId("sim-fast");
            try (Admin admin = context.clients().admin("it")) {
                TopicBootstrap.shareGroupFromEarliest(admin, group);
            }
            LlmRequest request = LlmRequest.newBuilder().setRequestId("limit-1").setTenantId("acme")
                    .setMessages(List.of(new ChatMessage(ChatRole.USER, "What is 1+1?"))).setCreatedAtMs(1L).build();
            ProviderTask task = ProviderTask.newBuilder().setRequestId("limit-1").setTenantId("acme").setRequest(request)
                    .setSteps(List.of(new PlanStep("sim-fast", "sim-fast-small", 0.0, "", 0.0))).setStepIndex(0).setAttempt(1)
                    .setDispatchedAtMs(1L).build();
            try (KafkaProducer<byte[], byte[]> producer = context.clients().producer("it")) {
                producer.send(context.codec().record(Topics.tasks("sim-fast"), "limit-1", task)).get();
            }

            // Four deliveries end without an outcome, as when a worker dies holding the task.
            try (KafkaShareConsumer<byte[], byte[]> crashing = context.clients().shareConsumer(group, "crashing", 10)) {
                crashing.subscribe(List.of(Topics.tasks("sim-fast").name()));
                List<Integer> deliveries = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> record : crashing.poll(Duration.ofMillis(200))) {
                        deliveries.add(record.deliveryCount().orElseThrow().intValue());
                        crashing.acknowledge(record, AcknowledgeType.RELEASE);
                    }
                    return deliveries.size() == 4;
                });
                assertThat(deliveries).containsExactly(1, 2, 3, 4);
            }

            try (TopicCollector<DeadLetter> dlq = new TopicCollector<>(Topics.DLQ, context.clients(), context.codec());
                 TopicCollector<LlmReply> replies = new TopicCollector<>(Topics.REPLIES, context.clients(), context.codec());
                 WorkerPool pool = new WorkerPool(new OpenAiCompatibleClient(config.provider("sim-fast")), context.clients(),
                         context.codec(), new WorkerPool.Options(1, 10, 5, 30_000, config.circuit(), p -> false)).start()) {
                assertThat(pool.provider()).isEqualTo("sim-fast");
                DeadLetter letter = await().atMost(Duration.ofSeconds(30)).until(() -> dlq.values(d -> true), l -> !l.isEmpty()).getFirst();
                assertThat(letter.getErrorClass()).isEqualTo("DELIVERY_LIMIT_REACHED");
                assertThat(letter.getErrorMessage()).startsWith("delivered 5 times");
                assertThat(letter.getRequestId()).isEqualTo("limit-1");
                assertThat(letter.getOriginalTopic()).isEqualTo("llm.tasks.sim-fast");
                LlmReply reply = await().atMost(Duration.ofSeconds(30)).until(() -> replies.values(r -> true), l -> !l.isEmpty()).getFirst();
                assertThat(reply.getStatus()).isEqualTo(ReplyStatus.FAILED);
                assertThat(reply.getError().getErrorClass()).isEqualTo("DELIVERY_LIMIT_REACHED");
                assertThat(stack.simulator().completions()).isZero();
            }
        }
    }
}
