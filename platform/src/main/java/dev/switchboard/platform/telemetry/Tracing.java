package dev.switchboard.platform.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The process's tracer and the W3C trace context in Kafka headers. Until {@link #install} is called
 * (by {@link Telemetry#start}, or by a test with its own SDK) every span is a no-op and a record's
 * incoming {@code traceparent} is passed on unchanged ({@link #carry}).
 */
public final class Tracing {

    /** The request a span belongs to: {@code bin/switchboard trace ID} finds its trace by it. */
    public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("switchboard.request_id");

    private static final List<String> W3C_HEADERS = List.of("traceparent", "tracestate");
    private static volatile OpenTelemetry openTelemetry = OpenTelemetry.noop();
    /** The installed telemetry's tracers by service, so that a span does not look its tracer up. */
    private static volatile java.util.concurrent.ConcurrentHashMap<String, Tracer> tracers = new java.util.concurrent.ConcurrentHashMap<>();

    private Tracing() {
    }

    /** Makes {@code sdk} the process's telemetry; closing the result puts back what was there before. */
    public static synchronized AutoCloseable install(OpenTelemetry sdk) {
        OpenTelemetry before = openTelemetry;
        use(sdk);
        return () -> use(before);
    }

    private static synchronized void use(OpenTelemetry telemetry) {
        openTelemetry = telemetry;
        tracers = new java.util.concurrent.ConcurrentHashMap<>();
    }

    /** Whether something other than the no-op telemetry is installed. */
    public static boolean installed() {
        return openTelemetry != OpenTelemetry.noop();
    }

    /** The tracer of one service: its name is the {@code service} of the spans it starts. */
    public static Tracer tracer(String service) {
        OpenTelemetry telemetry = openTelemetry;
        java.util.concurrent.ConcurrentHashMap<String, Tracer> byService = tracers;
        Tracer tracer = byService.get(service);
        if (tracer == null) {
            tracer = telemetry.getTracer(service);
            if (telemetry == openTelemetry) {
                byService.putIfAbsent(service, tracer);
            }
        }
        return tracer;
    }

    /** The trace context a record's headers carry, or the root context when they carry none. */
    public static Context extract(Headers headers) {
        return openTelemetry.getPropagators().getTextMapPropagator().extract(Context.root(), headers, KafkaHeaders.INSTANCE);
    }

    /** The trace context another carrier (HTTP headers, say) holds, or the root context when it holds none. */
    public static <C> Context extract(C carrier, TextMapGetter<C> getter) {
        return openTelemetry.getPropagators().getTextMapPropagator().extract(Context.root(), carrier, getter);
    }

    /** Writes {@code context}'s trace into {@code headers}, replacing any trace context they had. */
    public static void inject(Context context, Headers headers) {
        openTelemetry.getPropagators().getTextMapPropagator().inject(context, headers, KafkaHeaders.INSTANCE);
    }

    /**
     * Writes the trace of {@code span}, the span of processing {@code in}, into the headers of a
     * record it produced; when tracing is off (the span is not valid), the W3C headers {@code in}
     * came with are passed on as they were, so a producer's trace still reaches the replies.
     */
    public static void carry(Span span, ConsumerRecord<?, ?> in, Headers out) {
        if (span.getSpanContext().isValid()) {
            inject(Context.root().with(span), out);
            return;
        }
        for (String key : W3C_HEADERS) {
            Header header = in.headers().lastHeader(key);
            if (header != null) {
                out.remove(key);
                out.add(key, header.value());
            }
        }
    }

    /**
     * A stage's span for one consumed record (kind CONSUMER, named {@code process <topic>} as the
     * messaging conventions name it), a child of the trace the record's headers carry.
     */
    public static Span process(String service, ConsumerRecord<?, ?> record) {
        return tracer(service).spanBuilder("process " + record.topic())
                .setParent(extract(record.headers()))
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", record.topic())
                .setAttribute("messaging.destination.partition.id", Integer.toString(record.partition()))
                .setAttribute("messaging.kafka.offset", record.offset())
                .startSpan();
    }

    /** Something to run inside a span that may throw a checked exception. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run() throws E;
    }

    /**
     * Runs {@code work} in a span of {@code kind} named {@code name}, a child of the current span;
     * a failure marks the span ERROR and is thrown on.
     */
    public static <T, E extends Exception> T inSpan(String service, String name, SpanKind kind, Work<T, E> work) throws E {
        Span span = tracer(service).spanBuilder(name).setSpanKind(kind).startSpan();
        try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
            return work.run();
        } catch (Exception | Error e) {
            fail(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** A span from now until {@code future} completes, a child of the current span. */
    public static <T> java.util.concurrent.CompletableFuture<T> until(String service, String name,
                                                                     java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> start) {
        Span span = tracer(service).spanBuilder(name).setSpanKind(SpanKind.INTERNAL).startSpan();
        java.util.concurrent.CompletableFuture<T> future;
        try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
            future = start.get();
        } catch (RuntimeException e) {
            fail(span, e);
            span.end();
            throw e;
        }
        future.whenComplete((value, error) -> {
            if (error != null) {
                fail(span, error);
            }
            span.end();
        });
        return future;
    }

    /** Ends {@code span} as failed with {@code error} (its class, never its message: it may quote a prompt). */
    public static void fail(Span span, Throwable error) {
        span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
        span.setAttribute("error.type", error.getClass().getName());
    }

    /** Tags the current span with the request it works on. */
    public static void requestId(String requestId) {
        if (requestId != null) {
            Span.current().setAttribute(REQUEST_ID, requestId);
        }
    }

    /** Kafka headers as the propagators read and write them; a written key replaces the header of that name. */
    enum KafkaHeaders implements TextMapGetter<Headers>, TextMapSetter<Headers> {
        INSTANCE;

        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            for (Header header : headers) {
                keys.add(header.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header header = headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }

        @Override
        public void set(Headers headers, String key, String value) {
            if (headers != null) {
                headers.remove(key);
                headers.add(key, value.getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
