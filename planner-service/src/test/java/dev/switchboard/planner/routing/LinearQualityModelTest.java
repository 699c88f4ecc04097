package dev.switchboard.planner.routing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LinearQualityModelTest {

    private static final float[] MATHS = {1, 0, 0};
    private static final float[] TRIVIA = {0, 1, 0};
    private static final float[] BETWEEN = Vectors.normalise(new float[] {1, 1, 0});

    @Test
    void beforeAnyFeedbackEveryModelHasThePriorMeanAndAWideSpread() {
        LinearQualityModel model = new LinearQualityModel(new LinearQualityModel.Settings(1.0, 0.5, 0.5));

        QualityModel.Estimate e = model.estimate("m", MATHS, null);

        assertThat(e.mean()).isEqualTo(0.5);
        // variance: |x|² / ridge for the weights + 1 / 0.01 for the intercept = 1 + 100; spread = 0.5 × √101
        assertThat(e.spread()).isCloseTo(0.5 * Math.sqrt(101), within(1e-9));
        assertThat(e.observations()).isZero();
    }

    @Test
    void learnsWhichKindOfPromptAModelAnswersWell() {
        LinearQualityModel model = new LinearQualityModel(new LinearQualityModel.Settings(1.0, 0.5, 0.5));
        for (int i = 0; i < 50; i++) {
            model.observe("m", MATHS, null, 1.0);
            model.observe("m", TRIVIA, null, 0.0);
        }

        assertThat(model.estimate("m", MATHS, null).mean()).isGreaterThan(0.95);
        assertThat(model.estimate("m", TRIVIA, null).mean()).isLessThan(0.05);
        assertThat(model.estimate("m", BETWEEN, null).mean()).isCloseTo(0.5, within(0.05));
        assertThat(model.observations("m")).isEqualTo(100);
        assertThat(model.observations("other")).isZero();
    }

    @Test
    void theSpreadShrinksWhereTheModelWasTriedAndStaysWideWhereItWasNot() {
        LinearQualityModel model = new LinearQualityModel(new LinearQualityModel.Settings(1.0, 0.5, 0.5));
        double before = model.estimate("m", MATHS, null).spread();
        for (int i = 0; i < 20; i++) {
            model.observe("m", MATHS, null, 1.0);
        }

        double tried = model.estimate("m", MATHS, null).spread();
        double untried = model.estimate("m", new float[] {0, 0, 1}, null).spread();
        assertThat(tried).isLessThan(before / 10);
        assertThat(untried).isGreaterThan(tried * 4);
    }

    @Test
    void theRankOneUpdatesMatchTheRidgeSolutionComputedDirectly() {
        // Ridge regression with intercept, solved by hand for three observations in one dimension plus bias:
        // A = diag(ridge, 0.01) + Σ x xᵀ, b = Σ (y − prior) x, mean = prior + xᵀ A⁻¹ b.
        LinearQualityModel model = new LinearQualityModel(new LinearQualityModel.Settings(2.0, 0.5, 0.5));
        float[][] xs = {{1f}, {0.5f}, {-1f}};
        double[] ys = {1, 0, 0.25};
        for (int i = 0; i < xs.length; i++) {
            model.observe("m", xs[i], null, ys[i]);
        }
        double a11 = 2.0, a12 = 0, a22 = 0.01, b1 = 0, b2 = 0;
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i][0];
            a11 += x * x;
            a12 += x;
            a22 += 1;
            b1 += (ys[i] - 0.5) * x;
            b2 += ys[i] - 0.5;
        }
        double det = a11 * a22 - a12 * a12;
        double w = (a22 * b1 - a12 * b2) / det;
        double c = (a11 * b2 - a12 * b1) / det;

        double q = 0.3f;
        assertThat(model.estimate("m", new float[] {0.3f}, null).mean()).isCloseTo(0.5 + q * w + c, within(1e-12));
    }

    @Test
    void aScoreOutsideZeroToOneIsRefused() {
        LinearQualityModel model = new LinearQualityModel();

        assertThatThrownBy(() -> model.observe("m", MATHS, null, 1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("score must be in [0, 1], got 1.5");
    }

    @Test
    void aRestoredSnapshotEstimatesAsTheModelItWasTakenFrom() {
        LinearQualityModel original = new LinearQualityModel(new LinearQualityModel.Settings(3, 0.2, 0.5));
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 200; i++) {
            float[] x = new float[8];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) random.nextGaussian();
            }
            original.observe(i % 2 == 0 ? "a" : "b", x, null, random.nextDouble());
        }
        java.util.List<LinearQualityModel.State> snapshot = original.snapshot();
        LinearQualityModel restored = new LinearQualityModel(new LinearQualityModel.Settings(3, 0.2, 0.5));
        restored.restore(snapshot);

        assertThat(snapshot).extracting(LinearQualityModel.State::model).containsExactly("a", "b");
        assertThat(snapshot.getFirst().inverseUpper()).hasSize(9 * 10 / 2);
        for (int i = 0; i < 20; i++) {
            float[] probe = new float[8];
            for (int j = 0; j < probe.length; j++) {
                probe[j] = (float) random.nextGaussian();
            }
            for (String m : java.util.List.of("a", "b")) {
                assertThat(restored.estimate(m, probe, null).mean()).isCloseTo(original.estimate(m, probe, null).mean(),
                        org.assertj.core.api.Assertions.within(1e-12));
                assertThat(restored.estimate(m, probe, null).spread()).isCloseTo(original.estimate(m, probe, null).spread(),
                        org.assertj.core.api.Assertions.within(1e-12));
                assertThat(restored.observations(m)).isEqualTo(100);
            }
        }
        LinearQualityModel.State renamed = new LinearQualityModel.State("z", snapshot.getFirst().observations(), 9,
                snapshot.getFirst().inverseUpper(), snapshot.getFirst().b());
        assertThatThrownBy(() -> restored.restore(java.util.List.of(renamed,
                new LinearQualityModel.State("c", 1, 9, new double[3], new double[9]))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the state of model c does not fit dimension 9");
        assertThat(restored.observations("z")).as("all or nothing").isZero();
    }
}
