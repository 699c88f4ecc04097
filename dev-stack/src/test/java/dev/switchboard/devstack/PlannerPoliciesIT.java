package dev.switchboard.devstack;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.avro.SessionRoute;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.planner.PlannerService;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.MiniLmEmbedder;
import dev.switchboard.platform.kafka.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
 * The learning planner's policies on the real pipeline. A session stays on the model that answered
 * it, and a failover moves it visibly: in the reply (another provider, two attempts), on
 * llm.sessions, and in the next plan. A tenant's daily budget is enforced from the spend in
 * llm.attempts. A restarted planner learns again from the log what it had learnt.
 */
class PlannerPoliciesIT {

    private static final Duration WAIT = StackFixture.WAIT;
    private static final String MINI = "sim-strong-mini";

    @TempDir
    static Path dataDir;

    static StackFixture it;
    static DevStack stack;
    static TopicCollector<LlmReply> replies;
    static TopicCollector<ExecutionPlan> plans;

    @BeforeAll
    static void startStack() {
        it = new StackFixture(dataDir, Map.of("planner.strategy", "balanced",
                "budgets.daily.usd", "capped:0.0000001,thrifty:0.0000001,burst:0.0000001", "budgets.over.policy", "thrifty:cheapest",
                // sim-strong also serves a small, cheap model
                "provider.sim-strong.models", MINI,
                "provider.sim-strong.model." + MINI + ".input.price.per.mtok", "0.01",
                "provider.sim-strong.model." + MINI + ".output.price.per.mtok", "0.02"));
        stack = it.stack;
        replies = it.collector(Topics.REPLIES);
        plans = it.collector(Topics.PLANS);
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
    }

    @Test
    void aSessionStaysOnItsModelUntilAFailoverMovesIt() throws Exception {
        List<LlmReply> first = new ArrayList<>();
        first.add(ask("acme", "s-0"));
        // The planner hears who answered from llm.attempts, asynchronously: wait for the session's first route.
        awaitRoute("s-0");
        for (int i = 1; i < 5; i++) {
            first.add(ask("acme", "s-" + i));
        }
        String home = first.getFirst().getProvider();
        assertThat(first).extracting(LlmReply::getProvider).containsOnly(home);
        assertThat(first).extracting(LlmReply::getAttempts).containsOnly(1);
        assertThat(plans.values(p -> p.getRequestId().equals("s-3")).getFirst().getSteps().getFirst().getReason())
                .startsWith("#1 as session chat-1 stays on " + first.getFirst().getModel() + ";");

        stack.simulator().setFaults(home, new Faults(1.0, 0, 2, 10, Map.of(503, 1.0)));
        LlmReply failedOver = ask("acme", "s-5");
        stack.simulator().setFaults(home, new Faults(0, 0, 2, 10, Map.of(500, 1.0)));
        SessionRoute moved = awaitRoute("s-5");
        LlmReply after = ask("acme", "s-6");

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

    @Test
    void aTenantOverItsDailyBudgetIsRefusedOnceItsSpendIsInTheLog() throws Exception {
        LlmReply first = ask("capped", "b-0");
        assertThat(first.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(first.getCostUsd()).isGreaterThan(0.0000001);

        // The spend reaches the planner through llm.attempts, asynchronously: ask until it is refused.
        java.util.concurrent.atomic.AtomicInteger probe = new java.util.concurrent.atomic.AtomicInteger();
        LlmReply refused = await().atMost(WAIT).until(() -> ask("capped", "b-probe-" + probe.incrementAndGet()),
                r -> r.getStatus() == ReplyStatus.FAILED);

        assertThat(refused.getError().getErrorClass()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(refused.getError().getMessage())
                .matches("tenant capped has spent \\$0\\.\\d{6} today \\(UTC\\), counting requests in flight, of its daily budget of \\$0\\.000000");
        assertThat(ask("acme", "b-other").getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
    }

    @Test
    void aBurstCannotOutrunTheBudgetBecauseAPlanCountsWithItsEstimateUntilItsCostIsKnown() throws Exception {
        // Two requests at once: the second is planned before the first one's attempt can be in the log.
        for (String id : List.of("burst-1", "burst-2")) {
            it.send(LlmRequest.newBuilder().setRequestId(id).setTenantId("burst")
                    .setMessages(List.of(Messages.of(ChatRole.USER, "Tell me more about request " + id)))
                    .setCreatedAtMs(System.currentTimeMillis()).build());
        }
        List<LlmReply> burst = List.of(it.reply("burst-1"), it.reply("burst-2"));

        assertThat(burst).extracting(LlmReply::getStatus).containsExactlyInAnyOrder(ReplyStatus.SUCCEEDED, ReplyStatus.FAILED);
        LlmReply refused = burst.stream().filter(r -> r.getStatus() == ReplyStatus.FAILED).findFirst().orElseThrow();
        assertThat(refused.getError().getErrorClass()).isEqualTo("BUDGET_EXCEEDED");
        assertThat(refused.getError().getMessage())
                .matches("tenant burst has spent \\$0\\.\\d{6} today \\(UTC\\), counting requests in flight, of its daily budget of \\$0\\.000000");
    }

    @Test
    void aTenantWhosePolicyIsCheapestIsServedByTheCheapestProviderOnly() throws Exception {
        ask("thrifty", "c-0");
        java.util.concurrent.atomic.AtomicInteger probe = new java.util.concurrent.atomic.AtomicInteger();
        String id = await().atMost(WAIT).until(() -> {
            String next = "c-probe-" + probe.incrementAndGet();
            ask("thrifty", next);
            return next;
        }, next -> plans.values(p -> p.getRequestId().equals(next)).getFirst().getStrategy().equals("over-budget-cheapest"));

        ExecutionPlan plan = plans.values(p -> p.getRequestId().equals(id)).getFirst();
        assertThat(plan.getSteps()).extracting(dev.switchboard.avro.PlanStep::getModel).containsExactly(MINI);
        LlmReply reply = replies.values(r -> r.getRequestId().equals(id)).getFirst();
        assertThat(reply.getProvider()).isEqualTo("sim-strong");
        assertThat(reply.getModel()).isEqualTo(MINI);
        // Served over its budget: the override is on the audit trail, with why.
        dev.switchboard.avro.AuditEvent override = it.await(Topics.AUDIT, a -> id.equals(a.getDetails().get("requestId")));
        assertThat(override.getAction()).isEqualTo("budget.override");
        assertThat(override.getTarget()).isEqualTo("tenant:thrifty");
        assertThat(override.getOutcome()).isEqualTo("OVER_BUDGET_CHEAPEST");
        assertThat(override.getDetails()).containsEntry("decision", "ALLOWED").containsEntry("tenant", "thrifty");
        assertThat(override.getDetails().get("reason")).startsWith("cheapest eligible provider: tenant thrifty has spent $");
    }

    @Test
    void aStepNamingAnotherModelOfTheProviderIsCalledWithThatModelAndChargedAtItsPrices() throws Exception {
        LlmRequest request = LlmRequest.newBuilder().setRequestId("m-1").setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, "What is 6*7?"))).setAttributes(Map.of("strategy", "cost"))
                .setCreatedAtMs(System.currentTimeMillis()).build();
        it.send(request);

        LlmReply reply = it.reply("m-1");
        assertThat(reply.getContent()).isEqualTo("6 * 7 = 42.");
        assertThat(reply.getProvider()).isEqualTo("sim-strong");
        assertThat(reply.getModel()).isEqualTo(MINI);
        // The simulator counts 3 prompt tokens and 4 completion tokens ("6 * 7 = 42." is 11 characters).
        assertThat(reply.getInputTokens()).isEqualTo(3);
        assertThat(reply.getOutputTokens()).isEqualTo(3);
        assertThat(reply.getCostUsd()).isCloseTo((3 * 0.01 + 3 * 0.02) / 1e6, org.assertj.core.api.Assertions.within(1e-15));
    }

    @Test
    void aRestartedPlannerLearnsAgainFromTheLogWhatItHadLearnt() throws Exception {
        LearnedRouter running = stack.planner().learnedRouter();
        long before = running.learned();
        List<LlmReply> answered = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            LlmReply reply = ask("learner", "l-" + i);
            answered.add(reply);
            it.producer.send(it.codec.record(Topics.FEEDBACK, reply.getRequestId(), new Feedback(reply.getRequestId(), "learner",
                    FeedbackKind.ACCURACY, i % 2 == 0 ? 1.0 : 0.25, null, System.currentTimeMillis()))).get();
        }
        await().atMost(WAIT).until(() -> running.learned() == before + 4);
        List<String> models = replies.values(r -> r.getModel() != null).stream().map(LlmReply::getModel).distinct().toList();

        // A planner started now (as after a crash or a deploy) has an empty quality model, and replays the log.
        try (PlannerService restarted = new PlannerService(it.config, it.clients, it.codec)) {
            LearnedRouter rebuilt = restarted.learnedRouter();
            await().atMost(WAIT).until(() -> rebuilt.learned() == running.learned());
            for (String model : models) {
                assertThat(rebuilt.model().observations(model)).as(model).isEqualTo(running.model().observations(model));
            }
            assertThat(models.stream().mapToLong(m -> rebuilt.model().observations(m)).sum()).isEqualTo(before + 4);
            float[] probe = new MiniLmEmbedder().embed("Tell me more about request l-0");
            String first = answered.getFirst().getModel();
            assertThat(rebuilt.model().estimate(first, probe, null).mean())
                    .isCloseTo(running.model().estimate(first, probe, null).mean(), org.assertj.core.api.Assertions.within(1e-6));
        }
    }

    private static LlmReply ask(String tenant, String requestId) throws Exception {
        LlmRequest request = LlmRequest.newBuilder().setRequestId(requestId).setTenantId(tenant)
                .setSessionId("acme".equals(tenant) ? "chat-1" : null)
                .setMessages(List.of(Messages.of(ChatRole.USER, "Tell me more about request " + requestId)))
                .setCreatedAtMs(System.currentTimeMillis()).build();
        it.send(request);
        return it.reply(requestId);
    }

    private static SessionRoute awaitRoute(String requestId) {
        return it.await(Topics.SESSIONS, r -> r.getRequestId().equals(requestId));
    }
}
