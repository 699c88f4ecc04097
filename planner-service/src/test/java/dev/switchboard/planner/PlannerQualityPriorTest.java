package dev.switchboard.planner;

import dev.switchboard.platform.config.ModelSpec;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.planner.routing.LinearQualityModel;
import dev.switchboard.planner.routing.QualityPrior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The quality model a planner builds from its configuration: which prior each catalogue model starts from. */
class PlannerQualityPriorTest {

    private static final float[] PROMPT = new float[384];

    static {
        PROMPT[0] = 0.6f;
        PROMPT[1] = 0.8f;
    }

    private static double predict(double[] w) {
        double p = w[w.length - 1];
        for (int i = 0; i < PROMPT.length; i++) {
            p += w[i] * PROMPT[i];
        }
        return p;
    }

    @Test
    void eachCatalogueModelStartsFromTheBuiltInPriorAtItsPrice() {
        SwitchboardConfig config = SwitchboardConfig.withOverrides(Map.of());
        LinearQualityModel model = PlannerService.qualityModel(config);
        QualityPrior prior = QualityPrior.builtin();

        for (var provider : config.providers()) {
            for (ModelSpec m : provider.models()) {
                double price = (m.inputPricePerMTok() + m.outputPricePerMTok()) / 2;
                // The development catalogue's models are not among the prior's: each starts from the pooled
                // weights at the level its price predicts, so dearer models start higher.
                assertThat(prior.models()).doesNotContain(m.name());
                assertThat(model.estimate(m.name(), PROMPT, null).mean())
                        .isCloseTo(predict(prior.belief(m.name(), price).weights()), within(1e-9));
            }
        }
        assertThat(model.estimate("gpt-4-1106-preview", PROMPT, null).mean())
                .isCloseTo(predict(prior.belief("gpt-4-1106-preview", Double.NaN).weights()), within(1e-9));
    }

    @Test
    void withoutAPriorEveryModelStartsAtOneHalf() {
        SwitchboardConfig config = SwitchboardConfig.withOverrides(Map.of("planner.learning.prior", "none"));

        assertThat(PlannerService.qualityModel(config).estimate("gpt-4-1106-preview", PROMPT, null).mean()).isEqualTo(0.5);
    }

    @Test
    void anUnreadablePriorFileIsAnErrorNamingTheKey(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("prior.json"), "{\"version\": 2}");
        SwitchboardConfig config = SwitchboardConfig.withOverrides(Map.of("planner.learning.prior", file.toString()));

        assertThatThrownBy(() -> PlannerService.qualityModel(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("planner.learning.prior=" + file + ": " + file + ": not a quality prior (version 1)");
    }
}
