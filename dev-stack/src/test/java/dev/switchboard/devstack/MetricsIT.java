package dev.switchboard.devstack;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.schemas.Messages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code /metrics} after known traffic: three requests that fail over from a failing provider to
 * another, and one that fails on it alone, counted in each family by the exact amounts they add.
 */
class MetricsIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The tenant the traffic is for, with a daily budget of $2. */
    private static final String TENANT = "metrics-co";

    @TempDir
    static Path dataDir;

    static StackFixture it;
    static String ops;

    @BeforeAll
    static void startStack() {
        it = new StackFixture(dataDir, Map.of(SwitchboardConfig.PLANNER_STRATEGY, "static", SwitchboardConfig.BUDGETS_DAILY_USD, TENANT + ":2.0"));
        ops = TokenClient.token(it.config.security(), Map.of("tenant", "ops-team", "roles", "ops"));
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
    }

    /** One sample: its name and labels, and its value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static HttpResponse<String> get(String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + it.stack.healthPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<Sample> scrape() throws Exception {
        HttpResponse<String> response = get(ops);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        List<Sample> samples = new ArrayList<>();
        for (String line : response.body().lines().toList()) {
            Matcher m = SAMPLE.matcher(line);
            if (line.startsWith("#") || !m.matches()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
        return samples;
    }

    /** The sum of {@code name}'s samples whose labels include {@code labels}. */
    private static double sum(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(Sample::value).sum();
    }

    private static double delta(List<Sample> before, List<Sample> after, String name, Map<String, String> labels) {
        return sum(after, name, labels) - sum(before, name, labels);
    }

    private static LlmReply ask(String tenant, List<String> providers) throws Exception {
        LlmRequest request = LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setPreferredProviders(providers).setMessages(List.of(Messages.of(ChatRole.USER, "What is 7*6?")))
                .setCreatedAtMs(System.currentTimeMillis()).build();
        it.send(request);
        return it.reply(request.getRequestId());
    }

    @Test
    void knownTrafficAddsExactlyItsCountsSumsAndCosts() throws Exception {
        String tenant = TENANT;
        List<Sample> before = scrape();
        it.stack.simulator().setFaults("sim-fast", new Faults(1.0, 0, 2, 10, Map.of(503, 1.0)));
        List<LlmReply> failedOver = new ArrayList<>();
        LlmReply alone;
        try {
            for (int i = 0; i < 3; i++) {
                failedOver.add(ask(tenant, List.of("sim-fast", "sim-strong")));
            }
            alone = ask(tenant, List.of("sim-fast"));
        } finally {
            it.healProviders();
        }
        List<Sample> after = scrape();

        assertThat(failedOver).extracting(LlmReply::getStatus).containsOnly(ReplyStatus.SUCCEEDED);
        assertThat(failedOver).extracting(LlmReply::getProvider).containsOnly("sim-strong");
        assertThat(alone.getStatus()).isEqualTo(ReplyStatus.FAILED);
        String errorClass = alone.getError().getErrorClass();
        double input = failedOver.stream().mapToLong(LlmReply::getInputTokens).sum();
        double output = failedOver.stream().mapToLong(LlmReply::getOutputTokens).sum();
        double cost = failedOver.stream().mapToDouble(LlmReply::getCostUsd).sum();

        assertThat(delta(before, after, "switchboard_requests_total", Map.of("status", "SUCCEEDED", "provider", "sim-strong")))
                .isEqualTo(3.0);
        assertThat(delta(before, after, "switchboard_requests_total", Map.of("status", "FAILED", "provider", "sim-fast")))
                .isEqualTo(1.0);
        assertThat(delta(before, after, "gen_ai_client_operation_duration_seconds_count",
                Map.of("gen_ai_system", "sim-fast", "error_type", errorClass))).isEqualTo(4.0);
        assertThat(delta(before, after, "gen_ai_client_operation_duration_seconds_count",
                Map.of("gen_ai_system", "sim-strong", "error_type", ""))).isEqualTo(3.0);
        assertThat(delta(before, after, "gen_ai_client_token_usage_sum", Map.of("gen_ai_system", "sim-strong", "gen_ai_token_type", "input")))
                .isEqualTo(input);
        assertThat(delta(before, after, "gen_ai_client_token_usage_sum", Map.of("gen_ai_system", "sim-strong", "gen_ai_token_type", "output")))
                .isEqualTo(output);
        assertThat(delta(before, after, "gen_ai_client_token_usage_count", Map.of("gen_ai_system", "sim-strong", "gen_ai_token_type", "input")))
                .isEqualTo(3.0);
        assertThat(delta(before, after, "switchboard_cost_usd_total", Map.of("tenant", tenant, "provider", "sim-strong")))
                .isCloseTo(cost, within(1e-12)).isPositive();
        assertThat(delta(before, after, "switchboard_dlq_records_total", Map.of("stage", "provider-worker", "error_class", errorClass)))
                .isEqualTo(1.0);
        assertThat(delta(before, after, "switchboard_request_duration_seconds_count", Map.of("stage", "total"))).isEqualTo(4.0);
        assertThat(delta(before, after, "switchboard_request_duration_seconds_count", Map.of("stage", "call"))).isEqualTo(7.0);
        assertThat(delta(before, after, "switchboard_request_duration_seconds_count", Map.of("stage", "queue"))).isEqualTo(7.0);
        assertThat(delta(before, after, "switchboard_request_duration_seconds_count", Map.of("stage", "plan"))).isEqualTo(4.0);
        // The histogram's buckets: every call is under 5 minutes.
        assertThat(delta(before, after, "switchboard_request_duration_seconds_bucket", Map.of("stage", "call", "le", "+Inf")))
                .isEqualTo(7.0);
        for (String provider : List.of("sim-fast", "sim-strong", "sim-flaky")) {
            assertThat(sum(after, "switchboard_worker_concurrency_limit", Map.of("provider", provider))).isPositive();
            assertThat(after).anyMatch(s -> s.name().equals("switchboard_worker_in_flight") && provider.equals(s.labels().get("provider")));
            assertThat(after).anyMatch(s -> s.name().equals("switchboard_circuit_state") && provider.equals(s.labels().get("provider")));
        }
        assertThat(sum(after, "jvm_memory_used_bytes", Map.of())).isPositive();
        // The Kafka clients' own metrics, by client id: the worker pools' consumers have consumed tasks.
        assertThat(after).anyMatch(s -> s.name().equals("kafka_consumer_fetch_manager_records_consumed_total")
                && "switchboard-worker-sim-strong".equals(s.labels().get("client_id")) && s.value() >= 3);
        // Read from the brokers every few seconds: once the pools have committed, nothing waits; the budget counts the costs.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Sample> settled = scrape();
            for (String provider : List.of("sim-fast", "sim-strong", "sim-flaky")) {
                assertThat(settled).as(provider).anyMatch(s -> s.name().equals("switchboard_task_backlog")
                        && provider.equals(s.labels().get("provider")) && s.value() == 0.0);
            }
            assertThat(sum(settled, "switchboard_budget_used_ratio", Map.of("tenant", tenant))).isCloseTo(cost / 2.0, within(1e-12));
        });
    }

    @Test
    void everyMetricTheDashboardsAndAlertRulesQueryIsExported() throws Exception {
        // A family appears with its first sample: an answer, and a failure that is dead-lettered.
        ask("metrics-other", List.of("sim-strong"));
        it.stack.simulator().setFaults("sim-fast", new Faults(1.0, 0, 2, 10, Map.of(503, 1.0)));
        try {
            assertThat(ask("metrics-other", List.of("sim-fast")).getStatus()).isEqualTo(ReplyStatus.FAILED);
        } finally {
            it.healProviders();
        }
        java.util.Set<String> exported = new java.util.TreeSet<>();
        for (Sample sample : scrape()) {
            exported.add(sample.name().replaceAll("_(bucket|count|sum|total)$", ""));
            exported.add(sample.name().replaceAll("_(bucket|count|sum)$", ""));
        }
        java.util.Set<String> queried = MonitoringConfig.families();

        assertThat(queried).contains("switchboard_requests_total", "switchboard_task_backlog", "gen_ai_client_operation_duration_seconds",
                "switchboard_budget_used_ratio", "switchboard_dlq_records_total");
        assertThat(exported).containsAll(queried);
    }

    @Test
    void metricsAreForOperatorsOnly() throws Exception {
        String user = TokenClient.token(it.config.security(), Map.of("tenant", "acme"));

        HttpResponse<String> anonymous = get(null);
        HttpResponse<String> asUser = get(user);

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(asUser.statusCode()).isEqualTo(403);
        assertThat(asUser.body()).contains("no rule lets role(s) [user] read analytics of another tenant (*)");
    }
}
