package dev.switchboard.devstack.simulator;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.config.SimulatedProviderSpec;
import dev.switchboard.provider.CallResult;
import dev.switchboard.provider.ErrorClass;
import dev.switchboard.provider.openai.OpenAiCompatibleClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every provider outcome classified once, through langchain4j's real HTTP client against the
 * simulator: the status table of {@link dev.switchboard.provider.ErrorClassifier}.
 */
class ProviderErrorsIT {

    static ProviderSimulator simulator;

    @BeforeAll
    static void start() {
        simulator = new ProviderSimulator(List.of(
                new SimulatedProviderSpec("sim-a", "sim-a-model", 1, 2, 0, 0, Map.of(500, 1.0))), 7, 0).start();
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    static OpenAiCompatibleClient client(String provider, Duration timeout) {
        return new OpenAiCompatibleClient(new ProviderSpec(provider, "http://localhost:" + simulator.port() + "/" + provider + "/v1",
                provider + "-model", "key", 1.0, 2.0, timeout));
    }

    static CallResult call(OpenAiCompatibleClient client) {
        return client.complete("req", List.of(Messages.of(ChatRole.USER, "What is 3*4?")));
    }

    @ParameterizedTest(name = "HTTP {0} → {1}, retryable {2}")
    @CsvSource({
            "400, INVALID_REQUEST, false",
            "401, AUTHENTICATION, false",
            "403, AUTHENTICATION, false",
            "404, MODEL_NOT_FOUND, false",
            "408, TIMEOUT, true",
            "422, INVALID_REQUEST, false",
            "429, RATE_LIMITED, true",
            "500, SERVER_ERROR, true",
            "502, SERVER_ERROR, true",
            "503, SERVER_ERROR, true",
    })
    void statusIsClassified(int status, ErrorClass expected, boolean retryable) {
        simulator.setFaults("sim-a", new Faults(1.0, 0, 1, 2, Map.of(status, 1.0)));

        CallResult result = call(client("sim-a", Duration.ofSeconds(5)));

        assertThat(result).isInstanceOfSatisfying(CallResult.Failure.class, f -> {
            assertThat(f.errorClass()).isEqualTo(expected);
            assertThat(f.retryable()).isEqualTo(retryable);
        });
    }

    @ParameterizedTest(name = "HTTP 400 {0} → {1}, retryable {2}")
    @CsvSource({
            "context_length_exceeded, CONTEXT_LENGTH_EXCEEDED, true",
            "content_policy_violation, CONTENT_FILTERED, false",
            "invalid_value, INVALID_REQUEST, false",
    })
    void openAiErrorCodesRefineA400(String code, ErrorClass expected, boolean retryable) {
        simulator.setFaults("sim-a", new Faults(1.0, 0, 1, 2, Map.of(400, 1.0), 1, code));

        assertThat(call(client("sim-a", Duration.ofSeconds(5)))).isInstanceOfSatisfying(CallResult.Failure.class, f -> {
            assertThat(f.errorClass()).isEqualTo(expected);
            assertThat(f.retryable()).isEqualTo(retryable);
        });
    }

    @Test
    void a429CarriesTheWaitItAskedFor() {
        simulator.setFaults("sim-a", new Faults(1.0, 0, 1, 2, Map.of(429, 1.0), 7));

        assertThat(call(client("sim-a", Duration.ofSeconds(5)))).isInstanceOfSatisfying(CallResult.Failure.class,
                f -> assertThat(f.retryAfter()).isEqualTo(Duration.ofSeconds(7)));
    }

    @Test
    void aCallThatHangsPastTheTimeoutIsATimeout() {
        simulator.setFaults("sim-a", new Faults(0, 1.0, 1, 2, Map.of(500, 1.0)));

        CallResult result = call(client("sim-a", Duration.ofMillis(300)));

        assertThat(result).isInstanceOfSatisfying(CallResult.Failure.class, f -> {
            assertThat(f.errorClass()).isEqualTo(ErrorClass.TIMEOUT);
            assertThat(f.retryable()).isTrue();
            assertThat(f.latencyMs()).isBetween(250L, 5_000L);
        });
    }

    @Test
    void aRefusedConnectionIsAConnectionError() {
        OpenAiCompatibleClient client = new OpenAiCompatibleClient(new ProviderSpec("gone",
                "http://localhost:" + dev.switchboard.devstack.FreePorts.any() + "/gone/v1", "m", "key", 1, 1, Duration.ofSeconds(2)));

        assertThat(call(client)).isInstanceOfSatisfying(CallResult.Failure.class,
                f -> assertThat(f.errorClass()).isEqualTo(ErrorClass.CONNECTION_ERROR));
    }

    @Test
    void anUnknownSimulatedProviderIsModelNotFound() {
        assertThat(call(client("sim-unknown", Duration.ofSeconds(5)))).isInstanceOfSatisfying(CallResult.Failure.class,
                f -> assertThat(f.errorClass()).isEqualTo(ErrorClass.MODEL_NOT_FOUND));
    }

    @Test
    void successCarriesContentModelAndUsage() {
        simulator.setFaults("sim-a", new Faults(0, 0, 1, 2, Map.of(500, 1.0)));

        CallResult result = call(client("sim-a", Duration.ofSeconds(5)));

        assertThat(result).isInstanceOfSatisfying(CallResult.Success.class, s -> {
            assertThat(s.content()).isEqualTo("3 * 4 = 12.");
            assertThat(s.model()).isEqualTo("sim-a-model");
            assertThat(s.inputTokens()).isEqualTo(3);
            assertThat(s.outputTokens()).isEqualTo(3);
        });
    }
}
