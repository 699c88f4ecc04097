package dev.switchboard.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.telemetry.Tracing;
import dev.switchboard.schemas.Messages;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One trace per request across every hop, from the spans the services export (to an in-memory
 * exporter installed before the stack starts): the edge's, the planner's (which publishes the first
 * task with the plan: the router passes such plans over) and each worker's, and the edge's reading of the reply, with the right parents, the failed and the
 * successful provider call as GenAI client spans, and times that nest and follow each other as the
 * hops did.
 */
class TracingIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The caller's trace and span, as W3C's example traceparent gives them. */
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    /** Clocks of spans anchored apart may differ by this much. */
    private static final long SKEW_NANOS = 1_000_000;

    @TempDir
    static Path dataDir;

    static InMemorySpanExporter spans;
    static AutoCloseable installed;
    static OpenTelemetrySdk sdk;
    static StackFixture it;
    static String token;

    @BeforeAll
    static void startStack() {
        spans = InMemorySpanExporter.create();
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        installed = Tracing.install(sdk);
        it = new StackFixture(dataDir, Map.of(SwitchboardConfig.PLANNER_STRATEGY, "static"));
        token = TokenClient.token(it.config.security(), Map.of("tenant", "default"));
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
        if (installed != null) {
            installed.close();
            sdk.close();
        }
    }

    @AfterEach
    void heal() {
        it.healProviders();
    }

    @Test
    void aFailoverOverHttpIsOneTraceUnderTheCallersSpan() throws Exception {
        it.stack.simulator().setFaults("sim-fast", new Faults(1.0, 0, 2, 10, Map.of(503, 1.0)));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + it.stack.healthPort() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 2+2?\"}]}"))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        String requestId = response.headers().firstValue("x-switchboard-request-id").orElseThrow();

        // Spans are exported as they end; the worker's ends as its outputs are handed over, just before the reply.
        String replies = it.config.edge().replyTopic();
        List<SpanData> trace = await().atMost(Duration.ofSeconds(10)).until(() -> traceOf(TRACE_ID), t -> t.size() >= 10
                && t.stream().anyMatch(s -> s.getKind() == SpanKind.SERVER));
        assertThat(trace).extracting(s -> s.getInstrumentationScopeInfo().getName() + " " + s.getName()).containsExactlyInAnyOrder(
                "switchboard-edge POST /v1/chat/completions",
                "switchboard-planner process llm.requests",
                "switchboard-planner analyse request",
                "switchboard-provider-worker process llm.tasks.sim-fast",
                "switchboard-provider-worker wait for slot",
                "switchboard-provider-worker chat sim-fast-small",
                "switchboard-provider-worker process llm.tasks.sim-strong",
                "switchboard-provider-worker wait for slot",
                "switchboard-provider-worker chat sim-strong-large",
                "switchboard-edge process " + replies);

        SpanData edge = named(trace, "POST /v1/chat/completions");
        SpanData planner = named(trace, "process llm.requests");
        SpanData analysis = named(trace, "analyse request");
        SpanData failed = named(trace, "process llm.tasks.sim-fast");
        SpanData failedCall = named(trace, "chat sim-fast-small");
        SpanData answered = named(trace, "process llm.tasks.sim-strong");
        SpanData answeredCall = named(trace, "chat sim-strong-large");
        SpanData replied = named(trace, "process " + replies);

        // Parents: the caller's span, then each hop under the one that produced its record.
        assertThat(edge.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(edge.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(edge.getParentSpanContext().isRemote()).isTrue();
        assertThat(parentOf(planner)).isEqualTo(edge.getSpanId());
        assertThat(parentOf(analysis)).isEqualTo(planner.getSpanId());
        assertThat(parentOf(failed)).isEqualTo(planner.getSpanId());
        assertThat(parentOf(failedCall)).isEqualTo(failed.getSpanId());
        assertThat(parentOf(answered)).isEqualTo(failed.getSpanId());
        assertThat(parentOf(answeredCall)).isEqualTo(answered.getSpanId());
        assertThat(parentOf(replied)).isEqualTo(answered.getSpanId());
        assertThat(trace.stream().filter(s -> s.getName().equals("wait for slot")).map(TracingIT::parentOf))
                .containsExactlyInAnyOrder(failed.getSpanId(), answered.getSpanId());
        for (SpanData hop : List.of(planner, failed, answered)) {
            assertThat(hop.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(hop.getAttributes().get(Tracing.REQUEST_ID)).as(hop.getName()).isEqualTo(requestId);
            assertThat(hop.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
        }
        assertThat(edge.getAttributes().get(Tracing.REQUEST_ID)).isEqualTo(requestId);
        assertThat(edge.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
        assertThat(planner.getAttributes().get(AttributeKey.stringKey("switchboard.strategy"))).isEqualTo("static-ranking");
        assertThat(planner.getAttributes().get(AttributeKey.stringKey("switchboard.provider"))).isEqualTo("sim-fast");

        // The provider calls: GenAI client spans, the failed one with its error class.
        assertThat(failedCall.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(failedCall.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(failedCall.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("SERVER_ERROR");
        assertThat(failedCall.getAttributes().get(AttributeKey.stringKey("gen_ai.system"))).isEqualTo("sim-fast");
        assertThat(failedCall.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("sim-fast-small");
        assertThat(answeredCall.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(answeredCall.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(answeredCall.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name"))).isEqualTo("chat");
        assertThat(answeredCall.getAttributes().get(AttributeKey.stringKey("gen_ai.system"))).isEqualTo("sim-strong");
        assertThat(answeredCall.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("sim-strong-large");
        assertThat(answeredCall.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model"))).isEqualTo(body.get("model").asText());
        assertThat(answeredCall.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens")))
                .isEqualTo(body.at("/usage/prompt_tokens").asLong());
        assertThat(answeredCall.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens")))
                .isEqualTo(body.at("/usage/completion_tokens").asLong());
        assertThat(answeredCall.getAttributes().get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")))
                .containsExactly(body.at("/choices/0/finish_reason").asText());

        // Times: work inside a hop lies within its span; the hops follow one another inside the edge's span,
        // so their durations add up to at most the edge's.
        assertWithin(analysis, planner);
        assertWithin(failedCall, failed);
        assertWithin(answeredCall, answered);
        List<SpanData> hops = List.of(planner, failed, answered);
        long previousEnd = edge.getStartEpochNanos();
        long sum = 0;
        for (SpanData hop : hops) {
            assertThat(hop.getStartEpochNanos()).as(hop.getName() + " starts after the hop before it ended")
                    .isGreaterThanOrEqualTo(previousEnd - SKEW_NANOS);
            previousEnd = hop.getEndEpochNanos();
            sum += duration(hop);
        }
        // The edge read the reply after the last attempt ended, and answered after it read it.
        assertThat(replied.getStartEpochNanos()).isGreaterThanOrEqualTo(previousEnd - SKEW_NANOS);
        assertThat(edge.getEndEpochNanos()).isGreaterThanOrEqualTo(replied.getEndEpochNanos() - SKEW_NANOS);
        assertThat(sum).isLessThanOrEqualTo(duration(edge));
        assertThat(duration(failed)).isGreaterThanOrEqualTo(duration(failedCall));
        assertThat(duration(answered)).isGreaterThanOrEqualTo(duration(answeredCall));
    }

    @Test
    void aKafkaProducerWithoutTraceContextStartsATraceAndOneWithItJoinsIt() throws Exception {
        LlmRequest untraced = request();
        it.send(untraced);
        LlmReply reply = it.reply(untraced.getRequestId());
        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        SpanData planned = await().atMost(Duration.ofSeconds(10)).until(() -> hopOf(untraced.getRequestId(), "process llm.requests"),
                java.util.Objects::nonNull);
        assertThat(planned.getParentSpanContext().isValid()).isFalse();
        assertThat(planned.getTraceId()).isNotEqualTo(TRACE_ID);
        SpanData worked = await().atMost(Duration.ofSeconds(10)).until(() -> hopOf(untraced.getRequestId(), "process llm.tasks.sim-fast"),
                java.util.Objects::nonNull);
        assertThat(worked.getTraceId()).isEqualTo(planned.getTraceId());

        String traceId = "0af7651916cd43dd8448eb211c80319c";
        LlmRequest traced = request();
        ProducerRecord<byte[], byte[]> record = TestStack.requestRecord(it.config, it.codec, traced.getRequestId(), traced);
        record.headers().add("traceparent", ("00-" + traceId + "-b7ad6b7169203331-01").getBytes(StandardCharsets.UTF_8));
        it.producer.send(record).get();
        assertThat(it.reply(traced.getRequestId()).getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        SpanData joined = await().atMost(Duration.ofSeconds(10)).until(() -> hopOf(traced.getRequestId(), "process llm.requests"),
                java.util.Objects::nonNull);
        assertThat(joined.getTraceId()).isEqualTo(traceId);
        assertThat(joined.getParentSpanId()).isEqualTo("b7ad6b7169203331");
    }

    private static LlmRequest request() {
        return LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("default")
                .setPreferredProviders(List.of("sim-fast")).setMessages(List.of(Messages.of(ChatRole.USER, "What is 3+3?")))
                .setCreatedAtMs(System.currentTimeMillis()).build();
    }

    private static List<SpanData> traceOf(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private static SpanData hopOf(String requestId, String name) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name) && requestId.equals(s.getAttributes().get(Tracing.REQUEST_ID)))
                .findFirst().orElse(null);
    }

    private static SpanData named(List<SpanData> trace, String name) {
        List<SpanData> found = trace.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(found).as(name).hasSize(1);
        return found.getFirst();
    }

    private static String parentOf(SpanData span) {
        assertThat(SpanId.isValid(span.getParentSpanId())).as(span.getName() + " has a parent").isTrue();
        return span.getParentSpanId();
    }

    private static long duration(SpanData span) {
        return span.getEndEpochNanos() - span.getStartEpochNanos();
    }

    private static void assertWithin(SpanData child, SpanData parent) {
        assertThat(child.getStartEpochNanos()).as(child.getName() + " starts within " + parent.getName())
                .isGreaterThanOrEqualTo(parent.getStartEpochNanos() - SKEW_NANOS);
        assertThat(child.getEndEpochNanos()).as(child.getName() + " ends within " + parent.getName())
                .isLessThanOrEqualTo(parent.getEndEpochNanos() + SKEW_NANOS);
    }
}
