package dev.switchboard.planner.analysis;

import dev.switchboard.platform.telemetry.Tracing;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.PlanAnalysis;
import dev.switchboard.planner.routing.PromptAnalysis;
import dev.switchboard.platform.Bounded;
import dev.switchboard.platform.Tokens;
import dev.switchboard.platform.config.SwitchboardConfig;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Analyses each request: the heuristic analysis always, improved by the planning model when one is
 * configured and answers within the timeout. The planning model runs on its own threads, so a slow
 * one costs a request at most the timeout; its answers are cached by prompt. A circuit breaker
 * (resilience4j) stops asking it for {@value #OPEN_SECONDS} s once half of its last
 * {@value #WINDOW} calls failed or took the whole timeout, so that a dead planning model does not
 * cost every request the timeout and stall the planner's partitions. Whatever goes wrong with it,
 * the heuristic result is used, the reason recorded in the plan, and the fallback counted.
 * Required tools (the request's own, those the prompt implies, those the planning model names) that
 * do not exist or that the tenant may not use are the plan's tool gaps.
 */
public final class Analyst implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Analyst.class);

    /** The analysis for ranking (task type as finally decided) and for the plan. */
    public record Result(PromptAnalysis prompt, PlanAnalysis plan) {
    }

    private final SwitchboardConfig.PlanningSettings settings;
    private final PlanningModel model;
    private final ExecutorService calls;
    private final Map<String, PlanningModel.Advice> cache;
    private final AtomicLong fallbacks = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final CircuitBreaker breaker;

    static final int WINDOW = 10;
    static final int OPEN_SECONDS = 30;

    /** @param model null: heuristic analysis only */
    public Analyst(SwitchboardConfig.PlanningSettings settings, PlanningModel model) {
        this.settings = settings;
        this.model = model;
        this.calls = model == null ? null : Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("planning-model-", 0).factory());
        this.breaker = CircuitBreaker.of("planning-model", CircuitBreakerConfig.custom()
                .slidingWindowSize(WINDOW)
                .minimumNumberOfCalls(WINDOW / 2)
                .failureRateThreshold(50)
                .slowCallDurationThreshold(settings.modelTimeout().minusMillis(1))
                .slowCallRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(OPEN_SECONDS))
                .build());
        this.cache = java.util.Collections.synchronizedMap(Bounded.leastRecentlyUsed(settings.modelCacheSize()));
    }

    public Result analyse(LlmRequest request) {
        PromptAnalysis heuristic = PromptAnalysis.of(request.getMessages());
        String source = "heuristic";
        String fallbackReason = null;
        PlanningModel.Advice advice = null;
        if (model != null) {
            advice = cache.get(heuristic.prompt());
            if (advice == null) {
                try {
                    advice = ask(heuristic.prompt());
                    if (settings.modelCacheSize() > 0) {
                        cache.put(heuristic.prompt(), advice);
                    }
                } catch (Exception e) {
                    fallbackReason = describe(e);
                }
            }
            if (advice != null) {
                source = "planning-model";
                answered.incrementAndGet();
            } else {
                source = "heuristic-fallback";
                long n = fallbacks.incrementAndGet();
                // Every fallback is in its plan; the log says so on the first and every hundredth, not on each request.
                if (n == 1 || n % 100 == 0) {
                    log.warn("Planning model failed for request {} ({}); heuristic analysis used ({} fallbacks so far)",
                            request.getRequestId(), fallbackReason, n);
                } else {
                    log.debug("Planning model failed for request {} ({})", request.getRequestId(), fallbackReason);
                }
            }
        }
        String taskType = request.getTaskHint() != null ? request.getTaskHint()
                : advice != null ? advice.taskType() : heuristic.taskType();
        Set<String> required = new LinkedHashSet<>(request.getTools());
        required.addAll(heuristic.impliedTools());
        if (advice != null) {
            required.addAll(advice.requiredTools());
        }
        Set<String> denied = settings.deniedTools().getOrDefault(request.getTenantId(), Set.of());
        List<String> gaps = new ArrayList<>();
        for (String tool : required) {
            if (!settings.availableTools().contains(tool) || denied.contains(tool)) {
                gaps.add(tool);
            }
        }
        PlanAnalysis plan = PlanAnalysis.newBuilder().setTaskType(taskType).setSource(source).setFallbackReason(fallbackReason)
                .setRequiredTools(new ArrayList<>(required)).setToolGaps(gaps)
                .setPromptImprovements(advice == null ? List.of() : advice.promptImprovements())
                .setCode(heuristic.code()).setMath(heuristic.math()).setScript(heuristic.script())
                .setInputTokens(Tokens.estimate(request.getMessages())).build();
        return new Result(heuristic.withTaskType(taskType), plan);
    }

    private PlanningModel.Advice ask(String prompt) throws Exception {
        return breaker.executeCallable(() -> call(prompt));
    }

    private PlanningModel.Advice call(String prompt) throws Exception {
        Duration timeout = settings.modelTimeout();
        // A client span (the planning model is an LLM call), on the call's own thread, a child of the analysis.
        CompletableFuture<PlanningModel.Advice> call = CompletableFuture.supplyAsync(io.opentelemetry.context.Context.current().wrapSupplier(() -> {
            try {
                return Tracing.inSpan(dev.switchboard.planner.PlannerService.SERVICE, "chat planning model",
                        io.opentelemetry.api.trace.SpanKind.CLIENT, () -> model.advise(prompt));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }), calls);
        try {
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new TimeoutException("no answer within " + timeout.toMillis() + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static String describe(Exception e) {
        if (e instanceof CallNotPermittedException) {
            return "the planning model's circuit is open (it failed or was slow on most recent calls)";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : ": " + root.getMessage();
        String text = root.getClass().getSimpleName() + message;
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    /** Requests analysed with the heuristic because the planning model failed or was slow. */
    public long fallbacks() {
        return fallbacks.get();
    }

    /** Requests the planning model's advice was used for (cached or fresh). */
    public long answered() {
        return answered.get();
    }

    @Override
    public void close() {
        if (calls != null) {
            calls.shutdownNow();
        }
    }
}
