package dev.switchboard.planner;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.LinearQualityModel;
import dev.switchboard.planner.routing.PromptAnalysis;
import dev.switchboard.planner.routing.Strategy;
import dev.switchboard.platform.config.OverBudgetPolicy;
import dev.switchboard.platform.config.RoutingStrategy;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.schemas.Messages;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlanPolicyTest {

    private final LearnedRouter router = new LearnedRouter(text -> new float[] {1, 0},
            new LinearQualityModel(new LinearQualityModel.Settings(1.0, 0.0, 0.5)), 3L);

    private static SwitchboardConfig config(String... keyValues) {
        Map<String, String> o = new HashMap<>(Map.of("planner.strategy", "target"));
        for (int i = 0; i < keyValues.length; i += 2) {
            o.put(keyValues[i], keyValues[i + 1]);
        }
        return SwitchboardConfig.withOverrides(o);
    }

    private static LlmRequest.Builder request(String tenant, Map<String, String> attributes) {
        return LlmRequest.newBuilder().setRequestId("p-1").setTenantId(tenant).setAttributes(attributes)
                .setMessages(List.of(Messages.of(ChatRole.USER, "What is 2 + 2?"))).setCreatedAtMs(1L);
    }

    private static PlanPolicy policy(Planner planner, SwitchboardConfig config, LlmRequest request, Optional<String> overBudget) {
        RequestValidator.Checked checked = new RequestValidator(config).check(request, Access.unchecked());
        PlanContext context = new PlanContext(config, Planner.ScoreLookup.NONE, request, "math",
                PromptAnalysis.of(request.getMessages()), checked, Access.unchecked());
        return planner.policyFor(context, overBudget);
    }

    @Test
    void eachRequestIsPlannedByExactlyThePolicyItsStrategyBudgetAndPreferencesName() {
        SwitchboardConfig config = config("planner.tenant.strategies", "fixed:static,live:score,fair:balanced");
        Planner planner = new Planner(config, Planner.ScoreLookup.NONE, router);

        assertThat(policy(planner, config, request("acme", Map.of()).build(), Optional.empty()))
                .isInstanceOf(PlanPolicy.Target.class);
        assertThat(policy(planner, config, request("fixed", Map.of()).build(), Optional.empty()))
                .isEqualTo(new PlanPolicy.StaticRanking(null));
        assertThat(policy(planner, config, request("live", Map.of()).build(), Optional.empty()))
                .isEqualTo(new PlanPolicy.ByScore());
        assertThat(policy(planner, config, request("fair", Map.of()).build(), Optional.empty()))
                .isEqualTo(new PlanPolicy.Learned(router, Strategy.BALANCED));
        assertThat(policy(planner, config, request("acme", Map.of("strategy", "cost")).build(), Optional.empty()))
                .isEqualTo(new PlanPolicy.Learned(router, Strategy.COST));
        assertThat(policy(planner, config, request("fixed", Map.of()).setPreferredProviders(List.of("sim-strong")).build(),
                Optional.empty())).isEqualTo(new PlanPolicy.Preferred());
        assertThat(policy(planner, config, request("fair", Map.of()).setPreferredProviders(List.of("sim-strong")).build(),
                Optional.of("over"))).as("a budget override outranks everything").isEqualTo(new PlanPolicy.Cheapest("over"));

        router.loading();
        assertThat(policy(planner, config, request("fair", Map.of()).build(), Optional.empty()))
                .isEqualTo(new PlanPolicy.StaticRanking(Planner.LOADING));
        assertThat(policy(planner, config, request("live", Map.of()).build(), Optional.empty()))
                .as("score does not learn, so it need not wait").isEqualTo(new PlanPolicy.ByScore());
    }

    @Test
    void aTargetPolicyKeepsOneControllerPerTenantAndTarget() {
        SwitchboardConfig config = config("planner.tenant.targets", "acme:quality=0.9");
        Planner planner = new Planner(config, Planner.ScoreLookup.NONE, router);

        var acme = (PlanPolicy.Target) policy(planner, config, request("acme", Map.of()).build(), Optional.empty());
        var acmeAgain = (PlanPolicy.Target) policy(planner, config, request("acme", Map.of()).build(), Optional.empty());
        var other = (PlanPolicy.Target) policy(planner, config, request("other", Map.of()).build(), Optional.empty());
        var asked = (PlanPolicy.Target) policy(planner, config, request("acme", Map.of("quality_target", "0.98")).build(),
                Optional.empty());

        assertThat(acme.controller()).isSameAs(acmeAgain.controller());
        assertThat(acme.controller().target()).isEqualTo(SwitchboardConfig.RoutingTarget.quality(0.9));
        assertThat(other.controller().target()).isEqualTo(SwitchboardConfig.RoutingTarget.quality(0.95));
        assertThat(asked.controller().target()).isEqualTo(SwitchboardConfig.RoutingTarget.quality(0.98));
        assertThat(asked.controller()).isNotSameAs(acme.controller());
    }

    @Test
    void theValidatorReadsWhatARequestAsksOfRoutingAndRefusesWhatItCannotHold() {
        SwitchboardConfig config = config("planner.tenant.strategies", "fixed:static", "planner.tenant.targets", "thrift:cost=0.0002");
        RequestValidator validator = new RequestValidator(config);

        assertThat(validator.check(request("acme", Map.of()).build(), Access.unchecked()))
                .isEqualTo(new RequestValidator.Checked(RoutingStrategy.TARGET, SwitchboardConfig.RoutingTarget.quality(0.95), null));
        assertThat(validator.check(request("fixed", Map.of()).build(), Access.unchecked()))
                .isEqualTo(new RequestValidator.Checked(RoutingStrategy.STATIC, null, null));
        assertThat(validator.check(request("thrift", Map.of()).build(), Access.unchecked()).target())
                .isEqualTo(SwitchboardConfig.RoutingTarget.cost(0.0002));
        assertThat(validator.check(request("fixed", Map.of("cost_target", "0.001")).build(), Access.unchecked()))
                .as("a target attribute makes the request a target request, whatever its tenant's strategy")
                .isEqualTo(new RequestValidator.Checked(RoutingStrategy.TARGET, SwitchboardConfig.RoutingTarget.cost(0.001), null));

        assertThatThrownBy(() -> validator.check(request("acme", Map.of("strategy", "Balanced")).build(), Access.unchecked()))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessage("attribute strategy is 'Balanced'; known: [static, score, target, quality, cost, latency, balanced, weighted]")
                .extracting(e -> ((RejectedRecordException) e).reason()).isEqualTo(RejectedRecordException.Reason.INVALID_REQUEST);
        assertThatThrownBy(() -> validator.check(request("acme", Map.of("strategy", "cost", "quality_target", "0.9")).build(),
                Access.unchecked()))
                .hasMessage("attribute quality_target needs strategy target, but attribute strategy is 'cost'");
        assertThatThrownBy(() -> validator.check(request("acme", Map.of("quality_target", "1.5")).build(), Access.unchecked()))
                .hasMessage("attribute quality_target is '1.5'; expected a share in (0, 1], e.g. 0.95");
        assertThatThrownBy(() -> validator.check(request("acme", Map.of()).setPreferredProviders(List.of("sim-nope")).build(),
                Access.unchecked()))
                .extracting(e -> ((RejectedRecordException) e).errorClass()).isEqualTo("UNKNOWN_PROVIDER");
    }

    @Test
    void strategiesAndOverBudgetPoliciesAreParsedInOnePlaceWithTheSameNamesEverywhere() {
        assertThat(RoutingStrategy.NAMES).containsExactly("static", "score", "target", "quality", "cost", "latency", "balanced", "weighted");
        assertThat(RoutingStrategy.NAMES).allSatisfy(name -> assertThat(RoutingStrategy.parse(name, "x").id()).isEqualTo(name));
        assertThat(List.of(RoutingStrategy.values())).filteredOn(s -> !s.learned())
                .containsExactly(RoutingStrategy.STATIC, RoutingStrategy.SCORE);
        assertThat(OverBudgetPolicy.parse("cheapest")).isEqualTo(OverBudgetPolicy.CHEAPEST);

        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("planner.tenant.strategies", "acme:fastest")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("planner.tenant.strategies")
                .hasMessageContaining("acme:fastest");
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("budgets.over.policy", "acme:cheap")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("budgets.over.policy").hasMessageContaining("the policy must be reject or cheapest, got 'cheap'");
        SwitchboardConfig config = SwitchboardConfig.withOverrides(Map.of("planner.strategy", "score",
                "planner.tenant.strategies", "acme:latency", "budgets.over.policy", "acme:cheapest"));
        assertThat(config.plannerStrategy()).isEqualTo(RoutingStrategy.SCORE);
        assertThat(config.routing().tenantStrategies()).containsExactly(Map.entry("acme", RoutingStrategy.LATENCY));
        assertThat(config.routing().overBudgetPolicy("acme")).isEqualTo(OverBudgetPolicy.CHEAPEST);
        assertThat(config.routing().overBudgetPolicy("other")).isEqualTo(OverBudgetPolicy.REJECT);
        assertThat(config.routing().learnsWith(config.plannerStrategy())).as("a tenant's latency strategy learns").isTrue();
    }
}
