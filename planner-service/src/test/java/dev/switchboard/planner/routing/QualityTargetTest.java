package dev.switchboard.planner.routing;

import dev.switchboard.platform.config.SwitchboardConfig.RoutingTarget;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class QualityTargetTest {

    private static final Ranker.Candidate CHEAP = new Ranker.Candidate("p", "cheap", 0.001, 0);
    private static final Ranker.Candidate DEAR = new Ranker.Candidate("p", "dear", 0.010, 0);

    /** A ranking that chose {@code first}, the cheap model estimated at 0.8 and the dear one at 1.0. */
    private static List<Ranker.Ranked> chose(Ranker.Candidate first) {
        Ranker.Ranked cheap = new Ranker.Ranked(CHEAP, new QualityModel.Estimate(0.8, 0.1, 10), 0.8, 0);
        Ranker.Ranked dear = new Ranker.Ranked(DEAR, new QualityModel.Estimate(1.0, 0.1, 10), 1.0, 0);
        return first == CHEAP ? List.of(cheap, dear) : List.of(dear, cheap);
    }

    @Test
    void theCostWeightFallsWhenAChoiceKeepsLessThanTheTargetAndRisesWhenItKeepsMore() {
        QualityTarget target = new QualityTarget(0.95, 0.05);
        assertThat(target.strategy().cost()).isEqualTo(0.05);

        assertThat(target.chosen(chose(CHEAP))).isCloseTo(0.8, within(1e-12));
        assertThat(target.costWeight()).isCloseTo(0.05 * Math.exp(0.8 - 0.95), within(1e-12));
        assertThat(target.chosen(chose(DEAR))).isEqualTo(1.0);
        assertThat(target.costWeight()).isCloseTo(0.05 * Math.exp(0.8 - 0.95) * Math.exp(1.0 - 0.95), within(1e-12));
        assertThat(target.strategy().cost()).isEqualTo(target.costWeight());
        assertThat(target.achieved()).isCloseTo(0.9, within(1e-12));
    }

    @Test
    void theTargetHoldsOnAverageWhenEachRequestCanOnlyBeCheapOrGood() {
        // A request goes to the cheap model (keeping 80 %) while the weight on cost is high, else to the dear one
        // (100 %): the weight settles where the two alternate so that 95 % is kept on average.
        QualityTarget target = new QualityTarget(0.95, 0.05);
        int cheap = 0;
        for (int i = 0; i < 10_000; i++) {
            boolean goCheap = target.costWeight() > 0.05;
            cheap += goCheap ? 1 : 0;
            target.chosen(chose(goCheap ? CHEAP : DEAR));
        }
        assertThat(target.achieved()).isCloseTo(0.95, within(0.001));
        assertThat(cheap).isBetween(2_450, 2_550);
    }

    @Test
    void aCostTargetHoldsTheAverageCostAndMovesTheWeightByTheMissInUnitsOfTheDearestCandidate() {
        // $0.004 a request between a $0.001 and a $0.010 model: one request in three may go to the dear one.
        QualityTarget target = QualityTarget.of(RoutingTarget.cost(0.004), 0.05);
        assertThat(target.chosen(chose(DEAR))).isEqualTo(0.010);
        assertThat(target.costWeight()).isCloseTo(0.05 * Math.exp((0.010 - 0.004) / 0.010), within(1e-12));

        int dear = 0;
        for (int i = 0; i < 9_999; i++) {
            boolean goDear = target.costWeight() < 0.05;
            dear += goDear ? 1 : 0;
            target.chosen(chose(goDear ? DEAR : CHEAP));
        }
        assertThat(target.achieved()).isCloseTo(0.004, within(0.00002));
        assertThat(dear).isBetween(3_300, 3_366);
        assertThat(target.describe()).startsWith("target cost $0.004 a request: $0.004000 a request so far").contains("over 10000 requests");
    }

    @Test
    void aQualityTargetJudgesTheShareByCalibratedEstimates() {
        // The dear model's 1.0 estimates realised 0.8 over 80 answers, the cheap model's 0.8 realised 0.8: calibrated,
        // the cheap choice keeps (0.8 × 1) / (1.0 × (64 + 20) / (80 + 20)) = 95.2 % of the reference, not 80 %.
        QualityCalibration calibration = new QualityCalibration();
        for (int i = 0; i < 80; i++) {
            calibration.observe("dear", 1.0, 0.8);
            calibration.observe("cheap", 0.8, 0.8);
        }
        QualityTarget target = QualityTarget.of(RoutingTarget.quality(0.95), 0.05, calibration);

        assertThat(calibration.factor("dear")).isCloseTo(0.84, within(1e-12));
        assertThat(calibration.factor("cheap")).isEqualTo(1.0);
        assertThat(target.chosen(chose(CHEAP))).isCloseTo(0.8 / 0.84, within(1e-12));
        assertThat(target.chosen(chose(DEAR))).isEqualTo(1.0);
        assertThat(QualityTarget.reference(chose(CHEAP)).candidate()).isEqualTo(DEAR);
    }

    @Test
    void aCalibrationFactorStartsAtOneAndStaysWithinBounds() {
        QualityCalibration calibration = new QualityCalibration();
        assertThat(calibration.factor("unseen")).isEqualTo(1.0);
        for (int i = 0; i < 1_000; i++) {
            calibration.observe("hopeless", 0.9, 0.0);
            calibration.observe("underrated", 0.01, 1.0);
        }
        // (0 + 20) / (900 + 20) would be 0.022 and (1,000 + 20) / (10 + 20) 34: each is held within [1/4, 4].
        assertThat(calibration.factor("hopeless")).isEqualTo(0.25);
        assertThat(calibration.calibrated(new Ranker.Ranked(new Ranker.Candidate("p", "hopeless", 0.001, 0),
                new QualityModel.Estimate(0.9, 0, 1), 0.9, 0))).isCloseTo(0.9 / 4, within(1e-12));
        assertThat(calibration.factor("underrated")).isEqualTo(4.0);
    }

    @Test
    void aTargetOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> new QualityTarget(1.2, 0.05)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("quality target must be in (0, 1], got 1.2");
        assertThatThrownBy(() -> new QualityTarget(0, 0.05)).hasMessage("quality target must be in (0, 1], got 0.0");
    }
}
