package dev.switchboard.devstack;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlannerState;
import dev.switchboard.planner.PlannerService;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.MiniLmEmbedder;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.Messages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * A planner checkpoints its learned state to llm.planner-state, and a planner started later
 * restores it and reads only the log after it: the same estimates and the same spend, from a
 * fraction of the records.
 */
class PlannerCheckpointIT {

    @TempDir
    static Path dataDir;

    static StackFixture it;

    @BeforeAll
    static void startStack() {
        it = new StackFixture(dataDir, Map.of("planner.checkpoint.interval.ms", "300", "budgets.daily.usd", "learner:100"));
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
    }

    @Test
    void aStartingPlannerRestoresTheLatestCheckpointAndReadsOnlyTheLogAfterIt() throws Exception {
        LearnedRouter running = it.stack.planner().learnedRouter();
        for (int i = 0; i < 6; i++) {
            rate(ask("c-" + i), i % 3 == 0 ? 1.0 : 0.2);
        }
        await().atMost(StackFixture.WAIT).until(() -> running.learned() == 6);
        PlannerState manifest = it.await(Topics.PLANNER_STATE, s -> s != null && s.getPart().equals("manifest")
                && s.getFeedbackOffsets().values().stream().mapToLong(Long::longValue).sum() == 6);
        assertThat(manifest.getParts()).allMatch(key -> key.startsWith(manifest.getCheckpointId() + "/"))
                .anyMatch(key -> key.contains("/model/"));
        // Parts are deleted (null values) once a later checkpoint replaces them.
        // Two more after that checkpoint: a starting planner reads them from the log.
        for (int i = 6; i < 8; i++) {
            rate(ask("c-" + i), 0.6);
        }
        await().atMost(StackFixture.WAIT).until(() -> running.learned() == 8);

        try (PlannerService restarted = new PlannerService(it.config, it.clients, it.codec)) {
            await().atMost(StackFixture.WAIT).until(restarted::learnedStateReady);
            LearnedRouter rebuilt = restarted.learnedRouter();
            List<String> models = List.of("sim-fast-small", "sim-strong-large", "sim-flaky-medium");
            await().atMost(StackFixture.WAIT).until(() -> models.stream().mapToLong(m -> rebuilt.model().observations(m)).sum() == 8);
            for (String model : models) {
                assertThat(rebuilt.model().observations(model)).as(model).isEqualTo(running.model().observations(model));
            }
            // Plans and attempts are read again from before the checkpoint (a score after it may rate any of them), but
            // not the 6 scores it covers: learnt twice, they would count twice.
            long inLog = records(Topics.PLANS.name()) + records(Topics.ATTEMPTS.name()) + records(Topics.FEEDBACK.name());
            assertThat(records(Topics.FEEDBACK.name())).isEqualTo(8);
            assertThat(restarted.learnedStateRecordsRead()).isLessThanOrEqualTo(inLog - 6);
            assertThat(restarted.learnedStateReadyAfterMs()).isBetween(0L, 10_000L);
            // The day's spend: the checkpoint's, and the attempts after it, each once.
            double spent = it.stack.planner().spentTodayUsd("learner");
            assertThat(spent).isPositive();
            assertThat(restarted.spentTodayUsd("learner")).isCloseTo(spent, within(1e-12));
            MiniLmEmbedder embedder = new MiniLmEmbedder();
            for (String probe : List.of("Tell me more about request c-0", "Summarise the history of Kafka in two lines")) {
                float[] x = embedder.embed(probe);
                for (String model : models) {
                    assertThat(rebuilt.model().estimate(model, x, null).mean()).as(model + " on " + probe)
                            .isCloseTo(running.model().estimate(model, x, null).mean(), within(1e-9));
                    assertThat(rebuilt.model().estimate(model, x, null).spread()).as(model + " on " + probe)
                            .isCloseTo(running.model().estimate(model, x, null).spread(), within(1e-9));
                }
            }
        }
    }

    /** Records in every partition of {@code topic}, by its end offsets (these topics are not transactional). */
    private static long records(String topic) {
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer = it.clients.reader("it-count")) {
            return consumer.endOffsets(dev.switchboard.platform.kafka.LogFollower.partitions(consumer, topic)).values().stream()
                    .mapToLong(Long::longValue).sum();
        }
    }

    private static LlmReply ask(String requestId) throws Exception {
        it.send(LlmRequest.newBuilder().setRequestId(requestId).setTenantId("learner")
                .setMessages(List.of(Messages.of(ChatRole.USER, "Tell me more about request " + requestId)))
                .setCreatedAtMs(System.currentTimeMillis()).build());
        return it.reply(requestId);
    }

    private static void rate(LlmReply reply, double score) throws Exception {
        it.producer.send(it.codec.record(Topics.FEEDBACK, reply.getRequestId(), new Feedback(reply.getRequestId(), "learner",
                FeedbackKind.ACCURACY, score, null, System.currentTimeMillis()))).get();
    }
}
