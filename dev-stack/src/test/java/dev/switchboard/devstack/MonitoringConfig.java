package dev.switchboard.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What deploy/'s dashboards and alert rules query: their PromQL, the metric families it names, their ClickHouse SQL. */
public final class MonitoringConfig {

    /** deploy/, from the module's directory (where tests run). */
    public static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern METRIC = Pattern.compile("\\b((?:switchboard|gen_ai)_[a-z_]+)\\b");
    private static final Pattern RULE_EXPR = Pattern.compile("(?m)^\\s*expr:\\s*(\\|\\s*\\n((?:\\s{10,}.*\\n?)+)|(.+))$");

    private MonitoringConfig() {
    }

    public static List<Path> dashboards() {
        try (Stream<Path> files = Files.list(DEPLOY.resolve("grafana").resolve("dashboards"))) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every PromQL expression of the dashboards and the alert rules. */
    public static List<String> promQl() {
        List<String> exprs = new ArrayList<>();
        for (JsonNode target : targets()) {
            if (target.hasNonNull("expr")) {
                exprs.add(target.get("expr").asText());
            }
        }
        try {
            Matcher m = RULE_EXPR.matcher(Files.readString(DEPLOY.resolve("prometheus").resolve("alerts.yml")));
            while (m.find()) {
                exprs.add(m.group(2) != null ? m.group(2).strip() : m.group(3).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return exprs;
    }

    /** The metric families the PromQL names, without the _bucket, _count and _sum of histograms and summaries. */
    public static Set<String> families() {
        Set<String> families = new TreeSet<>();
        for (String expr : promQl()) {
            // Label names (by (...), without (...), {...} matchers) are not metrics.
            Matcher m = METRIC.matcher(expr.replaceAll("\\b(by|without)\\s*\\([^)]*\\)", "").replaceAll("\\{[^}]*}", ""));
            while (m.find()) {
                families.add(m.group(1).replaceAll("_(bucket|count|sum)$", ""));
            }
        }
        return families;
    }

    /** Every ClickHouse query of the dashboards. */
    public static List<String> sql() {
        List<String> queries = new ArrayList<>();
        for (JsonNode target : targets()) {
            if (target.hasNonNull("rawSql")) {
                queries.add(target.get("rawSql").asText());
            }
        }
        return queries;
    }

    private static List<JsonNode> targets() {
        List<JsonNode> targets = new ArrayList<>();
        for (Path dashboard : dashboards()) {
            try {
                for (JsonNode panel : JSON.readTree(dashboard.toFile()).path("panels")) {
                    panel.path("targets").forEach(targets::add);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(dashboard + " is not JSON", e);
            }
        }
        return targets;
    }
}
