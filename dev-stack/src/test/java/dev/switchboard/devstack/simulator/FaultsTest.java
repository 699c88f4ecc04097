package dev.switchboard.devstack.simulator;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FaultsTest {

    @Test
    void latencyFollowsTheConfiguredP50AndP99() {
        Faults faults = new Faults(0, 0, 80, 400, Map.of(500, 1.0));
        Random random = new Random(1);
        long[] draws = new long[200_000];
        for (int i = 0; i < draws.length; i++) {
            draws[i] = faults.latencyMs(random.nextGaussian());
        }
        Arrays.sort(draws);

        assertThat((double) draws[draws.length / 2]).isCloseTo(80, within(2.0));
        assertThat((double) draws[(int) (draws.length * 0.99)]).isCloseTo(400, within(400 * 0.03));
    }

    @Test
    void theLatencySequenceHitsTheConfiguredQuantilesWithinAFewHundredCalls() {
        Faults faults = new Faults(0, 0, 500, 1_500, Map.of(500, 1.0));
        LatencySequence sequence = new LatencySequence(42L ^ "sim-strong".hashCode());
        long[] draws = new long[600];
        for (int i = 0; i < draws.length; i++) {
            draws[i] = faults.latencyMs(sequence.next());
        }
        Arrays.sort(draws);
        double sigma = Math.log(1_500 / 500.0) / 2.3263478740408408;

        assertThat((double) draws[300]).isCloseTo(500, within(500 * 0.01));
        assertThat((double) draws[570]).isCloseTo(500 * Math.exp(sigma * 1.6448536269514722), within(1087 * 0.01));
        assertThat(LatencySequence.inverseNormal(0.975)).isCloseTo(1.959963984540054, within(1e-8));
        assertThat(LatencySequence.inverseNormal(0.01)).isCloseTo(-2.3263478740408408, within(1e-8));
    }

    @Test
    void errorStatusesFollowTheMixWeights() {
        Faults faults = new Faults(1, 0, 1, 1, Map.of(500, 0.5, 503, 0.3, 429, 0.2));

        // The weights are laid out in status order: 429 [0, 0.2), 500 [0.2, 0.7), 503 [0.7, 1).
        assertThat(faults.errorStatus(0.1)).isEqualTo(429);
        assertThat(faults.errorStatus(0.3)).isEqualTo(500);
        assertThat(faults.errorStatus(0.69)).isEqualTo(500);
        assertThat(faults.errorStatus(0.75)).isEqualTo(503);
    }

    @Test
    void invalidFaultsNameTheField() {
        assertThatThrownBy(() -> new Faults(1.5, 0, 1, 2, Map.of(500, 1.0))).hasMessageContaining("errorRate");
        assertThatThrownBy(() -> new Faults(0.6, 0.6, 1, 2, Map.of(500, 1.0))).hasMessageContaining("errorRate + timeoutRate");
        assertThatThrownBy(() -> new Faults(0, 0, 10, 5, Map.of(500, 1.0))).hasMessageContaining("latencyMs.p99");
        assertThatThrownBy(() -> new Faults(0, 0, 1, 2, Map.of(200, 1.0))).hasMessageContaining("errorMix status");
    }

    @Test
    void arithmeticIsAnsweredAndOtherPromptsAcknowledged() {
        assertThat(ProviderSimulator.answer("p", "What is 2+2?")).isEqualTo("2 + 2 = 4.");
        assertThat(ProviderSimulator.answer("p", "what is 7 / 2")).isEqualTo("7 / 2 = 3.5.");
        assertThat(ProviderSimulator.answer("p", "Tell me a joke"))
                .isEqualTo("This is p, a simulated provider. I read your 14-character message; a real model would answer it here.");
    }
}
