package dev.switchboard.provider;

import dev.switchboard.platform.config.ProviderSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

class ProviderGuardTest {

    private static final ProviderGuard.Settings SETTINGS =
            new ProviderGuard.Settings(50f, 4, 4, Duration.ofMinutes(1), Duration.ZERO);

    private static ProviderSpec spec(int rpm, int tpm) {
        return new ProviderSpec("p", "http://localhost/p/v1", "m", "k", 1, 1, Duration.ofSeconds(1), rpm, tpm, 0);
    }

    private static final CallResult OK = new CallResult.Success("x", "m", 1, 1, 5);
    private static final CallResult SERVER_ERROR = new CallResult.Failure(ErrorClass.SERVER_ERROR, "500", true, 5);
    private static final CallResult INVALID = new CallResult.Failure(ErrorClass.INVALID_REQUEST, "400", false, 5);

    @Test
    void providerFaultsOpenTheCircuitAndCallsAreThenRefusedWithoutBeingMade() {
        List<CircuitBreaker.StateTransition> transitions = new ArrayList<>();
        ProviderGuard guard = new ProviderGuard(spec(0, 0), SETTINGS, 10, transitions::add);
        for (int i = 0; i < 4; i++) {
            assertThat(guard.call(1, () -> SERVER_ERROR)).isEqualTo(SERVER_ERROR);
        }

        assertThat(guard.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(transitions).containsExactly(CircuitBreaker.StateTransition.CLOSED_TO_OPEN);
        CallResult refused = guard.call(1, () -> {
            throw new AssertionError("an open circuit must not call the provider");
        });
        assertThat(refused).isInstanceOfSatisfying(CallResult.Failure.class, f -> {
            assertThat(f.errorClass()).isEqualTo(ErrorClass.CIRCUIT_OPEN);
            assertThat(f.retryable()).isTrue();
            assertThat(f.latencyMs()).isZero();
        });
    }

    @Test
    void refusedRequestsAreTheCallersFaultAndDoNotOpenTheCircuit() {
        ProviderGuard guard = new ProviderGuard(spec(0, 0), SETTINGS, 10, t -> { });
        for (int i = 0; i < 10; i++) {
            guard.call(1, () -> INVALID);
        }
        assertThat(guard.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void requestsPerMinuteAreEnforced() {
        ProviderGuard guard = new ProviderGuard(spec(2, 0), SETTINGS, 10, t -> { });

        assertThat(guard.call(1, () -> OK)).isEqualTo(OK);
        assertThat(guard.call(1, () -> OK)).isEqualTo(OK);
        assertThat(guard.call(1, () -> OK)).isInstanceOfSatisfying(CallResult.Failure.class, f -> {
            assertThat(f.errorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
            assertThat(f.message()).isEqualTo("p is at its 2 requests per minute");
        });
    }

    @Test
    void tokensPerMinuteAreEnforced() {
        ProviderGuard guard = new ProviderGuard(spec(0, 1_000), SETTINGS, 10, t -> { });

        assertThat(guard.call(600, () -> OK)).isEqualTo(OK);
        assertThat(guard.call(600, () -> OK)).isInstanceOfSatisfying(CallResult.Failure.class,
                f -> assertThat(f.message()).isEqualTo("p is at its 1000 tokens per minute"));
    }

    @Test
    void theBulkheadCapsCallsInFlight() throws Exception {
        ProviderGuard guard = new ProviderGuard(spec(0, 0), SETTINGS, 1, t -> { });
        CountDownLatch inCall = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<CallResult> first = CompletableFuture.supplyAsync(() -> guard.call(1, () -> {
            inCall.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return OK;
        }));
        inCall.await();

        assertThat(guard.call(1, () -> OK)).isInstanceOfSatisfying(CallResult.Failure.class,
                f -> assertThat(f.errorClass()).isEqualTo(ErrorClass.BULKHEAD_FULL));
        release.countDown();
        assertThat(first.get()).isEqualTo(OK);
        assertThat(guard.call(1, () -> OK)).isEqualTo(OK);
    }

    @Test
    void retryAfterHoldsCallsBackUntilItPasses() {
        ProviderGuard guard = new ProviderGuard(spec(0, 0), SETTINGS, 10, t -> { });
        guard.call(1, () -> new CallResult.Failure(ErrorClass.RATE_LIMITED, "429", true, 5, Duration.ofMinutes(1)));

        assertThat(guard.call(1, () -> OK)).isInstanceOfSatisfying(CallResult.Failure.class, f -> {
            assertThat(f.errorClass()).isEqualTo(ErrorClass.RATE_LIMITED);
            assertThat(f.message()).startsWith("p asked to wait (Retry-After); ");
        });
    }
}
