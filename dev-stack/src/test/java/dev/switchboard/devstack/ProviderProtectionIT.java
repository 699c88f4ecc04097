package dev.switchboard.devstack;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.AttemptSummary;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ProviderHealth;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Circuit breakers shared through llm.provider-health, and a provider's Retry-After honoured. */
class ProviderProtectionIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;
    static StackFixture it;
    static DevStack stack;
    static Codec codec;
    static KafkaProducer<byte[], byte[]> producer;
    static TopicCollector<LlmReply> replies;
    static TopicCollector<AttemptOutcome> attempts;
    static TopicCollector<ProviderHealth> health;
    static TopicCollector<DeadLetter> deadLetters;
    static TopicCollector<ProviderTask> fastTasks;

    @BeforeAll
    static void start() {
        it = new StackFixture(dataDir, Map.of(
                SwitchboardConfig.CIRCUIT_WINDOW, "4",
                SwitchboardConfig.CIRCUIT_MINIMUM_CALLS, "4",
                SwitchboardConfig.CIRCUIT_OPEN_MS, "120000"));
        stack = it.stack;
        codec = it.codec;
        producer = it.producer;
        replies = it.collector(Topics.REPLIES);
        attempts = it.collector(Topics.ATTEMPTS);
        health = it.collector(Topics.PROVIDER_HEALTH);
        deadLetters = it.collector(Topics.DLQ);
        fastTasks = it.collector(Topics.tasks("sim-fast"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (it != null) {
            it.close();
        }
    }

    static LlmRequest send(List<String> providers) throws Exception {
        LlmRequest request = LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, "What is 3+3?"))).setPreferredProviders(providers)
                .setCreatedAtMs(System.currentTimeMillis()).build();
        producer.send(TestStack.requestRecord(stack.config(), codec, request.getRequestId(), request)).get();
        return request;
    }

    static LlmReply reply(LlmRequest request) {
        return await().atMost(WAIT).until(() -> replies.values(r -> r.getRequestId().equals(request.getRequestId())),
                l -> !l.isEmpty()).getFirst();
    }

    @Test
    void anOpenCircuitIsSharedAndItsProviderSkipped() throws Exception {
        stack.simulator().setFaults("sim-flaky", new Faults(1.0, 0, 1, 2, Map.of(500, 1.0)));
        for (int i = 0; i < 4; i++) {
            LlmReply reply = reply(send(List.of("sim-flaky", "sim-fast")));
            assertThat(reply.getProvider()).isEqualTo("sim-fast");
            assertThat(reply.getAttempts()).isEqualTo(2);
        }
        ProviderHealth open = await().atMost(WAIT).until(() -> health.values(h -> h.getProvider().equals("sim-flaky")),
                l -> !l.isEmpty()).getLast();
        assertThat(open.getState()).isEqualTo("OPEN");
        assertThat(open.getFailureRate()).isEqualTo(100.0f);
        stack.simulator().setFaults("sim-flaky", new Faults(0, 0, 1, 2, Map.of(500, 1.0)));

        // The router now skips sim-flaky without calling it, and says so in the task's history.
        LlmRequest skipping = send(List.of("sim-flaky", "sim-fast"));
        LlmReply reply = reply(skipping);
        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(reply.getProvider()).isEqualTo("sim-fast");
        assertThat(reply.getAttempts()).isEqualTo(1);
        assertThat(attempts.values(a -> a.getRequestId().equals(skipping.getRequestId())))
                .extracting(AttemptOutcome::getProvider).containsExactly("sim-fast");
        ProviderTask task = await().atMost(WAIT).until(() -> fastTasks.values(t -> t.getRequestId().equals(skipping.getRequestId())),
                l -> !l.isEmpty()).getFirst();
        assertThat(task.getHistory()).singleElement().satisfies(h -> {
            assertThat(h.getProvider()).isEqualTo("sim-flaky");
            assertThat(h.getSkipped()).isTrue();
            assertThat(h.getErrorClass()).isEqualTo("CIRCUIT_OPEN");
        });

        // With no other provider in the plan, the request fails at once and is dead-lettered for a later replay.
        LlmRequest only = send(List.of("sim-flaky"));
        LlmReply failed = reply(only);
        assertThat(failed.getStatus()).isEqualTo(ReplyStatus.FAILED);
        assertThat(failed.getError().getErrorClass()).isEqualTo("CIRCUIT_OPEN");
        DeadLetter letter = await().atMost(WAIT).until(() -> deadLetters.values(d -> only.getRequestId().equals(d.getRequestId())),
                l -> !l.isEmpty()).getFirst();
        assertThat(letter.getStage()).isEqualTo("router");
        assertThat(letter.getOriginalTopic()).isEqualTo("llm.plans");
    }

    @Test
    void aRetryAfterHoldsTheProviderBackForAsLongAsItAsked() throws Exception {
        stack.simulator().setFaults("sim-strong", new Faults(1.0, 0, 1, 2, Map.of(429, 1.0), 60));
        LlmRequest first = send(List.of("sim-strong", "sim-fast"));
        assertThat(reply(first).getProvider()).isEqualTo("sim-fast");
        stack.simulator().setFaults("sim-strong", new Faults(0, 0, 1, 2, Map.of(500, 1.0)));
        long callsBefore = stack.simulator().completions();

        LlmRequest second = send(List.of("sim-strong", "sim-fast"));

        assertThat(reply(second).getProvider()).isEqualTo("sim-fast");
        AttemptOutcome held = await().atMost(WAIT).until(() -> attempts.values(
                a -> a.getRequestId().equals(second.getRequestId()) && a.getProvider().equals("sim-strong")), l -> !l.isEmpty()).getFirst();
        assertThat(held.getError().getErrorClass()).isEqualTo("RATE_LIMITED");
        assertThat(held.getError().getMessage()).contains("asked to wait (Retry-After)");
        assertThat(held.getLatencyMs()).isEqualTo(0L);
        // Only sim-fast's answer was a call: sim-strong was not called while it asked to be left alone.
        assertThat(stack.simulator().completions()).isEqualTo(callsBefore + 1);
    }
}
