package dev.switchboard.planner;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.avro.TargetDecision;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.LinearQualityModel;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.RejectedRecordException;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LearnedPlannerTest {

    /** Every prompt lands on one point: these tests are about eligibility and the loop, not similarity. */
    private final LearnedRouter router = new LearnedRouter(text -> new float[] {1, 0},
            new LinearQualityModel(new LinearQualityModel.Settings(1.0, 0.0, 0.5)), 3L);

    private static SwitchboardConfig config(Map<String, String> extra) {
        Map<String, String> o = new HashMap<>(Map.of(
                "planner.strategy", "balanced",
                "provider.sim-fast.context.window", "1000",
                "provider.sim-fast.capabilities", "json",
                "provider.sim-strong.capabilities", "tools,json",
                "provider.sim-strong.attributes", "region:eu,zdr:true",
                "provider.sim-flaky.attributes", "region:us"));
        o.putAll(extra);
        return SwitchboardConfig.withOverrides(o);
    }

    private static LlmRequest.Builder request(String id, int chars) {
        return LlmRequest.newBuilder().setRequestId(id).setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, "x".repeat(chars)))).setCreatedAtMs(1L);
    }

    @Test
    void onlyProvidersThatCanTakeTheRequestArePlanned() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);

        // 4,000 characters → 1,000 tokens + 256 expected out: more than sim-fast's window of 1,000.
        ExecutionPlan longPrompt = planner.plan(request("r-1", 4_000).build(), 5L);
        ExecutionPlan withTools = planner.plan(request("r-2", 40).setTools(List.of("web_search")).build(), 5L);
        ExecutionPlan inEurope = planner.plan(request("r-3", 40).setAttributes(Map.of("require.region", "eu")).build(), 5L);

        assertThat(longPrompt.getSteps()).extracting(PlanStep::getProvider).containsExactlyInAnyOrder("sim-strong", "sim-flaky");
        assertThat(withTools.getSteps()).extracting(PlanStep::getProvider).containsExactly("sim-strong");
        assertThat(inEurope.getSteps()).extracting(PlanStep::getProvider).containsExactly("sim-strong");
        assertThat(longPrompt.getStrategy()).isEqualTo("balanced");
        assertThat(longPrompt.getSteps().getFirst().getReason()).startsWith("#1 by balanced utility");
        assertThat(longPrompt.getTaskType()).isEqualTo("chat");
    }

    @Test
    void everyModelOfAProviderIsACandidateWithItsOwnPriceAndWindow() {
        Planner planner = new Planner(config(Map.of("provider.sim-strong.models", "sim-strong-mini",
                "provider.sim-strong.model.sim-strong-mini.input.price.per.mtok", "0.01",
                "provider.sim-strong.model.sim-strong-mini.output.price.per.mtok", "0.02",
                "provider.sim-strong.model.sim-strong-mini.context.window", "1000",
                "planner.max.steps", "4")), Planner.ScoreLookup.NONE, router);

        ExecutionPlan shortPrompt = planner.plan(request("m-1", 40).build(), 5L);
        ExecutionPlan longPrompt = planner.plan(request("m-2", 4_000).build(), 5L);
        ExecutionPlan cheapest = planner.plan(request("m-3", 40).setAttributes(Map.of("strategy", "cost")).build(), 5L);

        assertThat(shortPrompt.getSteps()).extracting(st -> st.getProvider() + "/" + st.getModel()).containsExactlyInAnyOrder(
                "sim-fast/sim-fast-small", "sim-strong/sim-strong-large", "sim-strong/sim-strong-mini", "sim-flaky/sim-flaky-medium");
        assertThat(longPrompt.getSteps()).extracting(PlanStep::getModel).containsExactlyInAnyOrder("sim-strong-large", "sim-flaky-medium");
        // 10 input tokens at $0.01/M and 256 output at $0.02/M
        PlanStep mini = cheapest.getSteps().getFirst();
        assertThat(mini.getModel()).isEqualTo("sim-strong-mini");
        assertThat(mini.getEstimatedCostUsd()).isCloseTo((10 * 0.01 + 256 * 0.02) / 1e6, org.assertj.core.api.Assertions.within(1e-15));
    }

    /** A router that knows sim-strong-large answers well (1.0), sim-fast-small fairly (0.6), sim-flaky-medium poorly (0.3), and never explores. */
    private static LearnedRouter taught() {
        LearnedRouter taught = new LearnedRouter(text -> new float[] {1, 0},
                new LinearQualityModel(new LinearQualityModel.Settings(1.0, 0.0, 0.5)), 3L);
        for (int i = 0; i < 50; i++) {
            taught.model().observe("sim-strong-large", new float[] {1, 0}, "chat", 1.0);
            taught.model().observe("sim-fast-small", new float[] {1, 0}, "chat", 0.6);
            taught.model().observe("sim-flaky-medium", new float[] {1, 0}, "chat", 0.3);
        }
        return taught;
    }

    private static Map<String, Integer> firstChoices(Planner planner, String tenant, Map<String, String> attributes, int n) {
        Map<String, Integer> picks = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            ExecutionPlan plan = planner.plan(request(tenant + "-" + attributes + "-" + i, 40).setTenantId(tenant)
                    .setAttributes(attributes).build(), 5L);
            assertThat(plan.getStrategy()).isEqualTo("target");
            picks.merge(plan.getSteps().getFirst().getModel(), 1, Integer::sum);
        }
        return picks;
    }

    @Test
    void strategyTargetKeepsTheTargetShareOnAverageAsCheaplyAsItCan() {
        Planner planner = new Planner(config(Map.of("planner.strategy", "target")), Planner.ScoreLookup.NONE, taught());

        // sim-fast keeps 0.6 of sim-strong's quality at 6 % of its price: to keep 95 % on average, about one
        // request in eight may go to it once the cost weight has climbed from balanced's 0.05 to where they tie.
        Map<String, Integer> picks = firstChoices(planner, "acme", Map.of(), 400);
        assertThat(picks).containsOnlyKeys("sim-fast-small", "sim-strong-large");
        double kept = (picks.get("sim-strong-large") + picks.get("sim-fast-small") * 0.6) / 400;
        assertThat(kept).isBetween(0.95, 0.96);
        assertThat(picks).isEqualTo(Map.of("sim-fast-small", 45, "sim-strong-large", 355));

        ExecutionPlan next = planner.plan(request("acme-next", 40).build(), 5L);
        assertThat(next.getSteps().getFirst().getReason()).contains("by target utility")
                .contains("target quality 0.95 of the best eligible model's: ").contains("kept so far over 401 requests");
        // The plan records what the target held: sim-strong-large is the best estimated candidate (1.0, no noise),
        // and the step that was chosen kept its share of it.
        TargetDecision held = next.getTarget();
        assertThat(held.getQualityShare()).isEqualTo(0.95);
        assertThat(held.getCostUsd()).isNull();
        assertThat(held.getReferenceProvider()).isEqualTo("sim-strong");
        assertThat(held.getReferenceModel()).isEqualTo("sim-strong-large");
        assertThat(held.getReferenceQuality()).isCloseTo(1.0, within(0.01));
        PlanStep first = next.getSteps().getFirst();
        assertThat(held.getKept()).isCloseTo(first.getEstimatedQuality() / held.getReferenceQuality(), within(1e-12));
        assertThat(next.getSteps()).extracting(PlanStep::getModel, s -> Math.round(s.getEstimatedQuality() * 100))
                .contains(org.assertj.core.groups.Tuple.tuple("sim-strong-large", 100L), org.assertj.core.groups.Tuple.tuple("sim-fast-small", 60L));
        assertThat(held.getCostWeight()).isPositive();
        // Plans not ranked to a target record none, and a static plan no estimates.
        assertThat(new Planner(config(Map.of("planner.strategy", "balanced")), Planner.ScoreLookup.NONE, taught())
                .plan(request("balanced-1", 40).build(), 5L).getTarget()).isNull();
        assertThat(new Planner(config(Map.of("planner.strategy", "static")))
                .plan(request("static-1", 40).build(), 5L).getSteps()).extracting(PlanStep::getEstimatedQuality).containsOnlyNulls();
    }

    @Test
    void aRequestOrTenantTargetHasAControllerOfItsOwn() {
        Planner planner = new Planner(config(Map.of("planner.strategy", "balanced",
                "planner.tenant.targets", "thrift:cost=0.0002")), Planner.ScoreLookup.NONE, taught());

        // A request's own target makes it a target request even though planner.strategy is balanced.
        Map<String, Integer> lenient = firstChoices(planner, "acme", Map.of("quality_target", "0.55"), 200);
        // sim-fast-small costs $0.000155 for these requests, sim-strong-large $0.002585: $0.0002 buys almost only the cheap one.
        Map<String, Integer> frugal = firstChoices(planner, "thrift", Map.of(), 200);

        assertThat(lenient).isEqualTo(Map.of("sim-fast-small", 195, "sim-strong-large", 5));
        assertThat(frugal).isEqualTo(Map.of("sim-fast-small", 194, "sim-strong-large", 6));
        // $0.000228 a request, the first requests (at balanced's cost weight) included.
        double averageCost = (194 * 0.0001551 + 6 * 0.002585) / 200;
        assertThat(averageCost).isCloseTo(0.0002, org.assertj.core.api.Assertions.within(0.00003));
        assertThat(planner.plan(request("thrift-next", 40).setTenantId("thrift").build(), 5L).getSteps().getFirst().getReason())
                .contains("target cost $0.0002 a request: $").contains("over 201 requests");
        assertThat(planner.plan(request("acme-next", 40).setAttributes(Map.of("quality_target", "0.55")).build(), 5L)
                .getSteps().getFirst().getReason()).contains("target quality 0.55 of the best eligible model's").contains("over 201 requests");
    }

    @Test
    void aTargetAttributeThatCannotBeHeldIsRefusedNamingIt() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);

        assertThatThrownBy(() -> planner.plan(request("t-1", 40).setAttributes(Map.of("quality_target", "1.5")).build(), 5L))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessage("attribute quality_target is '1.5'; expected a share in (0, 1], e.g. 0.95")
                .extracting(e -> ((RejectedRecordException) e).errorClass()).isEqualTo("INVALID_REQUEST");
        assertThatThrownBy(() -> planner.plan(request("t-2", 40).setAttributes(Map.of("cost_target", "cheap")).build(), 5L))
                .hasMessage("attribute cost_target is 'cheap'; expected USD per request > 0, e.g. 0.002");
        assertThatThrownBy(() -> planner.plan(request("t-3", 40)
                .setAttributes(Map.of("quality_target", "0.9", "strategy", "cost")).build(), 5L))
                .hasMessage("attribute quality_target needs strategy target, but attribute strategy is 'cost'");
        assertThatThrownBy(() -> planner.plan(request("t-4", 40)
                .setAttributes(Map.of("quality_target", "0.9", "cost_target", "0.001")).build(), 5L))
                .hasMessage("attributes quality_target and cost_target are both set; a request holds one target");
    }

    @Test
    void whileTheLearnedStateIsReadBackPlansUseTheStaticRankingAndSaySo() {
        Planner planner = new Planner(config(Map.of("planner.strategy", "target")), Planner.ScoreLookup.NONE, router);
        router.loading();
        ExecutionPlan loading = planner.plan(request("s-1", 40).build(), 5L);
        assertThat(planner.promptToEmbed(request("s-2", 40).build())).isEmpty();
        router.loaded();
        ExecutionPlan loaded = planner.plan(request("s-3", 40).build(), 5L);

        assertThat(loading.getStrategy()).isEqualTo("static-ranking");
        assertThat(loading.getSteps()).extracting(PlanStep::getProvider).containsExactly("sim-fast", "sim-strong", "sim-flaky");
        assertThat(loading.getSteps().getFirst().getReason())
                .isEqualTo("static ranking, #1 (learned routing is reading its state back after a start)");
        assertThat(loaded.getStrategy()).isEqualTo("target");
    }

    @Test
    void whenNoProviderFitsTheRejectionSaysWhyForEach() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);

        assertThatThrownBy(() -> planner.plan(request("r-4", 40).setAttributes(Map.of("require.region", "ap")).build(), 5L))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessageContaining("no configured provider can take this request")
                .hasMessageContaining("sim-fast: region is unset, required ap")
                .hasMessageContaining("sim-flaky: region is us, required ap")
                .extracting(e -> ((RejectedRecordException) e).errorClass()).isEqualTo("NO_ELIGIBLE_PROVIDER");
    }

    @Test
    void feedbackIsCreditedToTheModelThatAnsweredWhicheverArrivesFirst() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);
        planner.plan(request("r-5", 40).build(), 5L);
        planner.plan(request("r-6", 40).build(), 5L);

        router.answered("r-5", "sim-strong", "sim-strong-large");
        router.feedback("r-5", 1.0);
        router.feedback("r-6", 0.0);          // feedback before the attempt: held
        router.answered("r-6", "sim-fast", "sim-fast-small");
        router.feedback("never-planned", 1.0);

        assertThat(router.learned()).isEqualTo(2);
        assertThat(router.unmatched()).isZero();
        assertThat(router.model().observations("sim-strong-large")).isEqualTo(1);
        assertThat(router.model().observations("sim-fast-small")).isEqualTo(1);
        // Feedback for a request whose plan is not known yet waits for it (its plan may still be on the way).
        router.answered("never-planned", "sim-fast", "sim-fast-small");
        assertThat(router.learned()).isEqualTo(2);
        assertThat(router.unmatched()).isZero();
    }

    @Test
    void aPlanReadFromTheLogIsLearntFromInWhateverOrderItsRecordsCome() {
        java.util.concurrent.atomic.AtomicInteger embedded = new java.util.concurrent.atomic.AtomicInteger();
        try (LearnedRouter fromLog = new LearnedRouter(text -> {
            embedded.incrementAndGet();
            return new float[] {1, 0};
        }, new LinearQualityModel(new LinearQualityModel.Settings(1.0, 0.0, 0.5)), 3L)) {
            fromLog.feedback("a", 0.8);                          // feedback, then the answer, then the plan
            fromLog.answered("a", "sim-fast", "sim-fast-small");
            fromLog.planned("a", "What is 2+2?", "math", Map.of());       // a static plan: no estimates
            fromLog.planned("b", "Translate 'cat' into French.", "translation",
                    Map.of("sim-strong-large", 0.9, "sim-fast-small", 0.5));
            fromLog.answered("b", "sim-strong", "sim-strong-large");
            fromLog.feedback("b", 0.6);
            fromLog.feedback("b", 0.4);                          // a second score for the same answer counts too
            fromLog.planned("c", "Never rated.", "chat", Map.of()); // no feedback: never embedded

            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> fromLog.learned() == 3);
            assertThat(fromLog.model().observations("sim-fast-small")).isEqualTo(1);
            assertThat(fromLog.model().observations("sim-strong-large")).isEqualTo(2);
            assertThat(embedded.get()).isEqualTo(2);
            assertThat(fromLog.unmatched()).isZero();
            // Each score is held against the estimate the plan gave the model that answered: two answers of
            // sim-strong-large estimated at 0.9 scored 1.0 in all, against 20 pseudo-scores at factor 1.
            assertThat(fromLog.calibration().factor("sim-strong-large")).isCloseTo((1.0 + 20) / (1.8 + 20), within(1e-12));
            assertThat(fromLog.calibration().factor("sim-fast-small")).isEqualTo(1.0);
        }
    }

    @Test
    void feedbackThatNeverFindsItsPlanIsCountedUnmatchedWhenForgotten() {
        for (int i = 0; i <= LearnedRouter.REMEMBERED; i++) {
            router.feedback("unplanned-" + i, 1.0);
        }
        assertThat(router.unmatched()).isEqualTo(1);
        assertThat(router.learned()).isZero();
    }

    @Test
    void aSessionStaysOnTheModelThatAnsweredItAndMovesWhenAnotherAnswers() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);
        planner.plan(request("q-1", 40).setSessionId("chat").build(), 5L);
        router.answered("q-1", "sim-fast", "sim-fast-small");

        ExecutionPlan sticky = planner.plan(request("q-2", 40).setSessionId("chat").build(), 5L);
        router.answered("q-2", "sim-flaky", "sim-flaky-medium"); // sim-fast failed; the plan failed over
        ExecutionPlan moved = planner.plan(request("q-3", 40).setSessionId("chat").build(), 5L);
        ExecutionPlan tooLong = planner.plan(request("q-4", 4_000).setSessionId("other").build(), 5L);
        router.answered("q-4", "sim-fast", "sim-fast-small"); // cannot happen with this plan, but a session may start anywhere
        ExecutionPlan leaves = planner.plan(request("q-5", 4_000).setSessionId("other").build(), 5L);

        assertThat(sticky.getSteps().getFirst().getProvider()).isEqualTo("sim-fast");
        assertThat(sticky.getSteps().getFirst().getReason()).startsWith("#1 as session chat stays on sim-fast-small; #1 by balanced");
        assertThat(moved.getSteps().getFirst().getProvider()).isEqualTo("sim-flaky");
        assertThat(moved.getSteps().getFirst().getReason())
                .startsWith("#1 as session chat stays on sim-flaky-medium (moved there from sim-fast-small at request q-2); ");
        assertThat(tooLong.getSteps().getFirst().getReason()).startsWith("#1 by balanced");
        assertThat(leaves.getSteps()).extracting(PlanStep::getProvider).doesNotContain("sim-fast");
        assertThat(leaves.getSteps().getFirst().getReason())
                .startsWith("#1 as session other leaves sim-fast-small: context window 1000 < 1256 tokens; ");
    }

    @Test
    void aRequestMayChooseItsStrategyAndTenantsMayHaveTheirOwn() {
        Planner planner = new Planner(config(Map.of("planner.tenant.strategies", "thrifty:cost")), Planner.ScoreLookup.NONE, router);

        assertThat(planner.plan(request("r-7", 40).setTenantId("thrifty").build(), 5L).getStrategy()).isEqualTo("cost");
        assertThat(planner.plan(request("r-8", 40).setAttributes(Map.of("strategy", "quality")).build(), 5L).getStrategy())
                .isEqualTo("quality");
        assertThat(planner.plan(request("r-9", 40).setAttributes(Map.of("strategy", "static")).build(), 5L).getStrategy())
                .isEqualTo("static-ranking");
        assertThatThrownBy(() -> planner.plan(request("r-10", 40).setAttributes(Map.of("strategy", "cheapest")).build(), 5L))
                .isInstanceOf(RejectedRecordException.class).hasMessageContaining("attribute strategy is 'cheapest'; known: [static");
    }

    @Test
    void aPlannerThatDoesNotLearnRejectsALearnedStrategyByName() {
        Planner planner = new Planner(SwitchboardConfig.withOverrides(Map.of()));

        assertThatThrownBy(() -> planner.plan(request("r-11", 40).setAttributes(Map.of("strategy", "balanced")).build(), 5L))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessageContaining("strategy balanced ranks with the learned quality model, which this planner does not run");
    }

    @Test
    void aTenantOverItsDailyBudgetIsRefusedOrSentToTheCheapestProviderAsItsPolicySays() {
        SwitchboardConfig config = config(Map.of("budgets.daily.usd", "capped:0.50,thrifty:0.50,rich:100",
                "budgets.over.policy", "thrifty:cheapest"));
        Planner planner = new Planner(config, Planner.ScoreLookup.NONE, router, (tenant, now) -> 0.75);

        assertThatThrownBy(() -> planner.plan(request("b-1", 40).setTenantId("capped").build(), 5L))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessage("tenant capped has spent $0.750000 today (UTC), counting requests in flight, of its daily budget of $0.500000")
                .extracting(e -> ((RejectedRecordException) e).errorClass()).isEqualTo("BUDGET_EXCEEDED");
        ExecutionPlan cheapest = planner.plan(request("b-2", 40).setTenantId("thrifty").build(), 5L);
        assertThat(cheapest.getSteps()).extracting(PlanStep::getProvider).containsExactly("sim-fast");
        assertThat(cheapest.getStrategy()).isEqualTo("over-budget-cheapest");
        assertThat(cheapest.getSteps().getFirst().getReason()).startsWith("cheapest eligible provider: tenant thrifty has spent");
        assertThat(planner.plan(request("b-3", 40).setTenantId("rich").build(), 5L).getStrategy()).isEqualTo("balanced");
        assertThat(planner.plan(request("b-4", 40).setTenantId("no-budget").build(), 5L).getStrategy()).isEqualTo("balanced");
    }

    @Test
    void badCatalogueEntriesAreConfigErrorsNamingTheKey() {
        assertThatThrownBy(() -> config(Map.of("provider.sim-fast.capabilities", "tools,vision")))
                .hasMessageContaining("provider.sim-fast.capabilities");
        assertThatThrownBy(() -> config(Map.of("provider.sim-fast.attributes", "eu")))
                .hasMessageContaining("provider.sim-fast.attributes").hasMessageContaining("expected key:value");
        assertThatThrownBy(() -> config(Map.of("budgets.daily.usd", "acme:lots")))
                .hasMessageContaining("budgets.daily.usd").hasMessageContaining("must be a number of USD");
        assertThatThrownBy(() -> config(Map.of("budgets.over.policy", "acme:free")))
                .hasMessageContaining("budgets.over.policy").hasMessageContaining("reject or cheapest");
        assertThatThrownBy(() -> config(Map.of("planner.tenant.strategies", "acme:fastest")))
                .hasMessageContaining("planner.tenant.strategies").hasMessageContaining("expected tenant:strategy");
    }
}
