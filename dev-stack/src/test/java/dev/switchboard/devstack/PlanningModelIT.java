package dev.switchboard.devstack;

import dev.switchboard.avro.AttemptOutcome;
import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.avro.VariantOrigin;
import dev.switchboard.avro.VariantProposal;
import dev.switchboard.planner.PlannerService;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.devstack.simulator.ProviderSimulator;
import dev.switchboard.platform.kafka.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The planning model, called through langchain4j over HTTP (a simulated provider answering JSON),
 * and the prompt variants: advice used when it comes in time, the heuristic analysis when the
 * model fails or is slow, tool gaps in the plan, the variant's system prompt sent to the provider
 * and recorded on the plan and the attempt, a prompt improvement made a variant that outlives its planner.
 */
class PlanningModelIT {

    private static final String PLANNER = "sim-planner";

    @TempDir
    static Path dataDir;

    static StackFixture it;
    static DevStack stack;

    /** The simulated planning model answers JSON; the other simulated providers answer as usual. */
    static final ProviderSimulator.Responder RESPONDER = (provider, model, prompt, chars) -> {
        if (!provider.equals(PLANNER)) {
            return ProviderSimulator.Responder.DEFAULT.answer(provider, model, prompt, chars);
        }
        String json = prompt.contains("share price")
                ? "{\"taskType\":\"question\",\"requiredTools\":[\"web_search\",\"stock_quotes\"],\"promptImprovements\":[\"Name the exchange.\"]}"
                : prompt.contains("invoice")
                ? "{\"taskType\":\"extraction\",\"requiredTools\":[],\"promptImprovements\":[\"Say which fields to extract.\"]}"
                : "{\"taskType\":\"chat\",\"requiredTools\":[],\"promptImprovements\":[]}";
        return new ProviderSimulator.Responder.Answer(json, 10, 10);
    };

    @BeforeAll
    static void startStack() {
        Map<String, String> o = new HashMap<>();
        o.put("simulator.providers", "sim-fast,sim-strong,sim-flaky," + PLANNER);
        o.put("simulator." + PLANNER + ".latency.p50.ms", "2");
        o.put("simulator." + PLANNER + ".latency.p99.ms", "10");
        o.put("planner.model.enabled", "true");
        o.put("planner.model.timeout.ms", "400");
        o.put("planner.model.cache.size", "0");
        o.put("tools.denied", "acme:web_search");
        o.put("prompts.variants", "terse,friendly");
        o.put("prompts.variant.terse.task", "chat");
        o.put("prompts.variant.terse.system", "Answer in one sentence.");
        o.put("prompts.variant.friendly.task", "*");
        o.put("prompts.variant.friendly.system", "Be warm and helpful.");
        o.put("prompts.improvements.enabled", "true");
        o.put("planner.model.base.url", "http://localhost:" + TestStack.SIMULATOR_PORT + "/" + PLANNER + "/v1");
        it = new StackFixture(dataDir, o, RESPONDER);
        stack = it.stack;
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
    }

    @AfterEach
    void heal() {
        stack.simulator().setFaults(PLANNER, new Faults(0, 0, 2, 10, Map.of(500, 1.0)));
    }

    @Test
    void theModelsAdviceIsUsedAndToolGapsAreListed() throws Exception {
        ExecutionPlan plan = plan("p-1", "What is the share price of ACME today?");

        assertThat(plan.getAnalysis().getSource()).isEqualTo("planning-model");
        assertThat(plan.getTaskType()).isEqualTo("question");
        assertThat(plan.getAnalysis().getRequiredTools()).containsExactly("web_search", "stock_quotes");
        // web_search exists but acme may not use it; stock_quotes does not exist.
        assertThat(plan.getAnalysis().getToolGaps()).containsExactly("web_search", "stock_quotes");
        assertThat(plan.getAnalysis().getPromptImprovements()).containsExactly("Name the exchange.");
        assertThat(reply("p-1").getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
    }

    @Test
    void aFailingPlanningModelFallsBackToTheHeuristicAndTheRequestIsAnswered() throws Exception {
        stack.simulator().setFaults(PLANNER, new Faults(1.0, 0, 2, 10, Map.of(503, 1.0)));

        ExecutionPlan plan = plan("p-2", "What is the share price of ACME today?");

        assertThat(plan.getAnalysis().getSource()).isEqualTo("heuristic-fallback");
        assertThat(plan.getAnalysis().getFallbackReason()).isNotBlank();
        assertThat(plan.getTaskType()).isEqualTo("question"); // the heuristic's own answer
        assertThat(plan.getAnalysis().getToolGaps()).containsExactly("web_search");
        assertThat(reply("p-2").getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
    }

    @Test
    void aSlowPlanningModelCostsAtMostTheTimeout() throws Exception {
        stack.simulator().setFaults(PLANNER, new Faults(0, 0, 5_000, 5_000, Map.of(500, 1.0)));
        long before = stack.planner().analyst().fallbacks();

        ExecutionPlan plan = plan("p-3", "Tell me a story");

        assertThat(plan.getAnalysis().getSource()).isEqualTo("heuristic-fallback");
        assertThat(plan.getAnalysis().getFallbackReason()).isEqualTo("TimeoutException: no answer within 400 ms");
        assertThat(plan.getPlannedAtMs() - plan.getRequest().getCreatedAtMs()).isLessThan(3_000);
        assertThat(stack.planner().analyst().fallbacks()).isEqualTo(before + 1);
        assertThat(reply("p-3").getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
    }

    @Test
    void theChosenPromptVariantIsSentAndRecordedOnThePlanAndTheAttempt() throws Exception {
        ExecutionPlan plan = plan("p-4", "Hello there");

        assertThat(plan.getTaskType()).isEqualTo("chat");
        assertThat(plan.getPromptVariant()).isIn("terse", "friendly");
        ChatMessage system = plan.getRequest().getMessages().getFirst();
        assertThat(system.getRole()).isEqualTo(ChatRole.SYSTEM);
        assertThat(system.getContent()).isEqualTo(plan.getPromptVariant().equals("terse") ? "Answer in one sentence." : "Be warm and helpful.");
        reply("p-4");
        AttemptOutcome attempt = it.await(Topics.ATTEMPTS, a -> a.getRequestId().equals("p-4"));
        assertThat(attempt.getPromptVariant()).isEqualTo(plan.getPromptVariant());
    }

    @Test
    void anImprovementSuggestedForThreeDistinctPromptsBecomesAVariantThatIsSentAndOutlivesItsPlanner() throws Exception {
        for (int i = 0; i < 3; i++) {
            ExecutionPlan plan = plan("inv-" + i, "Pull the totals out of invoice number " + i);
            assertThat(plan.getTaskType()).isEqualTo("extraction");
            assertThat(plan.getAnalysis().getPromptImprovements()).containsExactly("Say which fields to extract.");
            if (i < 2) {
                assertThat(plan.getPromptVariant()).isEqualTo("friendly"); // the only variant of extraction so far
            }
        }

        VariantProposal proposal = it.await(Topics.PROMPT_VARIANTS, p -> p.getTaskType().equals("extraction"));
        String text = "Be warm and helpful.\n\nA request of this kind is clearer when it does this: \"Say which fields to extract.\" "
                + "When the request does not, say what you assume, then answer.";
        assertThat(proposal.getSystemPrompt()).isEqualTo(text);
        assertThat(proposal.getId()).matches("extraction-improved-[0-9a-f]{8}");
        assertThat(proposal.getOrigin()).isEqualTo(VariantOrigin.IMPROVEMENT);
        assertThat(proposal.getBasedOn()).containsExactly("friendly");
        assertThat(proposal.getSuggestedBy()).isEqualTo(3);
        assertThat(proposal.getImprovement()).isEqualTo("Say which fields to extract.");
        // It competes with the variant it was built on: when chosen, its text is what the provider gets first.
        ExecutionPlan improved = null;
        for (int i = 3; i < 40 && improved == null; i++) {
            ExecutionPlan plan = plan("inv-" + i, "Pull the totals out of invoice number " + i);
            assertThat(plan.getPromptVariant()).isIn("friendly", proposal.getId());
            improved = plan.getPromptVariant().equals(proposal.getId()) ? plan : null;
        }
        assertThat(improved).isNotNull();
        assertThat(improved.getRequest().getMessages().getFirst().getRole()).isEqualTo(ChatRole.SYSTEM);
        assertThat(improved.getRequest().getMessages().getFirst().getContent()).isEqualTo(text);
        String improvedId = improved.getRequestId();
        assertThat(it.await(Topics.ATTEMPTS, a -> a.getRequestId().equals(improvedId)).getPromptVariant()).isEqualTo(proposal.getId());
        // A planner started now has it, from the log.
        try (PlannerService restarted = new PlannerService(it.config, it.clients, it.codec)) {
            await().atMost(StackFixture.WAIT).until(() -> restarted.variants().orElseThrow().stats().stream()
                    .anyMatch(s -> s.variantId().equals(proposal.getId()) && s.taskType().equals("extraction")));
        }
    }

    private static ExecutionPlan plan(String id, String prompt) throws Exception {
        LlmRequest request = LlmRequest.newBuilder().setRequestId(id).setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, prompt))).setCreatedAtMs(System.currentTimeMillis()).build();
        it.send(request);
        return it.await(Topics.PLANS, p -> p.getRequestId().equals(id));
    }

    private static LlmReply reply(String id) {
        return it.reply(id);
    }
}
