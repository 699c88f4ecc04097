package dev.switchboard.planner.routing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class QualityPriorTest {

    private static final float[] MATHS = {1, 0};
    private static final float[] TRIVIA = {0, 1};

    /**
     * "cheap" ($1 per M tokens) is right on trivia only, "dear" ($100) on both: levels 0.5 and 1.0,
     * so the price line is level = 0.5 + 0.25 × log10(price).
     */
    private static QualityPrior trained(double precision) {
        QualityPrior.Trainer trainer = new QualityPrior.Trainer(1e-6);
        for (int i = 0; i < 200; i++) {
            trainer.add("cheap", 1, MATHS, 0);
            trainer.add("cheap", 1, TRIVIA, 1);
            trainer.add("dear", 100, MATHS, 1);
            trainer.add("dear", 100, TRIVIA, 1);
        }
        trainer.source(new QualityPrior.Source("set.jsonl", "abc", 100, 200));
        return trainer.build("test", precision);
    }

    private static double predict(double[] w, float[] x) {
        return w[0] * x[0] + w[1] * x[1] + w[2];
    }

    @Test
    void aTrainedModelStartsFromItsOwnRegression() {
        QualityPrior prior = trained(30);

        QualityPrior.Belief cheap = prior.belief("cheap", 1);
        assertThat(cheap.own()).isTrue();
        assertThat(predict(cheap.weights(), MATHS)).isCloseTo(0, within(1e-3));
        assertThat(predict(cheap.weights(), TRIVIA)).isCloseTo(1, within(1e-3));
        assertThat(prior.levelOf("cheap")).isCloseTo(0.5, within(1e-3));
        assertThat(prior.levelOf("dear")).isCloseTo(1.0, within(1e-3));
        assertThat(prior.dimension()).isEqualTo(3);
    }

    @Test
    void aModelItWasNotTrainedOnStartsFromThePooledRegressionAtThePriceLevel() {
        QualityPrior prior = trained(30);

        // Pooled: maths 0.5, trivia 1.0 (level 0.75). At $10 the line says 0.75: no shift.
        assertThat(prior.levelAt(10)).isCloseTo(0.75, within(1e-3));
        QualityPrior.Belief mid = prior.belief("new-model", 10);
        assertThat(mid.own()).isFalse();
        assertThat(predict(mid.weights(), MATHS)).isCloseTo(0.5, within(1e-3));
        assertThat(predict(mid.weights(), TRIVIA)).isCloseTo(1.0, within(1e-3));
        // At $1 the line says 0.5: the pooled shape moved down by 0.25.
        QualityPrior.Belief cheapNew = prior.belief("new-model", 1);
        assertThat(predict(cheapNew.weights(), MATHS)).isCloseTo(0.25, within(1e-3));
        assertThat(predict(cheapNew.weights(), TRIVIA)).isCloseTo(0.75, within(1e-3));
        // No price: the pooled level.
        assertThat(predict(prior.belief("new-model", Double.NaN).weights(), TRIVIA)).isCloseTo(1.0, within(1e-3));
    }

    @Test
    void aQualityModelWithThePriorPredictsItBeforeFeedbackAndMovesFromItWithFeedback() {
        QualityPrior prior = trained(30);
        LinearQualityModel model = new LinearQualityModel(new LinearQualityModel.Settings(3, 0.2, 0.5), prior,
                prior.beliefs(Map.of("cheap", 1.0, "new-model", 1.0)));

        assertThat(model.estimate("cheap", MATHS, null).mean()).isCloseTo(0, within(1e-3));
        assertThat(model.estimate("cheap", TRIVIA, null).mean()).isCloseTo(1, within(1e-3));
        assertThat(model.estimate("new-model", MATHS, null).mean()).isCloseTo(0.25, within(1e-3));
        // Spread before feedback: noise × √(|x|²/precision + 1/precision) = 0.2 × √(2/30).
        assertThat(model.estimate("cheap", MATHS, null).spread()).isCloseTo(0.2 * Math.sqrt(2.0 / 30), within(1e-9));
        assertThat(model.estimate("cheap", MATHS, null).observations()).isZero();

        // 30 scores of 1 on maths, as many as the prior's precision: the estimate moves about half way.
        for (int i = 0; i < 30; i++) {
            model.observe("cheap", MATHS, null, 1);
        }
        assertThat(model.estimate("cheap", MATHS, null).mean()).isBetween(0.55, 0.75);
        assertThat(model.observations("cheap")).isEqualTo(30);

        // A firmer prior moves less for the same feedback.
        LinearQualityModel firm = new LinearQualityModel(new LinearQualityModel.Settings(3, 0.2, 0.5), prior.withPrecision(300),
                prior.beliefs(Map.of()));
        for (int i = 0; i < 30; i++) {
            firm.observe("cheap", MATHS, null, 1);
        }
        assertThat(firm.estimate("cheap", MATHS, null).mean()).isBetween(0.05, 0.2);
    }

    @Test
    void aPriorForAnotherEmbeddingIsRefusedOnFirstUse() {
        QualityPrior prior = trained(30);
        LinearQualityModel model = new LinearQualityModel(LinearQualityModel.Settings.DEFAULT, prior, prior.beliefs(Map.of()));

        assertThatThrownBy(() -> model.estimate("cheap", new float[] {1, 0, 0}, null))
                .hasMessageContaining("the quality prior has 3 weights a model, the embedding 3 dimensions and an intercept");
    }

    @Test
    void writtenAndReadBackItGivesTheSameBeliefsAndSources(@TempDir Path dir) throws Exception {
        QualityPrior prior = trained(30);
        Path file = dir.resolve("prior.json");
        prior.write(file);

        QualityPrior read = QualityPrior.read(file);
        assertThat(read.precision()).isEqualTo(30);
        assertThat(read.trainedOn()).containsExactly(new QualityPrior.Source("set.jsonl", "abc", 100, 200));
        assertThat(read.models()).containsExactlyInAnyOrder("cheap", "dear");
        for (String model : List.of("cheap", "dear", "other")) {
            for (double price : new double[] {1, 10, Double.NaN}) {
                assertThat(read.belief(model, price).weights()).containsExactly(prior.belief(model, price).weights(), within(1e-5));
            }
        }
    }

    @Test
    void aMalformedFileIsAnErrorNamingTheField(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prior.json");
        Files.writeString(file, "{\"version\":1,\"embedding\":\"x\",\"pooled\":{\"level\":0.5,\"weights\":[0.1,0.2]},"
                + "\"models\":{\"m\":{\"pricePerMTok\":1,\"level\":0.5,\"weights\":[0.1,\"x\"]}}}");
        assertThatThrownBy(() -> QualityPrior.read(file)).hasMessageContaining("models.m.weights[1] must be a number");

        Files.writeString(file, "{\"version\":1,\"pooled\":{\"level\":0.5,\"weights\":[0.1,0.2]},\"models\":{}}");
        assertThatThrownBy(() -> QualityPrior.read(file)).hasMessageContaining(file + ".precision must be a number");

        Files.writeString(file, "[]");
        assertThatThrownBy(() -> QualityPrior.read(file)).hasMessageContaining("not a quality prior (version 1)");
        assertThatThrownBy(() -> QualityPrior.read(dir.resolve("missing.json"))).hasMessageContaining("no such quality prior file");
    }

    @Test
    void theBuiltInPriorIsForTheBundledEmbeddingAndSaysWhatItWasTrainedOn() {
        QualityPrior builtin = QualityPrior.builtin();

        assertThat(builtin.embedding()).isEqualTo("all-MiniLM-L6-v2");
        assertThat(builtin.dimension()).isEqualTo(385);
        assertThat(builtin.models()).contains("gpt-4-1106-preview", "llama-3.1-8b-instruct");
        assertThat(builtin.trainedOn()).extracting(QualityPrior.Source::file, QualityPrior.Source::fromRow)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("llmrouter-9models.jsonl", 5000),
                        org.assertj.core.groups.Tuple.tuple("routellm-mmlu-gsm8k.jsonl", 5000));
    }
}
