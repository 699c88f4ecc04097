package dev.switchboard.devstack;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderTask;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.dispatch.Dispatcher;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole pipeline on a real broker: request → planner → router → worker → reply, failover,
 * exhaustion and dead letters. Start reading here.
 */
class EndToEndIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    static StackFixture it;
    static DevStack stack;
    static Codec codec;
    static KafkaProducer<byte[], byte[]> producer;
    static TopicCollector<LlmReply> replies;
    static TopicCollector<AttemptOutcome> attempts;
    static TopicCollector<DeadLetter> deadLetters;

    @BeforeAll
    static void startStack() {
        // The static ranking (sim-fast, sim-strong, sim-flaky), so that which provider answers is known.
        it = new StackFixture(dataDir, Map.of(SwitchboardConfig.PLANNER_STRATEGY, "static"));
        stack = it.stack;
        codec = it.codec;
        producer = it.producer;
        replies = it.collector(Topics.REPLIES);
        attempts = it.collector(Topics.ATTEMPTS);
        deadLetters = it.collector(Topics.DLQ);
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
    }

    @AfterEach
    void healProviders() {
        it.healProviders();
    }

    static LlmRequest request(String prompt, List<String> preferred) {
        return LlmRequest.newBuilder()
                .setRequestId(UUID.randomUUID().toString())
                .setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, prompt)))
                .setPreferredProviders(preferred)
                .setCreatedAtMs(System.currentTimeMillis())
                .build();
    }

    static void send(LlmRequest request) throws Exception {
        producer.send(TestStack.requestRecord(stack.config(), codec, request.getRequestId(), request)).get();
    }

    static LlmReply awaitReply(String requestId) {
        return await().atMost(WAIT).until(() -> replies.values(r -> r.getRequestId().equals(requestId)),
                list -> !list.isEmpty()).getFirst();
    }

    /**
     * The planner publishes a plan with its first task (one hop, not two); the router dispatches only
     * the plans that reach llm.plans without one, and passes over the others.
     */
    @Test
    void thePlannerDispatchesThePlanItMadeAndTheRouterOnlyAPlanThatCameWithoutItsTask() throws Exception {
        TopicCollector<ExecutionPlan> plans = it.collector(Topics.PLANS);
        TopicCollector<ProviderTask> strongTasks = it.collector(Topics.tasks("sim-strong"));
        LlmRequest planned = request("What is 2+2?", List.of("sim-strong"));
        send(planned);
        assertThat(awaitReply(planned.getRequestId()).getProvider()).isEqualTo("sim-strong");
        TopicCollector.Received<ExecutionPlan> plan = await().atMost(WAIT).until(
                () -> plans.matching(p -> p.getRequestId().equals(planned.getRequestId())), l -> !l.isEmpty()).getFirst();
        assertThat(new String(plan.raw().headers().lastHeader(Dispatcher.DISPATCHED_HEADER).value(), StandardCharsets.UTF_8))
                .isEqualTo("llm.tasks.sim-strong");
        assertThat(strongTasks.values(t -> t.getRequestId().equals(planned.getRequestId()))).singleElement()
                .satisfies(t -> assertThat(t.getAttempt()).isEqualTo(1));

        // Two plans written straight to llm.plans, on one partition: one says its task went with it, one does not.
        ExecutionPlan headed = planOf(request("What is 3+3?", List.of("sim-strong")));
        ExecutionPlan bare = planOf(request("What is 4+4?", List.of("sim-strong")));
        ProducerRecord<byte[], byte[]> headedRecord = codec.record(Topics.PLANS, headed.getRequestId(), headed);
        headedRecord = new ProducerRecord<>(Topics.PLANS.name(), 0, headedRecord.key(), headedRecord.value());
        headedRecord.headers().add(Dispatcher.DISPATCHED_HEADER, Dispatcher.dispatchedTo("llm.tasks.sim-strong"));
        ProducerRecord<byte[], byte[]> bareRecord = codec.record(Topics.PLANS, bare.getRequestId(), bare);
        producer.send(headedRecord).get();
        producer.send(new ProducerRecord<>(Topics.PLANS.name(), 0, bareRecord.key(), bareRecord.value())).get();

        LlmReply reply = awaitReply(bare.getRequestId());
        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(reply.getContent()).isEqualTo("4 + 4 = 8.");
        assertThat(strongTasks.values(t -> t.getRequestId().equals(bare.getRequestId()))).hasSize(1);
        // The router read the headed plan before the bare one, and dispatched nothing for it.
        assertThat(strongTasks.values(t -> t.getRequestId().equals(headed.getRequestId()))).isEmpty();
        assertThat(replies.values(r -> r.getRequestId().equals(headed.getRequestId()))).isEmpty();
    }

    private static ExecutionPlan planOf(LlmRequest request) {
        return ExecutionPlan.newBuilder().setRequestId(request.getRequestId()).setTenantId(request.getTenantId())
                .setRequest(request).setSteps(List.of(new PlanStep("sim-strong", "sim-strong-large", 0.001, "preferred", 0.0, null)))
                .setStrategy("preferred").setTaskType("chat").setPlannedAtMs(System.currentTimeMillis()).build();
    }

    @Test
    void requestIsAnsweredByTheFirstProviderOfTheRanking() throws Exception {
        LlmRequest request = request("What is 2+2?", List.of());
        send(request);

        LlmReply reply = awaitReply(request.getRequestId());

        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(reply.getContent()).isEqualTo("2 + 2 = 4.");
        assertThat(reply.getProvider()).isEqualTo("sim-fast");
        assertThat(reply.getModel()).isEqualTo("sim-fast-small");
        assertThat(reply.getAttempts()).isEqualTo(1);
        assertThat(reply.getTenantId()).isEqualTo("acme");
        // "What is 2+2?" is 12 characters → 3 prompt tokens; "2 + 2 = 4." is 10 → 3 completion tokens.
        assertThat(reply.getInputTokens()).isEqualTo(3);
        assertThat(reply.getOutputTokens()).isEqualTo(3);
        assertThat(reply.getCostUsd()).isCloseTo((3 * 0.15 + 3 * 0.60) / 1e6, org.assertj.core.data.Offset.offset(1e-12));
        List<AttemptOutcome> outcomes = await().atMost(WAIT).until(
                () -> attempts.values(a -> a.getRequestId().equals(request.getRequestId())), l -> !l.isEmpty());
        assertThat(outcomes).singleElement().satisfies(a -> {
            assertThat(a.getProvider()).isEqualTo("sim-fast");
            assertThat(a.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
            assertThat(a.getAttempt()).isEqualTo(1);
        });
    }

    @Test
    void replyGoesToTheTopicTheRequestNames() throws Exception {
        String replyTopic = "it.replies." + UUID.randomUUID();
        LlmRequest request = request("What is 6*7?", List.of("sim-strong"));
        request.setReplyTo(replyTopic);
        KafkaClients clients = TestStack.clients(stack.config());
        send(request);
        await().atMost(WAIT).until(() -> {
            try (var admin = clients.admin("it-admin")) {
                return admin.listTopics().names().get().contains(replyTopic);
            }
        });
        try (TopicCollector<LlmReply> own = new TopicCollector<>(Topics.replies(replyTopic), clients, codec)) {
            LlmReply reply = await().atMost(WAIT).until(() -> own.values(r -> true), l -> !l.isEmpty()).getFirst();
            assertThat(reply.getRequestId()).isEqualTo(request.getRequestId());
            assertThat(reply.getContent()).isEqualTo("6 * 7 = 42.");
            assertThat(reply.getProvider()).isEqualTo("sim-strong");
        }
        assertThat(replies.values(r -> r.getRequestId().equals(request.getRequestId()))).isEmpty();
    }

    @Test
    void springRequestReplyHeadersNameTheReplyTopicAndComeBackOnTheReply() throws Exception {
        // What Spring's ReplyingKafkaTemplate sends: the reply topic and a correlation id as headers, no replyTo field.
        String replyTopic = "it.spring-replies." + UUID.randomUUID();
        byte[] correlation = ByteBuffer.allocate(16).putLong(42L).putLong(7L).array();
        LlmRequest request = request("What is 8*8?", List.of("sim-fast"));
        KafkaClients clients = TestStack.clients(stack.config());
        try (var admin = clients.admin("it-admin")) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(replyTopic, 1, (short) 1))).all().get();
        }
        ProducerRecord<byte[], byte[]> record = TestStack.requestRecord(stack.config(), codec, request.getRequestId(), request);
        record.headers().add(new RecordHeader("kafka_replyTopic", replyTopic.getBytes(StandardCharsets.UTF_8)));
        record.headers().add(new RecordHeader("kafka_correlationId", correlation));
        producer.send(record).get();

        try (TopicCollector<LlmReply> own = new TopicCollector<>(Topics.replies(replyTopic), clients, codec)) {
            TopicCollector.Received<LlmReply> reply = await().atMost(WAIT).until(() -> own.matching(r -> true), l -> !l.isEmpty()).getFirst();
            assertThat(reply.value().getRequestId()).isEqualTo(request.getRequestId());
            assertThat(reply.value().getContent()).isEqualTo("8 * 8 = 64.");
            assertThat(reply.raw().headers().lastHeader("kafka_correlationId").value()).isEqualTo(correlation);
        }
        assertThat(replies.values(r -> r.getRequestId().equals(request.getRequestId()))).isEmpty();
    }

    @Test
    void failoverToTheNextProviderWhenTheFirstAnswers500() throws Exception {
        stack.simulator().setFaults("sim-fast", new Faults(1.0, 0, 2, 10, Map.of(500, 1.0)));
        LlmRequest request = request("What is 10-3?", List.of("sim-fast", "sim-strong"));
        send(request);

        LlmReply reply = awaitReply(request.getRequestId());

        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(reply.getProvider()).isEqualTo("sim-strong");
        assertThat(reply.getAttempts()).isEqualTo(2);
        assertThat(reply.getContent()).isEqualTo("10 - 3 = 7.");
        List<AttemptOutcome> outcomes = await().atMost(WAIT).until(
                () -> attempts.values(a -> a.getRequestId().equals(request.getRequestId())), l -> l.size() == 2);
        assertThat(outcomes).extracting(AttemptOutcome::getProvider).containsExactly("sim-fast", "sim-strong");
        assertThat(outcomes.get(0).getStatus()).isEqualTo(ReplyStatus.FAILED);
        assertThat(outcomes.get(0).getError().getErrorClass()).isEqualTo("SERVER_ERROR");
        assertThat(outcomes.get(0).getRetryable()).isTrue();
        assertThat(outcomes.get(1).getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(outcomes.get(1).getAttempt()).isEqualTo(2);
    }

    @Test
    void exhaustedPlanGivesAFailedReplyAndADeadLetter() throws Exception {
        stack.simulator().setFaults("sim-flaky", new Faults(1.0, 0, 2, 10, Map.of(503, 1.0)));
        stack.simulator().setFaults("sim-fast", new Faults(1.0, 0, 2, 10, Map.of(429, 1.0), 0));
        LlmRequest request = request("Hello there", List.of("sim-flaky", "sim-fast"));
        send(request);

        LlmReply reply = awaitReply(request.getRequestId());

        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.FAILED);
        assertThat(reply.getContent()).isNull();
        assertThat(reply.getAttempts()).isEqualTo(2);
        assertThat(reply.getError().getErrorClass()).isEqualTo("RATE_LIMITED");
        assertThat(reply.getError().getMessage()).startsWith("all 2 steps of the plan failed; last: sim-fast");
        DeadLetter letter = await().atMost(WAIT).until(() -> deadLetters.values(
                d -> request.getRequestId().equals(d.getRequestId())), l -> !l.isEmpty()).getFirst();
        assertThat(letter.getStage()).isEqualTo("provider-worker");
        assertThat(letter.getOriginalTopic()).isEqualTo("llm.tasks.sim-fast");
        assertThat(letter.getErrorClass()).isEqualTo("RATE_LIMITED");
        assertThat(letter.getAttempts()).isEqualTo(2);
        // The dead letter holds the task exactly as it was on llm.tasks.sim-fast.
        var task = codec.decode(Topics.tasks("sim-fast"), bytes(letter.getValue()));
        assertThat(task.getRequestId()).isEqualTo(request.getRequestId());
        assertThat(task.getAttempt()).isEqualTo(2);
        assertThat(task.getHistory()).extracting(h -> h.getErrorClass()).containsExactly("SERVER_ERROR");
    }

    @Test
    void garbageBytesAreDeadLetteredUntouchedAndTheNextRequestIsStillAnswered() throws Exception {
        byte[] garbage = "definitely not avro \u0000\u00ff".getBytes(StandardCharsets.UTF_8);
        byte[] key = "garbage-key".getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.REQUESTS.name(), key, garbage);
        record.headers().add(new RecordHeader("origin", "it".getBytes(StandardCharsets.UTF_8)));
        producer.send(record).get();
        LlmRequest next = request("What is 1+1?", List.of());
        send(next);

        assertThat(awaitReply(next.getRequestId()).getContent()).isEqualTo("1 + 1 = 2.");
        var letter = await().atMost(WAIT).until(() -> deadLetters.matching(
                d -> d.getKey() != null && bytes(d.getKey()).length == key.length
                        && new String(bytes(d.getKey()), StandardCharsets.UTF_8).equals("garbage-key")), l -> !l.isEmpty()).getFirst();
        DeadLetter dl = letter.value();
        assertThat(bytes(dl.getValue())).isEqualTo(garbage);
        assertThat(dl.getOriginalTopic()).isEqualTo("llm.requests");
        assertThat(dl.getStage()).isEqualTo("planner");
        assertThat(dl.getErrorClass()).isEqualTo("UNKNOWN_MAGIC_BYTE");
        assertThat(dl.getHeaders()).singleElement().satisfies(h -> {
            assertThat(h.getKey()).isEqualTo("origin");
            assertThat(bytes(h.getValue())).isEqualTo("it".getBytes(StandardCharsets.UTF_8));
        });
        assertThat(new String(letter.raw().headers().lastHeader("__connect.errors.topic").value(), StandardCharsets.UTF_8))
                .isEqualTo("llm.requests");
    }

    @Test
    void aStringThatIsNotUtf8IsDeadLetteredNotServedUnderAMangledValue() throws Exception {
        LlmRequest request = LlmRequest.newBuilder(request("What is 2+2?", List.of())).setTenantId("tenant-QQQ").build();
        ProducerRecord<byte[], byte[]> valid = codec.record(Topics.REQUESTS, request.getRequestId(), request);
        byte[] corrupted = valid.value().clone();
        int at = indexOf(corrupted, "QQQ".getBytes(StandardCharsets.UTF_8));
        corrupted[at] = (byte) 0xFF; // never valid in UTF-8; Avro's own reader would have made it U+FFFD
        producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), valid.key(), corrupted)).get();
        LlmRequest next = request("What is 1+1?", List.of());
        send(next);

        assertThat(awaitReply(next.getRequestId()).getContent()).isEqualTo("1 + 1 = 2.");
        DeadLetter dl = await().atMost(WAIT).until(() -> deadLetters.matching(d -> d.getKey() != null
                && new String(bytes(d.getKey()), StandardCharsets.UTF_8).equals(request.getRequestId())), l -> !l.isEmpty())
                .getFirst().value();
        assertThat(dl.getErrorClass()).isEqualTo("MALFORMED_PAYLOAD");
        assertThat(dl.getErrorMessage()).contains("is not valid UTF-8");
        assertThat(bytes(dl.getValue())).isEqualTo(corrupted);
        assertThat(replies.values(r -> r.getRequestId().equals(request.getRequestId()))).isEmpty();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void invalidRequestIsDeadLetteredWithTheReason() throws Exception {
        LlmRequest empty = request("unused", List.of());
        empty.setMessages(List.of());
        LlmRequest unknownProvider = request("What is 3+3?", List.of("no-such-provider"));
        send(empty);
        send(unknownProvider);

        DeadLetter noMessages = await().atMost(WAIT).until(() -> deadLetters.values(
                d -> empty.getRequestId().equals(d.getRequestId())), l -> !l.isEmpty()).getFirst();
        assertThat(noMessages.getErrorClass()).isEqualTo("INVALID_REQUEST");
        assertThat(noMessages.getErrorMessage()).contains("messages is empty");
        DeadLetter unknown = await().atMost(WAIT).until(() -> deadLetters.values(
                d -> unknownProvider.getRequestId().equals(d.getRequestId())), l -> !l.isEmpty()).getFirst();
        assertThat(unknown.getErrorClass()).isEqualTo("UNKNOWN_PROVIDER");
        assertThat(unknown.getErrorMessage()).contains("'no-such-provider'");
        assertThat(codec.decode(Topics.REQUESTS, bytes(unknown.getValue()))).isEqualTo(unknownProvider);
        // The producers waiting for these requests are answered at once.
        LlmReply rejected = awaitReply(unknownProvider.getRequestId());
        assertThat(rejected.getStatus()).isEqualTo(ReplyStatus.FAILED);
        assertThat(rejected.getAttempts()).isEqualTo(0);
        assertThat(rejected.getError().getErrorClass()).isEqualTo("UNKNOWN_PROVIDER");
        assertThat(awaitReply(empty.getRequestId()).getError().getErrorClass()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void aRequestPastItsDeadlineIsAnsweredFailedWithoutACall() throws Exception {
        LlmRequest request = request("What is 1+2?", List.of("sim-strong"));
        request.setDeadlineMs(System.currentTimeMillis() - 1_000);
        send(request);

        LlmReply reply = awaitReply(request.getRequestId());

        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.FAILED);
        assertThat(reply.getError().getErrorClass()).isEqualTo("DEADLINE_EXCEEDED");
        assertThat(reply.getError().getMessage()).endsWith("before planning");
        assertThat(reply.getAttempts()).isEqualTo(0);
        assertThat(attempts.values(a -> a.getRequestId().equals(request.getRequestId()))).isEmpty();
    }

    @Test
    void aDeadlineThatPassesDuringAFailedCallStopsTheFailover() throws Exception {
        stack.simulator().setFaults("sim-fast", new Faults(1.0, 0, 800, 800, Map.of(503, 1.0)));
        LlmRequest request = request("What is 2+3?", List.of("sim-fast", "sim-strong"));
        request.setDeadlineMs(System.currentTimeMillis() + 400);
        send(request);

        LlmReply reply = awaitReply(request.getRequestId());

        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.FAILED);
        assertThat(reply.getError().getErrorClass()).isEqualTo("DEADLINE_EXCEEDED");
        assertThat(reply.getError().getMessage()).contains("failing over from sim-fast (SERVER_ERROR)");
        assertThat(reply.getAttempts()).isEqualTo(1);
        assertThat(await().atMost(WAIT).until(() -> attempts.values(a -> a.getRequestId().equals(request.getRequestId())),
                l -> !l.isEmpty())).extracting(AttemptOutcome::getProvider).containsExactly("sim-fast");
    }

    @Test
    void aContentPolicyRefusalFailsTheRequestWithoutFailover() throws Exception {
        stack.simulator().setFaults("sim-flaky", new Faults(1.0, 0, 2, 10, Map.of(400, 1.0), 1, "content_policy_violation"));
        LlmRequest request = request("Something the provider refuses", List.of("sim-flaky", "sim-fast"));
        send(request);

        LlmReply reply = awaitReply(request.getRequestId());

        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.FAILED);
        assertThat(reply.getAttempts()).isEqualTo(1);
        assertThat(reply.getError().getErrorClass()).isEqualTo("CONTENT_FILTERED");
        assertThat(reply.getError().getMessage()).startsWith("sim-flaky refused the request (not retryable)");
    }

    @Test
    void healthSaysEveryServiceIsReadyWithItsCircuits() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        String base = "http://localhost:" + stack.healthPort();

        var live = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/health/live")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        String token = dev.switchboard.platform.auth.TokenClient.token(stack.config().security(), java.util.Map.of("roles", "ops"));
        var ready = await().atMost(WAIT).until(() -> http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/health/ready")).header("Authorization", "Bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 200);
        var probe = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/health/ready")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(live.statusCode()).isEqualTo(200);
        // A probe without a token learns only up or down.
        assertThat(probe.statusCode()).isEqualTo(200);
        assertThat(probe.body()).isEqualTo("{\"status\":\"UP\"}");
        var body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ready.body());
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.get("components").fieldNames()).toIterable()
                .containsExactly("planner", "router", "workers.sim-fast", "workers.sim-strong", "workers.sim-flaky", "agent", "edge");
        assertThat(body.at("/components/planner/topic").asText()).isEqualTo("llm.requests");
        assertThat(body.at("/components/planner/assignment").size()).isEqualTo(3);
        assertThat(body.at("/components/workers.sim-fast/circuit").asText()).isEqualTo("CLOSED");
        assertThat(body.at("/components/edge/caughtUp").asBoolean()).isTrue();
        assertThat(body.at("/components/edge/replyTopic").asText()).isEqualTo("llm.replies.edge");
    }

    static byte[] bytes(ByteBuffer buffer) {
        return DeadLetters.bytes(buffer);
    }
}
