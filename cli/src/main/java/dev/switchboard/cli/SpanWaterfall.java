package dev.switchboard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A request's trace as a waterfall: its spans from ClickHouse {@code switchboard.spans}, each under
 * its parent, with when it started after the trace did, how long it took and a bar on a common time
 * line. The spans of the request's own traces are found by {@code request_id}; the SQL runs on
 * ClickHouse 18.16 and on current releases.
 */
final class SpanWaterfall {

    static final List<String> COLUMNS = List.of("SPAN", "SERVICE", "START", "DURATION", "STATUS", "TIMELINE", "DETAIL");
    private static final int BAR = 24;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Span(String traceId, String spanId, String parentSpanId, String service, String name, long startUs,
                long durationNs, String status, JsonNode attributes) {

        long endUs() {
            return startUs + durationNs / 1_000;
        }
    }

    private SpanWaterfall() {
    }

    /** The query of a request's spans, oldest first. */
    static String query(String requestId) {
        String id = requestId.replace("\\", "\\\\").replace("'", "\\'");
        return "SELECT trace_id, span_id, parent_span_id, service, name, start_time_us, duration_ns, status, attributes"
                + " FROM switchboard.spans WHERE trace_id IN (SELECT trace_id FROM switchboard.spans WHERE request_id = '" + id + "')"
                + " ORDER BY start_time_us, span_id";
    }

    static List<Span> spans(List<JsonNode> rows) {
        List<Span> spans = new ArrayList<>(rows.size());
        for (JsonNode row : rows) {
            JsonNode attributes;
            try {
                attributes = JSON.readTree(row.path("attributes").asText("{}"));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                attributes = JSON.createObjectNode();
            }
            spans.add(new Span(row.path("trace_id").asText(), row.path("span_id").asText(), row.path("parent_span_id").asText(),
                    row.path("service").asText(), row.path("name").asText(), row.path("start_time_us").asLong(),
                    row.path("duration_ns").asLong(), row.path("status").asText(), attributes));
        }
        return spans;
    }

    /** The rows of the waterfall: each span after its parent and its earlier siblings, indented by depth. */
    static List<List<String>> rows(List<Span> spans) {
        if (spans.isEmpty()) {
            return List.of();
        }
        Set<String> ids = new HashSet<>();
        spans.forEach(s -> ids.add(s.spanId()));
        Map<String, List<Span>> children = new HashMap<>();
        List<Span> roots = new ArrayList<>();
        for (Span s : spans) {
            if (ids.contains(s.parentSpanId())) {
                children.computeIfAbsent(s.parentSpanId(), k -> new ArrayList<>()).add(s);
            } else {
                roots.add(s); // the trace's root, or a span whose parent is outside Switchboard (the caller's)
            }
        }
        long first = spans.stream().mapToLong(Span::startUs).min().orElse(0);
        long last = spans.stream().mapToLong(Span::endUs).max().orElse(first);
        List<List<String>> rows = new ArrayList<>();
        Comparator<Span> byStart = Comparator.comparingLong(Span::startUs);
        roots.sort(byStart);
        for (Span root : roots) {
            add(root, 0, children, byStart, first, Math.max(1, last - first), rows);
        }
        return rows;
    }

    private static void add(Span span, int depth, Map<String, List<Span>> children, Comparator<Span> byStart, long first,
                            long total, List<List<String>> rows) {
        rows.add(List.of("  ".repeat(depth) + span.name(), span.service().replaceFirst("^switchboard-", ""),
                String.format(Locale.ROOT, "+%.1f ms", (span.startUs() - first) / 1_000.0),
                String.format(Locale.ROOT, "%.1f ms", span.durationNs() / 1_000_000.0),
                span.status(), bar(span.startUs() - first, span.endUs() - first, total), detail(span.attributes())));
        for (Span child : children.getOrDefault(span.spanId(), List.of()).stream().sorted(byStart).toList()) {
            add(child, depth + 1, children, byStart, first, total, rows);
        }
    }

    /** Where the span lies on the trace's time line, {@value #BAR} characters wide. */
    static String bar(long fromUs, long toUs, long totalUs) {
        int from = (int) Math.min(BAR - 1, fromUs * BAR / totalUs);
        int to = (int) Math.max(from + 1, Math.min(BAR, (toUs * BAR + totalUs - 1) / totalUs));
        return " ".repeat(from) + "█".repeat(to - from) + " ".repeat(BAR - to);
    }

    /** What a span says beyond its name: the model and tokens of a call, its error, the plan. */
    private static String detail(JsonNode a) {
        List<String> parts = new ArrayList<>();
        if (a.has("gen_ai.response.model")) {
            parts.add(a.path("gen_ai.response.model").asText());
        }
        if (a.has("gen_ai.usage.input_tokens")) {
            parts.add(a.path("gen_ai.usage.input_tokens").asLong() + " in / " + a.path("gen_ai.usage.output_tokens").asLong() + " out");
        }
        if (a.has("error.type")) {
            parts.add("error " + a.path("error.type").asText());
        }
        if (a.has("switchboard.strategy")) {
            parts.add(a.path("switchboard.strategy").asText() + ": " + a.path("switchboard.plan").asText());
        }
        if (a.has("switchboard.provider")) {
            parts.add("→ " + a.path("switchboard.provider").asText());
        }
        if (a.has("http.response.status_code")) {
            parts.add("HTTP " + a.path("http.response.status_code").asLong());
        }
        return String.join(", ", parts);
    }
}
