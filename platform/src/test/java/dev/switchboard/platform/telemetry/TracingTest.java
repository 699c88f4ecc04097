package dev.switchboard.platform.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.platform.config.SwitchboardConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.StatusData;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TracingTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    @Test
    void theTraceContextTravelsInKafkaHeadersAndAWrittenOneReplacesTheOld() throws Exception {
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        try (AutoCloseable ignored = Tracing.install(sdk)) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("traceparent", ("00-" + TRACE + "-" + SPAN + "-01").getBytes(StandardCharsets.UTF_8));
            SpanContext read = Span.fromContext(Tracing.extract(headers)).getSpanContext();
            assertThat(read.getTraceId()).isEqualTo(TRACE);
            assertThat(read.getSpanId()).isEqualTo(SPAN);
            assertThat(read.isRemote()).isTrue();

            Span child = Tracing.tracer("test").spanBuilder("child").setParent(Tracing.extract(headers)).startSpan();
            Tracing.inject(Context.root().with(child), headers);
            assertThat(headers.headers("traceparent")).hasSize(1);
            assertThat(new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                    .isEqualTo("00-" + TRACE + "-" + child.getSpanContext().getSpanId() + "-01");
            child.end();
        }
        assertThat(Tracing.installed()).isFalse();
        assertThat(Span.fromContext(Tracing.extract(new RecordHeaders())).getSpanContext().isValid()).isFalse();
    }

    @Test
    void withTracingOffARecordsTraceContextIsPassedOnAsItCame() {
        org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> in =
                new org.apache.kafka.clients.consumer.ConsumerRecord<>("llm.requests", 0, 7L, null, null);
        in.headers().add("traceparent", ("00-" + TRACE + "-" + SPAN + "-01").getBytes(StandardCharsets.UTF_8));
        in.headers().add("tracestate", "vendor=1".getBytes(StandardCharsets.UTF_8));
        io.opentelemetry.api.trace.Span span = Tracing.process("switchboard-planner", in);
        assertThat(span.getSpanContext().isValid()).isFalse();

        RecordHeaders out = new RecordHeaders();
        out.add("traceparent", "stale".getBytes(StandardCharsets.UTF_8));
        Tracing.carry(span, in, out);
        assertThat(out.headers("traceparent")).hasSize(1);
        assertThat(new String(out.lastHeader("traceparent").value(), StandardCharsets.UTF_8)).isEqualTo("00-" + TRACE + "-" + SPAN + "-01");
        assertThat(new String(out.lastHeader("tracestate").value(), StandardCharsets.UTF_8)).isEqualTo("vendor=1");
    }

    @Test
    void spansGoToClickHouseByDefaultOnlyWhereAnalyticsWritesThere() {
        Map<String, String> on = Telemetry.defaults(SwitchboardConfig.withOverrides(Map.of(
                SwitchboardConfig.CLICKHOUSE_URL, "http://ch.example:8123")), "switchboard-planner");
        assertThat(on).containsEntry("otel.traces.exporter", "clickhouse").containsEntry("otel.service.name", "switchboard-planner")
                .containsEntry("otel.exporter.clickhouse.endpoint", "http://ch.example:8123")
                .containsEntry("otel.metrics.exporter", "none").containsEntry("otel.logs.exporter", "none");
        Map<String, String> off = Telemetry.defaults(SwitchboardConfig.withOverrides(Map.of(
                SwitchboardConfig.ANALYTICS_ENABLED, "false")), "switchboard-router");
        assertThat(off).containsEntry("otel.traces.exporter", "none");
    }

    @Test
    void anInvalidOtelSettingIsAConfigurationErrorNamingIt() {
        System.setProperty("otel.traces.exporter", "carrier-pigeon");
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Telemetry.start(SwitchboardConfig.withOverrides(Map.of(
                            SwitchboardConfig.ANALYTICS_ENABLED, "false")), "switchboard-test"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("OTEL_* variables").hasMessageContaining("otel.traces.exporter")
                    .hasMessageContaining("carrier-pigeon");
        } finally {
            System.clearProperty("otel.traces.exporter");
        }
        assertThat(Tracing.installed()).isFalse();
    }

    @Test
    void aSpanIsOneJsonEachRowLineWithItsAttributesAsAJsonObject() throws Exception {
        SpanContext context = SpanContext.create(TRACE, "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.getDefault());
        SpanContext parent = SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault());
        Attributes attributes = Attributes.builder().put(Tracing.REQUEST_ID, "r-1").put("gen_ai.usage.output_tokens", 42L)
                .put(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("stop")).build();
        long start = 1_796_300_000_123_456_789L;
        String line = ClickHouseSpanExporter.row(TestSpanData.builder().setSpanContext(context).setParentSpanContext(parent)
                .setInstrumentationScopeInfo(InstrumentationScopeInfo.create("switchboard-provider-worker"))
                .setName("chat sim-fast-small").setKind(SpanKind.CLIENT).setStartEpochNanos(start).setEndEpochNanos(start + 2_500_000)
                .setAttributes(attributes).setStatus(StatusData.error()).setHasEnded(true).setTotalRecordedEvents(0)
                .setTotalRecordedLinks(0).setTotalAttributeCount(3).build());

        JsonNode row = new ObjectMapper().readTree(line);
        assertThat(row.get("trace_id").asText()).isEqualTo(TRACE);
        assertThat(row.get("span_id").asText()).isEqualTo("b7ad6b7169203331");
        assertThat(row.get("parent_span_id").asText()).isEqualTo(SPAN);
        assertThat(row.get("service").asText()).isEqualTo("switchboard-provider-worker");
        assertThat(row.get("kind").asText()).isEqualTo("CLIENT");
        assertThat(row.get("start_time").asLong()).isEqualTo(1_796_300_000L);
        assertThat(row.get("start_time_us").asLong()).isEqualTo(1_796_300_000_123_456L);
        assertThat(row.get("duration_ns").asLong()).isEqualTo(2_500_000L);
        assertThat(row.get("status").asText()).isEqualTo("ERROR");
        assertThat(row.get("request_id").asText()).isEqualTo("r-1");
        JsonNode parsed = new ObjectMapper().readTree(row.get("attributes").asText());
        assertThat(parsed.get("gen_ai.usage.output_tokens").asLong()).isEqualTo(42);
        assertThat(parsed.get("gen_ai.response.finish_reasons").get(0).asText()).isEqualTo("stop");
    }
}
