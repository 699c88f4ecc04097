package dev.switchboard.planner.analysis;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.platform.config.SwitchboardConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class AnalystTest {

    private static SwitchboardConfig.PlanningSettings settings(int cache) {
        return SwitchboardConfig.withOverrides(Map.of("planner.model.timeout.ms", "200", "planner.model.cache.size",
                Integer.toString(cache), "tools.denied", "acme:calculator")).planning();
    }

    private static LlmRequest request(String prompt) {
        return LlmRequest.newBuilder().setRequestId("r").setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, prompt))).setTools(List.of("sql")).setCreatedAtMs(1L).build();
    }

    /** A planning model that answers as told, counting its calls. */
    private static final class Scripted implements PlanningModel {
        final AtomicInteger calls = new AtomicInteger();
        final long delayMs;
        final RuntimeException failure;

        Scripted(long delayMs, RuntimeException failure) {
            this.delayMs = delayMs;
            this.failure = failure;
        }

        @Override
        public Advice advise(String prompt) throws Exception {
            calls.incrementAndGet();
            Thread.sleep(delayMs);
            if (failure != null) {
                throw failure;
            }
            return new Advice("math", List.of("calculator"), List.of("State the units."));
        }

        @Override
        public String refine(String taskType, String best, double bestScore, String worst, double worstScore) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void withoutAPlanningModelTheHeuristicDecidesAndToolGapsAreListed() {
        Analyst.Result r = new Analyst(settings(10), null).analyse(request("What is 123456 * 7890?"));

        assertThat(r.plan().getSource()).isEqualTo("heuristic");
        assertThat(r.plan().getTaskType()).isEqualTo("math");
        // sql is the request's own tool and does not exist; calculator is implied and denied to acme.
        assertThat(r.plan().getRequiredTools()).containsExactly("sql", "calculator");
        assertThat(r.plan().getToolGaps()).containsExactly("sql", "calculator");
        // What kind of request it is, as recorded on the plan: math, no code, Latin letters, 22 characters.
        assertThat(r.plan().getMath()).isTrue();
        assertThat(r.plan().getCode()).isFalse();
        assertThat(r.plan().getScript()).isEqualTo("latin");
        assertThat(r.plan().getInputTokens()).isEqualTo(6);
    }

    @Test
    void theModelsAdviceIsUsedAndCachedByPrompt() {
        Scripted model = new Scripted(0, null);
        Analyst analyst = new Analyst(settings(10), model);

        Analyst.Result first = analyst.analyse(request("How far is it?"));
        Analyst.Result second = analyst.analyse(request("How far is it?"));

        assertThat(first.plan().getSource()).isEqualTo("planning-model");
        assertThat(first.plan().getTaskType()).isEqualTo("math");
        assertThat(first.prompt().taskType()).isEqualTo("math");
        assertThat(first.plan().getPromptImprovements()).containsExactly("State the units.");
        assertThat(second.plan().getSource()).isEqualTo("planning-model");
        assertThat(model.calls.get()).isEqualTo(1);
        assertThat(analyst.answered()).isEqualTo(2);
    }

    @Test
    void aFailingOrSlowModelFallsBackToTheHeuristicAndIsCounted() {
        Analyst failing = new Analyst(settings(10), new Scripted(0, new IllegalStateException("HTTP 503")));
        Analyst slow = new Analyst(settings(10), new Scripted(5_000, null));

        Analyst.Result failed = failing.analyse(request("Tell me a story"));
        long start = System.nanoTime();
        Analyst.Result timedOut = slow.analyse(request("Tell me a story"));
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(failed.plan().getSource()).isEqualTo("heuristic-fallback");
        assertThat(failed.plan().getFallbackReason()).isEqualTo("IllegalStateException: HTTP 503");
        assertThat(failed.plan().getTaskType()).isEqualTo("chat");
        assertThat(failing.fallbacks()).isEqualTo(1);
        assertThat(timedOut.plan().getSource()).isEqualTo("heuristic-fallback");
        assertThat(timedOut.plan().getFallbackReason()).isEqualTo("TimeoutException: no answer within 200 ms");
        assertThat(tookMs).isLessThan(2_000);
        slow.close();
    }

    @Test
    void aPlanningModelThatKeepsFailingIsNoLongerAskedForAWhile() {
        Scripted model = new Scripted(0, new IllegalStateException("HTTP 503"));
        Analyst analyst = new Analyst(settings(0), model);

        for (int i = 0; i < Analyst.WINDOW / 2; i++) {
            assertThat(analyst.analyse(request("Tell me a story " + i)).plan().getFallbackReason()).isEqualTo("IllegalStateException: HTTP 503");
        }
        Analyst.Result skipped = analyst.analyse(request("Tell me another story"));

        assertThat(model.calls.get()).isEqualTo(Analyst.WINDOW / 2);
        assertThat(skipped.plan().getSource()).isEqualTo("heuristic-fallback");
        assertThat(skipped.plan().getFallbackReason()).startsWith("the planning model's circuit is open");
        assertThat(analyst.fallbacks()).isEqualTo(Analyst.WINDOW / 2 + 1);
    }

    @Test
    void theRequestsTaskHintOverridesEveryAnalysis() {
        LlmRequest hinted = LlmRequest.newBuilder(request("What is 2+2?")).setTaskHint("trivia").build();

        assertThat(new Analyst(settings(10), new Scripted(0, null)).analyse(hinted).plan().getTaskType()).isEqualTo("trivia");
    }
}
