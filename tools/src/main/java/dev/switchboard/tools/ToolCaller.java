package dev.switchboard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.avro.ToolKind;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls registered tools, HTTP and built in ({@link BuiltinTool}): the tenant's access is checked ({@link ToolAccess}), the arguments
 * against the tool's JSON Schema ({@link ToolDefinitions#arguments}), then the arguments are POSTed
 * to the tool's url as a JSON object with an {@code Idempotency-Key} header that every retry of
 * the call repeats, so a tool can run a call once however often it is tried.
 *
 * <p>Recovery, per tool (resilience4j): each try is given the tool's {@code timeoutMs}; a try that
 * timed out, could not connect, or was answered 5xx or 429 is retried with exponential back-off
 * ({@link Settings}); those failures count towards the tool's circuit breaker, and while it is open
 * calls are refused at once ({@link Status#CIRCUIT_OPEN}) without reaching the tool. A 4xx answer
 * is the tool refusing these arguments: not retried, not counted against the tool. A call never
 * throws for the tool's sake: its {@link Result} says what happened, so an agent can read it as an
 * observation and choose another tool.
 */
public final class ToolCaller implements AutoCloseable {

    /** What became of a call. */
    public enum Status {
        SUCCEEDED, FAILED, REFUSED, INVALID_ARGUMENTS, CIRCUIT_OPEN
    }

    /**
     * A call's outcome: the tool's answer (SUCCEEDED), else why not; the tries made and the whole
     * call's latency, back-off included.
     */
    public record Result(String tool, Status status, String output, String error, int tries, long latencyMs, String idempotencyKey) {

        /** The result as a model or agent reads it: the output, or the error. */
        public String observation() {
            return status == Status.SUCCEEDED ? output : "tool " + tool + " " + status.name().toLowerCase(Locale.ROOT) + ": " + error;
        }
    }

    /**
     * @param maxTries       tries of one call, the first included
     * @param firstBackoff   wait before the second try; each next wait is twice the last
     * @param window         calls a breaker judges the failure rate over
     * @param minimumCalls   calls before a breaker judges at all
     * @param failureRate    percentage of failed calls in the window that opens the breaker
     * @param openFor        how long an open breaker refuses before it lets one call through to test the tool
     */
    public record Settings(int maxTries, Duration firstBackoff, int window, int minimumCalls, float failureRate, Duration openFor) {
        public static final Settings DEFAULT = new Settings(3, Duration.ofMillis(200), 10, 4, 50, Duration.ofSeconds(30));
    }

    /** The longest tool answer kept: larger ones are cut, and say so. */
    public static final int MAX_OUTPUT_CHARS = 64 * 1024;

    private final ToolAccess access;
    private final java.util.Map<String, BuiltinTool> builtins;
    private final Settings settings;
    private final CircuitBreakerRegistry breakers;
    private final RetryConfig retryConfig;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ToolCaller(ToolAccess access, Settings settings) {
        this(access, settings, List.of());
    }

    /** A caller that runs {@code builtins} (tools of kind BUILTIN) in this process, the same way as HTTP tools. */
    public ToolCaller(ToolAccess access, Settings settings, List<BuiltinTool> builtins) {
        this.builtins = builtins.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(b -> b.definition().getName(), b -> b));
        this.access = access;
        this.settings = settings;
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.window())
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRate())
                .waitDurationInOpenState(settings.openFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(e -> e instanceof ToolFailure f && f.retryable)
                .build());
        this.retryConfig = RetryConfig.custom()
                .maxAttempts(settings.maxTries())
                .intervalFunction(IntervalFunction.ofExponentialBackoff(settings.firstBackoff(), 2))
                .retryOnException(e -> e instanceof ToolFailure f && f.retryable)
                .failAfterMaxAttempts(false)
                .build();
    }

    /** The state of {@code tool}'s circuit breaker: CLOSED, OPEN, HALF_OPEN (CLOSED for a tool not called yet). */
    public CircuitBreaker.State circuit(String tool) {
        return breakers.circuitBreaker(tool).getState();
    }

    /**
     * Calls {@code tool} for {@code tenant} with {@code argumentsJson}.
     *
     * @param idempotencyKey sent with every try; null: a new one for this call
     */
    public Result call(ToolDefinition tool, String tenant, String argumentsJson, String idempotencyKey) throws InterruptedException {
        String key = idempotencyKey == null ? UUID.randomUUID().toString() : idempotencyKey;
        long started = System.nanoTime();
        String name = tool.getName();
        try {
            access.check(tool, tenant);
        } catch (ToolAccess.ToolRefusedException e) {
            return new Result(name, Status.REFUSED, null, e.getMessage(), 0, elapsedMs(started), key);
        }
        JsonNode arguments;
        try {
            arguments = ToolDefinitions.arguments(tool, argumentsJson);
        } catch (ToolDefinitions.InvalidArgumentsException e) {
            return new Result(name, Status.INVALID_ARGUMENTS, null, e.getMessage(), 0, elapsedMs(started), key);
        }
        BuiltinTool builtin = builtins.get(name);
        if (tool.getKind() == ToolKind.BUILTIN && builtin == null) {
            return new Result(name, Status.REFUSED, null, "tool " + name + " is built in, and this process does not run it", 0,
                    elapsedMs(started), key);
        }
        CircuitBreaker breaker = breakers.circuitBreaker(name);
        Retry retry = Retry.of(name + "-" + key, retryConfig);
        AtomicInteger tries = new AtomicInteger();
        CheckedSupplier<String> once = () -> {
            tries.incrementAndGet();
            return tool.getKind() == ToolKind.BUILTIN ? builtin.call(tenant, arguments, key) : post(tool, arguments.toString(), key);
        };
        try {
            String output = Retry.decorateCheckedSupplier(retry, CircuitBreaker.decorateCheckedSupplier(breaker, once)).get();
            return new Result(name, Status.SUCCEEDED, output, null, tries.get(), elapsedMs(started), key);
        } catch (CallNotPermittedException e) {
            return new Result(name, Status.CIRCUIT_OPEN, null, "tool " + name + "'s circuit is open after repeated failures; it is tried "
                    + "again " + settings.openFor().toSeconds() + " s after it opened", tries.get(), elapsedMs(started), key);
        } catch (ToolFailure e) {
            return new Result(name, Status.FAILED, null, e.getMessage() + (tries.get() > 1 ? " (after " + tries.get() + " tries)" : ""),
                    tries.get(), elapsedMs(started), key);
        } catch (InterruptedException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("tool " + name + ": unexpected failure", e);
        }
    }

    private String post(ToolDefinition tool, String body, String key) throws ToolFailure, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(tool.getUrl()))
                .timeout(Duration.ofMillis(tool.getTimeoutMs()))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new ToolFailure("tool " + tool.getName() + " did not answer within " + tool.getTimeoutMs() + " ms", true);
        } catch (IOException e) {
            throw new ToolFailure("tool " + tool.getName() + " cannot be reached at " + tool.getUrl() + ": " + e, true);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            String out = response.body();
            return out.length() <= MAX_OUTPUT_CHARS ? out
                    : out.substring(0, MAX_OUTPUT_CHARS) + "\n[cut: the tool answered " + out.length() + " characters]";
        }
        boolean retryable = status >= 500 || status == 429;
        throw new ToolFailure("tool " + tool.getName() + " answered HTTP " + status, retryable);
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    @Override
    public void close() {
        http.close();
    }

    /** A try that failed; {@code retryable} when trying again may help and the tool is to blame. */
    public static final class ToolFailure extends Exception {
        final boolean retryable;

        public ToolFailure(String message, boolean retryable) {
            super(message, null, false, false);
            this.retryable = retryable;
        }
    }
}
