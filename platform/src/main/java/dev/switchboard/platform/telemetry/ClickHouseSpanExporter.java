package dev.switchboard.platform.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Spans as rows of ClickHouse table {@code switchboard.spans} (deploy/clickhouse/V007__spans.sql),
 * inserted over ClickHouse's HTTP interface as {@code JSONEachRow}, the format that 18.16 and current
 * releases both take. One row per span: {@code service} is the tracer's name (one per Switchboard
 * service, so the services of the all-in-one dev process stay apart), {@code attributes} a JSON
 * object, {@code request_id} the span's {@code switchboard.request_id}.
 */
public final class ClickHouseSpanExporter implements SpanExporter {

    private static final Logger log = LoggerFactory.getLogger(ClickHouseSpanExporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TABLE = "switchboard.spans";
    /** Failed exports are logged at most this often: a ClickHouse that is down must not flood the log. */
    private static final long WARN_INTERVAL_MS = 60_000;

    private final URI insert;
    private final String authorization;
    private final HttpClient http;
    private final AtomicLong lastWarnMs = new AtomicLong();
    private volatile boolean shutdown;

    public ClickHouseSpanExporter(String url, String user, String password) {
        String base = url.replaceAll("/+$", "");
        this.insert = URI.create(base + "/?query=" + URLEncoder.encode("INSERT INTO " + TABLE + " FORMAT JSONEachRow",
                StandardCharsets.UTF_8));
        this.authorization = user == null || user.isBlank() ? null : "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        if (shutdown) {
            return CompletableResultCode.ofFailure();
        }
        StringBuilder body = new StringBuilder(spans.size() * 512);
        for (SpanData span : spans) {
            body.append(row(span)).append('\n');
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(insert).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        CompletableResultCode result = new CompletableResultCode();
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            if (error == null && response.statusCode() == 200) {
                result.succeed();
                return;
            }
            String why = error != null ? error.toString() : "HTTP " + response.statusCode() + ": " + firstLine(response.body());
            long now = System.currentTimeMillis();
            long last = lastWarnMs.get();
            if (now - last >= WARN_INTERVAL_MS && lastWarnMs.compareAndSet(last, now)) {
                log.warn("{} spans not written to ClickHouse {} ({}); later failures within a minute are not logged",
                        spans.size(), TABLE, why);
            }
            result.fail();
        });
        return result;
    }

    /** One span as a {@code JSONEachRow} line. */
    static String row(SpanData span) {
        long startNanos = span.getStartEpochNanos();
        ObjectNode row = JSON.createObjectNode()
                .put("trace_id", span.getTraceId())
                .put("span_id", span.getSpanId())
                .put("parent_span_id", SpanId.isValid(span.getParentSpanId()) ? span.getParentSpanId() : "")
                .put("service", span.getInstrumentationScopeInfo().getName())
                .put("name", span.getName())
                .put("kind", span.getKind().name())
                .put("start_time", startNanos / 1_000_000_000L)
                .put("start_time_us", startNanos / 1_000L)
                .put("duration_ns", Math.max(0, span.getEndEpochNanos() - startNanos))
                .put("status", span.getStatus().getStatusCode().name())
                .put("status_message", span.getStatus().getDescription())
                .put("request_id", nullToEmpty(span.getAttributes().get(Tracing.REQUEST_ID)));
        ObjectNode attributes = JSON.createObjectNode();
        span.getAttributes().forEach((key, value) -> put(attributes, key, value));
        row.put("attributes", attributes.toString());
        return row.toString();
    }

    private static void put(ObjectNode attributes, AttributeKey<?> key, Object value) {
        switch (value) {
            case Long l -> attributes.put(key.getKey(), l);
            case Double d -> attributes.put(key.getKey(), d);
            case Boolean b -> attributes.put(key.getKey(), b);
            case java.util.List<?> list -> {
                var array = attributes.putArray(key.getKey());
                list.forEach(item -> array.add(String.valueOf(item)));
            }
            default -> attributes.put(key.getKey(), String.valueOf(value));
        }
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    private static String firstLine(String body) {
        String line = body == null ? "" : body.strip().lines().findFirst().orElse("");
        return line.length() <= 300 ? line : line.substring(0, 300) + "…";
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        shutdown = true;
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public String toString() {
        return "ClickHouseSpanExporter{" + insert.getHost() + ":" + insert.getPort() + "}";
    }
}
