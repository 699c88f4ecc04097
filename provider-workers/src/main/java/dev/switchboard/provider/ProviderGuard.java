package dev.switchboard.provider;

import dev.switchboard.platform.config.ProviderSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One provider's protection: a resilience4j circuit breaker over provider failures (timeouts,
 * connection errors, 429, 5xx; a refused request is the caller's fault and does not count), an
 * {@link AdaptiveLimit} on calls in flight that follows the provider (up to max.concurrent), resilience4j
 * rate limiters on requests and tokens per minute, and the provider's own {@code Retry-After}. A
 * call the guard refuses is not made: it ends as a retryable failure, so the task fails over to the
 * next step.
 */
public final class ProviderGuard {

    /** Settings shared by every provider's breaker. */
    public record Settings(float failureRateThreshold, int slidingWindow, int minimumCalls, Duration openFor,
                           Duration permitWait) {
    }

    private static final Set<ErrorClass> PROVIDER_FAULTS = EnumSet.of(ErrorClass.TIMEOUT, ErrorClass.CONNECTION_ERROR,
            ErrorClass.RATE_LIMITED, ErrorClass.SERVER_ERROR);

    private final ProviderSpec spec;
    private final CircuitBreaker breaker;
    private final AdaptiveLimit limit;
    private final Duration permitWait;
    private final RateLimiter requests;
    private final RateLimiter tokens;
    private final AtomicLong coolDownUntilMs = new AtomicLong();

    public ProviderGuard(ProviderSpec spec, Settings settings, int maxConcurrent, Consumer<CircuitBreaker.StateTransition> onTransition) {
        this.spec = spec;
        this.breaker = CircuitBreaker.of(spec.name(), CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.failureRateThreshold())
                .slidingWindowSize(settings.slidingWindow())
                .minimumNumberOfCalls(settings.minimumCalls())
                .waitDurationInOpenState(settings.openFor())
                .permittedNumberOfCallsInHalfOpenState(Math.max(1, settings.minimumCalls() / 4))
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordResult(result -> result instanceof CallResult.Failure f && PROVIDER_FAULTS.contains(f.errorClass()))
                .build());
        breaker.getEventPublisher().onStateTransition(event -> onTransition.accept(event.getStateTransition()));
        this.limit = new AdaptiveLimit(spec.name(), maxConcurrent, spec.timeout());
        this.permitWait = settings.permitWait();
        this.requests = spec.requestsPerMinute() > 0 ? RateLimiter.of(spec.name() + "-requests", RateLimiterConfig.custom()
                .limitForPeriod(spec.requestsPerMinute()).limitRefreshPeriod(Duration.ofMinutes(1))
                .timeoutDuration(settings.permitWait()).build()) : null;
        this.tokens = spec.tokensPerMinute() > 0 ? RateLimiter.of(spec.name() + "-tokens", RateLimiterConfig.custom()
                .limitForPeriod(spec.tokensPerMinute()).limitRefreshPeriod(Duration.ofMinutes(1))
                .timeoutDuration(settings.permitWait()).build()) : null;
    }

    public CircuitBreaker.State state() {
        return breaker.getState();
    }

    /** Calls the adaptive limit allows in flight now. */
    public int concurrencyLimit() {
        return limit.limit();
    }

    /** Calls in flight now. */
    public int inFlight() {
        return limit.inFlight();
    }

    public float failureRate() {
        return breaker.getMetrics().getFailureRate();
    }

    /** Runs {@code call} if every part of the guard lets it through, else refuses it without a call. */
    public CallResult call(int estimatedTokens, Supplier<CallResult> call) {
        long waitMs = coolDownUntilMs.get() - System.currentTimeMillis();
        if (waitMs > 0) {
            return CallResult.Failure.refused(ErrorClass.RATE_LIMITED,
                    spec.name() + " asked to wait (Retry-After); " + waitMs + " ms left");
        }
        if (requests != null && !requests.acquirePermission()) {
            return CallResult.Failure.refused(ErrorClass.RATE_LIMITED,
                    spec.name() + " is at its " + spec.requestsPerMinute() + " requests per minute");
        }
        if (tokens != null && !tokens.acquirePermission(Math.max(1, Math.min(estimatedTokens, spec.tokensPerMinute())))) {
            return CallResult.Failure.refused(ErrorClass.RATE_LIMITED,
                    spec.name() + " is at its " + spec.tokensPerMinute() + " tokens per minute");
        }
        Optional<AdaptiveLimit.Permit> permit;
        try {
            permit = limit.acquire(permitWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CallResult.Failure.refused(ErrorClass.BULKHEAD_FULL, spec.name() + ": interrupted waiting for a call slot");
        }
        if (permit.isEmpty()) {
            return CallResult.Failure.refused(ErrorClass.BULKHEAD_FULL, spec.name() + " has " + limit.limit()
                    + " calls in flight (its adaptive limit) and none ended within " + permitWait.toMillis() + " ms");
        }
        if (!breaker.tryAcquirePermission()) {
            permit.get().ignored();
            return CallResult.Failure.refused(ErrorClass.CIRCUIT_OPEN, spec.name() + "'s circuit is " + breaker.getState());
        }
        long start = System.nanoTime();
        CallResult result = null;
        try {
            result = call.get();
            breaker.onResult(System.nanoTime() - start, TimeUnit.NANOSECONDS, result);
            if (result instanceof CallResult.Failure f && f.retryAfter() != null) {
                long until = System.currentTimeMillis() + f.retryAfter().toMillis();
                coolDownUntilMs.accumulateAndGet(until, Math::max);
            }
            return result;
        } catch (RuntimeException e) {
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            throw e;
        } finally {
            // The limit learns from the provider's answers: its faults are drops; the caller's own faults say nothing of it.
            if (result instanceof CallResult.Failure f) {
                if (PROVIDER_FAULTS.contains(f.errorClass())) {
                    permit.get().dropped();
                } else {
                    permit.get().ignored();
                }
            } else if (result != null) {
                permit.get().succeeded();
            } else {
                permit.get().ignored();
            }
        }
    }
}
