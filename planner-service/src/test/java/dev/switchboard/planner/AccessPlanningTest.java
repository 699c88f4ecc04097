package dev.switchboard.planner;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanStep;
import dev.switchboard.planner.routing.LearnedRouter;
import dev.switchboard.planner.routing.LinearQualityModel;
import dev.switchboard.platform.auth.Authorizer;
import dev.switchboard.platform.auth.Principal;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.schemas.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The access policy where planning happens: a maker's roles decide the model tiers and tools a
 * plan may use, and a request's data classification the providers its data may reach.
 */
class AccessPlanningTest {

    private final LearnedRouter router = new LearnedRouter(text -> new float[] {1, 0},
            new LinearQualityModel(new LinearQualityModel.Settings(1.0, 0.0, 0.5)), 3L);
    private final Authorizer bundled = Authorizer.bundled();

    /** sim-strong is premium, keeps no data and alone calls tools; sim-fast and sim-flaky are standard (unset), and only sim-fast says zdr:false. */
    private static SwitchboardConfig config(Map<String, String> extra) {
        Map<String, String> o = new HashMap<>(Map.of(
                "planner.strategy", "balanced",
                "planner.max.steps", "3",
                "provider.sim-strong.capabilities", "tools",
                "provider.sim-fast.capabilities", "json",
                "provider.sim-flaky.capabilities", "json",
                "provider.sim-strong.attributes", "tier:premium,zdr:true",
                "provider.sim-fast.attributes", "zdr:false"));
        o.putAll(extra);
        return SwitchboardConfig.withOverrides(o);
    }

    private static LlmRequest.Builder request(String id) {
        return LlmRequest.newBuilder().setRequestId(id).setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, "Summarise this contract"))).setCreatedAtMs(1L);
    }

    private Access as(String role) {
        return Access.of(bundled, new Principal("alice", "acme", Set.of(role)), "acme");
    }

    private static List<String> providers(ExecutionPlan plan) {
        return plan.getSteps().stream().map(PlanStep::getProvider).toList();
    }

    @Test
    void aUserIsNeverPlannedOntoAPremiumModelATenantAdminIs() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);

        assertThat(providers(planner.plan(request("t-1").build(), 5L, as("user"))))
                .containsExactlyInAnyOrder("sim-fast", "sim-flaky");
        assertThat(providers(planner.plan(request("t-2").build(), 5L, as("tenant-admin"))))
                .containsExactlyInAnyOrder("sim-fast", "sim-flaky", "sim-strong");
        // Without security nobody's roles are known: every tier.
        assertThat(providers(planner.plan(request("t-3").build(), 5L)))
                .containsExactlyInAnyOrder("sim-fast", "sim-flaky", "sim-strong");
    }

    @Test
    void aUserWhoAsksForAPremiumProviderByNameIsRefusedNamingTheRule() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);

        assertThatThrownBy(() -> planner.plan(request("t-4").setPreferredProviders(List.of("sim-strong")).build(), 5L, as("user")))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessage("the access policy lets this request reach no provider: sim-strong: tier premium: "
                        + "no rule lets role(s) [user] use tier:premium in their tenant")
                .extracting(e -> ((RejectedRecordException) e).errorClass()).isEqualTo("FORBIDDEN");
        // A preferred list keeps the providers it may use, in its order.
        assertThat(providers(planner.plan(request("t-5").setPreferredProviders(List.of("sim-strong", "sim-flaky")).build(), 5L,
                as("user")))).containsExactly("sim-flaky");
        // Static ranking: the same filter.
        Planner ranked = new Planner(config(Map.of("planner.strategy", "static", "planner.ranking", "sim-strong,sim-fast")));
        ExecutionPlan plan = ranked.plan(request("t-6").build(), 5L, as("user"));
        assertThat(providers(plan)).containsExactly("sim-fast");
        assertThat(plan.getSteps().getFirst().getReason()).isEqualTo("static ranking, #1");
    }

    @Test
    void aRequestNeedingToolsThatOnlyAPremiumModelHasIsForbiddenNotIneligible() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);

        assertThatThrownBy(() -> planner.plan(request("t-7").setTools(List.of("web_search")).build(), 5L, as("user")))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessageContaining("sim-strong: tier premium: no rule lets role(s) [user] use tier:premium in their tenant")
                .hasMessageContaining("sim-fast: no tools capability")
                .extracting(e -> ((RejectedRecordException) e).errorClass()).isEqualTo("FORBIDDEN");
    }

    @Test
    void aToolThePolicyDoesNotAllowIsRefusedBeforeAnyPlanning(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.csv");
        Files.writeString(policy, """
                p, user, chat, requests, own
                p, user, use, tier:*, own
                p, user, use, tool:calculator, own
                p2, public, *, *
                """);
        Authorizer custom = new Authorizer(policy);
        Access user = Access.of(custom, new Principal("bob", "acme", Set.of("user")), "acme");
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);

        assertThat(providers(planner.plan(request("t-8").setTools(List.of("calculator")).build(), 5L, user)))
                .containsExactly("sim-strong");
        assertThatThrownBy(() -> planner.plan(request("t-9").setTools(List.of("calculator", "web_search")).build(), 5L, user))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessage("tool web_search: no rule lets role(s) [user] use tool:web_search in their tenant")
                .extracting(e -> ((RejectedRecordException) e).errorClass()).isEqualTo("FORBIDDEN");
    }

    @Test
    void personalDataGoesOnlyToProvidersThatKeepNothingWhoeverAsks() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);
        LlmRequest pii = request("d-1").setAttributes(Map.of("data_classification", "pii")).build();

        assertThat(providers(planner.plan(pii, 5L))).containsExactly("sim-strong");
        assertThat(providers(planner.plan(pii, 5L, as("admin")))).containsExactly("sim-strong");
        // A user may not use the one provider that keeps no data: nowhere to go.
        assertThatThrownBy(() -> planner.plan(pii, 5L, as("user")))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessageContaining("sim-fast: data classified pii goes only to providers with zdr=true "
                        + "(rule p2, pii, zdr, true); zdr is false")
                .hasMessageContaining("sim-flaky: data classified pii goes only to providers with zdr=true "
                        + "(rule p2, pii, zdr, true); zdr is unset")
                .hasMessageContaining("sim-strong: tier premium")
                .extracting(e -> ((RejectedRecordException) e).errorClass()).isEqualTo("FORBIDDEN");
        // Named providers do not get around it.
        assertThatThrownBy(() -> planner.plan(request("d-2").setAttributes(Map.of("data_classification", "pii"))
                .setPreferredProviders(List.of("sim-fast")).build(), 5L))
                .hasMessageContaining("sim-fast: data classified pii goes only to providers with zdr=true");
        assertThat(providers(planner.plan(request("d-3").setAttributes(Map.of("data_classification", "public")).build(), 5L)))
                .hasSize(3);
    }

    @Test
    void aClassificationThePolicyDoesNotNameIsRefusedNotIgnored() {
        Planner planner = new Planner(config(Map.of()), Planner.ScoreLookup.NONE, router);

        assertThatThrownBy(() -> planner.plan(request("d-4").setAttributes(Map.of("data_classification", "PII")).build(), 5L))
                .isInstanceOf(RejectedRecordException.class)
                .hasMessage("attribute data_classification is 'PII', which the access policy does not name; "
                        + "known: [internal, pii, public]")
                .extracting(e -> ((RejectedRecordException) e).errorClass()).isEqualTo("INVALID_REQUEST");
    }
}
