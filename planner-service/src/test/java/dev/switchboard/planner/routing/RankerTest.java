package dev.switchboard.planner.routing;

import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RankerTest {

    private static final float[] CODE = {1, 0};
    private static final float[] CHAT = {0, 1};
    private static final Ranker.Candidate CHEAP = new Ranker.Candidate("p-cheap", "cheap", 0.0001, 100);
    private static final Ranker.Candidate DEAR = new Ranker.Candidate("p-dear", "dear", 0.0010, 400);

    /** No exploration: the ranking follows the learnt means exactly. */
    private static LinearQualityModel exploitOnly() {
        return new LinearQualityModel(new LinearQualityModel.Settings(1.0, 0.0, 0.5));
    }

    private static void teach(QualityModel model, String name, float[] where, double score, int times) {
        for (int i = 0; i < times; i++) {
            model.observe(name, where, null, score);
        }
    }

    @Test
    void eachKindOfPromptGoesToTheModelThatAnswersItBest() {
        LinearQualityModel model = exploitOnly();
        teach(model, "cheap", CODE, 0.2, 30);
        teach(model, "cheap", CHAT, 0.9, 30);
        teach(model, "dear", CODE, 0.9, 30);
        teach(model, "dear", CHAT, 0.9, 30);
        Ranker ranker = new Ranker(model, RandomSource.XO_RO_SHI_RO_128_PP.create(7L));

        List<Ranker.Ranked> code = ranker.rank(List.of(CHEAP, DEAR), CODE, null, Strategy.BALANCED);
        List<Ranker.Ranked> chat = ranker.rank(List.of(CHEAP, DEAR), CHAT, null, Strategy.BALANCED);

        assertThat(code).extracting(r -> r.candidate().model()).containsExactly("dear", "cheap");
        // Equal quality on chat: balanced takes the cheaper one.
        assertThat(chat).extracting(r -> r.candidate().model()).containsExactly("cheap", "dear");
    }

    @Test
    void strategiesTradeQualityAgainstCostAndLatencyAsTheirWeightsSay() {
        LinearQualityModel model = exploitOnly();
        teach(model, "cheap", CODE, 0.7, 30);
        teach(model, "dear", CODE, 0.8, 30);
        Ranker ranker = new Ranker(model, RandomSource.XO_RO_SHI_RO_128_PP.create(7L));

        assertThat(first(ranker, Strategy.QUALITY)).isEqualTo("dear");
        assertThat(first(ranker, Strategy.COST)).isEqualTo("cheap");
        assertThat(first(ranker, Strategy.LATENCY)).isEqualTo("cheap");
        // Balanced: the dear model must earn 0.05 × (1 − 0.1) = 0.045 more quality, and earns about 0.1.
        assertThat(first(ranker, Strategy.BALANCED)).isEqualTo("dear");
        assertThat(first(ranker, new Strategy("weighted", 1, 0.5, 0))).isEqualTo("cheap");
    }

    private static String first(Ranker ranker, Strategy strategy) {
        return ranker.rank(List.of(CHEAP, DEAR), CODE, null, strategy).getFirst().candidate().model();
    }

    @Test
    void aModelWithoutFeedbackStillGetsTrafficAndLosesItWhenItProvesWorse() {
        LinearQualityModel model = new LinearQualityModel(new LinearQualityModel.Settings(3.0, 0.2, 0.5));
        teach(model, "cheap", CODE, 0.8, 200);
        Ranker ranker = new Ranker(model, RandomSource.XO_RO_SHI_RO_128_PP.create(42L));

        int newcomerPicks = 0;
        for (int i = 0; i < 200; i++) {
            Ranker.Ranked first = ranker.rank(List.of(CHEAP, DEAR), CODE, null, Strategy.BALANCED).getFirst();
            if (first.candidate() == DEAR) {
                newcomerPicks++;
                model.observe("dear", CODE, null, 0.3); // the newcomer turns out worse here
            }
        }

        // Explored at first (its spread is wide), then dropped: a handful of picks, not none and not most.
        assertThat(newcomerPicks).isBetween(1, 20);
        assertThat(ranker.rank(List.of(CHEAP, DEAR), CODE, null, Strategy.BALANCED).getFirst().candidate()).isEqualTo(CHEAP);
    }

    @Test
    void theSameSeedGivesTheSameDecisions() {
        List<String> a = decisions(11L);
        List<String> b = decisions(11L);

        assertThat(a).isEqualTo(b);
        assertThat(a).contains("cheap", "dear"); // both explored from a cold start
    }

    private static List<String> decisions(long seed) {
        Ranker ranker = new Ranker(new LinearQualityModel(), RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
        return java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> ranker.rank(List.of(CHEAP, DEAR), CODE, null, Strategy.BALANCED).getFirst().candidate().model())
                .toList();
    }

    @Test
    void theReasonStatesTheBeliefAndTheEstimates() {
        LinearQualityModel model = exploitOnly();
        teach(model, "cheap", CODE, 1.0, 10);
        Ranker.Ranked r = new Ranker(model, RandomSource.XO_RO_SHI_RO_128_PP.create(1L))
                .rank(List.of(CHEAP), CODE, null, Strategy.BALANCED).getFirst();

        assertThat(r.reason(1, Strategy.BALANCED)).startsWith("#1 by balanced utility ")
                .contains("10 observations").contains("est. $0.000100, 100 ms");
    }
}
