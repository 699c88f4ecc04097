package dev.switchboard.planner;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.ProviderScore;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.RejectedRecordException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PlannerTest {

    private final Planner planner = new Planner(SwitchboardConfig.withOverrides(Map.of("planner.strategy", "static")));

    private static LlmRequest.Builder request() {
        return LlmRequest.newBuilder()
                .setRequestId("r-1")
                .setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, "x".repeat(400))))
                .setCreatedAtMs(1L);
    }

    @Test
    void withoutPreferencesThePlanFollowsTheStaticRanking() {
        ExecutionPlan plan = planner.plan(request().build(), 99L);

        assertThat(plan.getSteps()).extracting(PlanStep::getProvider).containsExactly("sim-fast", "sim-strong", "sim-flaky");
        assertThat(plan.getSteps()).extracting(PlanStep::getModel)
                .containsExactly("sim-fast-small", "sim-strong-large", "sim-flaky-medium");
        assertThat(plan.getStrategy()).isEqualTo("static-ranking");
        assertThat(plan.getPlannedAtMs()).isEqualTo(99L);
        assertThat(plan.getRequest().getRequestId()).isEqualTo("r-1");
        // 400 characters → 100 input tokens; 256 output tokens assumed. sim-strong: $2.50/M in, $10/M out.
        assertThat(plan.getSteps().get(1).getEstimatedCostUsd()).isCloseTo((100 * 2.50 + 256 * 10.0) / 1e6, within(1e-12));
        assertThat(plan.getSteps().get(0).getReason()).isEqualTo("static ranking, #1");
    }

    @Test
    void maxStepsCutsTheRanking() {
        Planner twoSteps = new Planner(SwitchboardConfig.withOverrides(Map.of("planner.max.steps", "2", "planner.strategy", "static")));

        assertThat(twoSteps.plan(request().build(), 1L).getSteps()).extracting(PlanStep::getProvider)
                .containsExactly("sim-fast", "sim-strong");
    }

    @Test
    void preferredProvidersAreUsedAloneAndInTheirOrder() {
        ExecutionPlan plan = planner.plan(request().setPreferredProviders(List.of("sim-flaky", "sim-fast")).build(), 1L);

        assertThat(plan.getSteps()).extracting(PlanStep::getProvider).containsExactly("sim-flaky", "sim-fast");
        assertThat(plan.getStrategy()).isEqualTo("preferred");
    }

    static ProviderScore score(String provider, String model, String task, double value) {
        return ProviderScore.newBuilder().setProvider(provider).setModel(model).setTaskType(task).setScore(value)
                .setSuccessRate(0.99).setLatencyMs(40).setCostPerSuccessUsd(0.000002).setQuality(0.5).setAttempts(100)
                .setFeedbackCount(0).setUpdatedAtMs(1L).build();
    }

    @Test
    void theScoreStrategyRanksByLiveScoresForTheTaskType() {
        Map<String, ProviderScore> live = Map.of(
                "sim-fast|*", score("sim-fast", "sim-fast-small", "*", 0.60),
                "sim-strong|*", score("sim-strong", "sim-strong-large", "*", 0.55),
                "sim-strong|math", score("sim-strong", "sim-strong-large", "math", 0.90));
        Planner scored = new Planner(SwitchboardConfig.withOverrides(Map.of("planner.strategy", "score")),
                (provider, model, task) -> java.util.Optional.ofNullable(live.getOrDefault(provider + "|" + task, live.get(provider + "|*"))));

        ExecutionPlan general = scored.plan(request().build(), 1L);
        ExecutionPlan math = scored.plan(request().setTaskHint("math").build(), 1L);

        // sim-flaky has no score yet and ranks at 0.5, below both.
        assertThat(general.getSteps()).extracting(PlanStep::getProvider).containsExactly("sim-fast", "sim-strong", "sim-flaky");
        assertThat(math.getSteps()).extracting(PlanStep::getProvider).containsExactly("sim-strong", "sim-fast", "sim-flaky");
        assertThat(math.getStrategy()).isEqualTo("score");
        assertThat(math.getSteps().get(0).getReason()).startsWith("#1 by score 0.900 (math: success 0.99");
        assertThat(math.getSteps().get(2).getReason()).isEqualTo("#3 unscored (ranked at 0.5)");
        assertThat(math.getSteps()).extracting(PlanStep::getExpectedLatencyMs).containsExactly(40.0, 40.0, 0.0);
    }

    @Test
    void invalidRequestsAreRejectedWithAClassAndAReason() {
        assertRejected(request().setTenantId(" ").build(), "INVALID_REQUEST", "tenantId is empty");
        assertRejected(request().setMessages(List.of()).build(), "INVALID_REQUEST", "messages is empty");
        assertRejected(request().setReplyTo("bad topic!").build(), "INVALID_REQUEST", "replyTo is not a valid topic name");
        assertRejected(request().setPreferredProviders(List.of("sim-fast", "gpt-9")).build(), "UNKNOWN_PROVIDER",
                "preferredProviders names 'gpt-9'");
    }

    @Test
    void rejectionsNeverQuoteThePrompt() {
        String secret = "my card number is 4111 1111 1111 1111";
        LlmRequest request = request().setMessages(List.of(Messages.of(ChatRole.USER, secret)))
                .setPreferredProviders(List.of("nope")).build();

        assertThatThrownBy(() -> planner.plan(request, 1L)).message().doesNotContain("4111");
    }

    private void assertRejected(LlmRequest request, String errorClass, String message) {
        assertThatThrownBy(() -> planner.plan(request, 1L))
                .isInstanceOfSatisfying(RejectedRecordException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(errorClass);
                    assertThat(e.getMessage()).contains(message);
                    assertThat(e.requestId()).isEqualTo("r-1");
                });
    }
}
