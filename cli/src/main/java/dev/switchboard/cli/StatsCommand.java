package dev.switchboard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.analytics.clickhouse.ClickHouseConnection;
import dev.switchboard.avro.ProviderHealth;
import dev.switchboard.platform.health.ProviderHealthView;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Print the worker pools' health from llm.provider-health (circuit, adaptive concurrency limit, calls in flight),",
                "then the provider leaderboard from ClickHouse (view switchboard.provider_leaderboard)."})
final class StatsCommand implements Callable<Integer> {

    @Mixin
    OutputOptions output;

    @Mixin
    ConfigOptions config;

    private static final List<String> POOL_COLUMNS = List.of("PROVIDER", "CIRCUIT", "FAILURES", "CONCURRENCY LIMIT", "IN FLIGHT", "REPORTED");
    private static final List<String> LEADER_COLUMNS = List.of("PROVIDER", "ATTEMPTS", "SUCCESS", "P95 LATENCY", "COST/SUCCESS",
            "SATISFACTION (N)");

    @Override
    public Integer call() {
        boolean json = output.json();
        StackConnection stack = new StackConnection(config);
        List<List<String>> pools = pools(stack);
        if (!json) {
            System.out.print(pools.isEmpty() ? "No worker pool has reported on llm.provider-health yet.\n"
                    : output.table(POOL_COLUMNS, pools));
        }
        List<JsonNode> rows;
        try (ClickHouseConnection clickhouse = stack.clickhouse()) {
            rows = clickhouse.query("SELECT * FROM switchboard.provider_leaderboard");
        } catch (ClickHouseConnection.ClickHouseException e) {
            throw new CliException(e.getMessage(), 3);
        }
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode document = OutputOptions.newObject();
            document.set("pools", OutputOptions.rows(POOL_COLUMNS, pools));
            document.putArray("leaderboard").addAll(rows);
            OutputOptions.print(document);
            return 0;
        }
        if (rows.isEmpty()) {
            System.out.println();
            System.out.println("No attempts in ClickHouse yet. Send a request: bin/switchboard send \"What is 2+2?\"");
            return 0;
        }
        List<List<String>> table = new ArrayList<>();
        for (JsonNode r : rows) {
            boolean answered = r.get("success_rate").asDouble() > 0;
            table.add(List.of(r.get("provider").asText(), r.get("attempts").asText(),
                    String.format(Locale.ROOT, "%.1f %%", 100 * r.get("success_rate").asDouble()),
                    answered ? String.format(Locale.ROOT, "%.0f ms", r.get("p95_latency_ms").asDouble()) : "-",
                    answered ? String.format(Locale.ROOT, "$%.6f", r.get("cost_per_success_usd").asDouble()) : "-",
                    r.get("rated_requests").asLong() == 0 ? "-"
                            : String.format(Locale.ROOT, "%.2f (%d)", r.get("satisfaction").asDouble(), r.get("rated_requests").asLong())));
        }
        System.out.println();
        System.out.print(output.table(LEADER_COLUMNS, table));
        return 0;
    }

    /** Each provider's latest report on llm.provider-health, as rows: what its worker pool runs at now. */
    private static List<List<String>> pools(StackConnection stack) {
        Map<String, ProviderHealth> latest = new TreeMap<>();
        for (var record : TopicReader.readToEnd(stack.clients, List.of(Topics.PROVIDER_HEALTH.name()), r -> true)) {
            ProviderHealth health = stack.codec.decode(Topics.PROVIDER_HEALTH, record.value());
            latest.merge(health.getProvider(), health, ProviderHealthView.LATEST);
        }
        long now = System.currentTimeMillis();
        List<List<String>> table = new ArrayList<>();
        for (ProviderHealth h : latest.values()) {
            table.add(List.of(h.getProvider(), h.getState(),
                    h.getFailureRate() < 0 ? "-" : String.format(Locale.ROOT, "%.1f %%", h.getFailureRate()),
                    h.getConcurrencyLimit() < 0 ? "-" : Integer.toString(h.getConcurrencyLimit()),
                    h.getInFlight() < 0 ? "-" : Integer.toString(h.getInFlight()),
                    Math.max(0, (now - h.getChangedAtMs()) / 1000) + " s ago"));
        }
        return table;
    }
}
