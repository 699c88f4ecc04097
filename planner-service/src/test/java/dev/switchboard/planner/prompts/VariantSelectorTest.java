package dev.switchboard.planner.prompts;

import dev.switchboard.avro.VariantOrigin;
import dev.switchboard.avro.VariantProposal;
import dev.switchboard.planner.analysis.PlanningModel;
import dev.switchboard.platform.config.SwitchboardConfig.Improvements;
import dev.switchboard.platform.config.SwitchboardConfig.PromptVariant;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class VariantSelectorTest {

    private static final PromptVariant GOOD = new PromptVariant("good", "code", "Think step by step.");
    private static final PromptVariant BAD = new PromptVariant("bad", "code", "Answer at once.");
    private static final PromptVariant ANY = new PromptVariant("any", "*", "Be helpful.");

    @Test
    void theVariantWithBetterFeedbackWinsMostRequestsAndTheOtherStillGetsSome() {
        VariantSelector selector = new VariantSelector(List.of(GOOD, BAD), RandomSource.XO_RO_SHI_RO_128_PP.create(5L), null);
        int good = 0;
        for (int i = 0; i < 400; i++) {
            PromptVariant v = selector.choose("r-" + i, "code").orElseThrow();
            selector.feedback("r-" + i, v == GOOD ? 0.9 : 0.3);
            if (i >= 200 && v == GOOD) {
                good++;
            }
        }

        assertThat(good).isGreaterThan(180); // of the last 200
        assertThat(selector.stats()).extracting(VariantSelector.Stats::variantId).containsExactly("bad", "good");
        assertThat(selector.stats().get(1).meanScore()).isCloseTo(0.9, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(selector.stats().get(0).observations()).isBetween(1L, 60L);
    }

    @Test
    void aTaskTypeWithoutVariantsGetsTheWildcardOrNone() {
        VariantSelector withWildcard = new VariantSelector(List.of(GOOD, ANY), RandomSource.XO_RO_SHI_RO_128_PP.create(5L), null);
        VariantSelector without = new VariantSelector(List.of(GOOD), RandomSource.XO_RO_SHI_RO_128_PP.create(5L), null);

        assertThat(withWildcard.choose("r-1", "math")).contains(ANY);
        assertThat(without.choose("r-1", "math")).isEmpty();
        without.feedback("unknown", 1.0); // feedback for a request without a variant is ignored
        assertThat(without.stats().getFirst().observations()).isZero();
    }

    @Test
    void aRestoredSnapshotKeepsEveryVariantsFeedbackAndARefinedVariantsText() {
        VariantSelector before = new VariantSelector(List.of(GOOD, BAD), RandomSource.XO_RO_SHI_RO_128_PP.create(5L), null);
        for (int i = 0; i < 50; i++) {
            PromptVariant v = before.choose("r-" + i, "code").orElseThrow();
            before.feedback("r-" + i, v == GOOD ? 0.9 : 0.3);
        }
        List<VariantSelector.Saved> saved = new java.util.ArrayList<>(before.snapshot());
        saved.add(new VariantSelector.Saved("code-refined-3", "code", "Test your answer first.", 4.0, 5));
        // BAD is no longer configured: its statistics are left out; the refined variant comes back with its text.
        VariantSelector after = new VariantSelector(List.of(GOOD), RandomSource.XO_RO_SHI_RO_128_PP.create(5L), null);
        after.restore(saved);

        assertThat(before.snapshot()).extracting(VariantSelector.Saved::systemPrompt).containsOnlyNulls();
        assertThat(after.stats()).extracting(VariantSelector.Stats::variantId).containsExactly("code-refined-3", "good");
        assertThat(after.stats().get(1)).isEqualTo(before.stats().get(1));
        assertThat(after.stats().getFirst().meanScore()).isCloseTo(0.8, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(after.snapshot().getFirst().systemPrompt()).isEqualTo("Test your answer first.");
    }

    /** A planning model that only refines, from the best and the worst prompt, counting its calls. */
    private static PlanningModel refiner(java.util.concurrent.atomic.AtomicInteger calls) {
        return new PlanningModel() {
            @Override
            public Advice advise(String prompt) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String refine(String taskType, String best, double bestScore, String worst, double worstScore) {
                calls.incrementAndGet();
                return "Refined from: " + best + " / not: " + worst;
            }
        };
    }

    @Test
    void plansReadFromTheLogCountTheirFeedbackInEitherOrderAndAReplayAsksForNoRefinement() {
        java.util.concurrent.atomic.AtomicInteger refinements = new java.util.concurrent.atomic.AtomicInteger();
        VariantSelector selector = new VariantSelector(List.of(GOOD, BAD), RandomSource.XO_RO_SHI_RO_128_PP.create(5L),
                refiner(refinements));
        // A restarted planner replays 120 plans and scores, half of them scored before their plan was read.
        for (int i = 0; i < 120; i++) {
            String id = i % 2 == 0 ? "good" : "bad";
            double score = i % 2 == 0 ? 0.9 : 0.3;
            if (i % 4 < 2) {
                selector.planned("old-" + i, id, false);
                selector.feedback("old-" + i, score, false);
            } else {
                selector.feedback("old-" + i, score, false);
                selector.planned("old-" + i, id, false);
            }
        }

        assertThat(selector.stats()).extracting(st -> st.variantId() + " " + st.observations() + " "
                        + String.format(java.util.Locale.ROOT, "%.1f", st.meanScore()))
                .containsExactly("bad 60 0.3", "good 60 0.9");
        assertThat(refinements.get()).isZero();
    }

    @Test
    void refinementAddsAVariantFromTheBestAndTheWorstWhichThenCompetes() {
        List<VariantProposal> published = new CopyOnWriteArrayList<>();
        VariantSelector selector = new VariantSelector(List.of(GOOD, BAD), RandomSource.XO_RO_SHI_RO_128_PP.create(9L),
                refiner(new java.util.concurrent.atomic.AtomicInteger()), new Improvements(false, 3, 8), published::add);
        for (int i = 0; i < 200; i++) {
            PromptVariant v = selector.choose("r-" + i, "code").orElseThrow();
            // A refined variant, written from the best, scores as the best does: whenever it appears, it competes.
            selector.feedback("r-" + i, v == BAD ? 0.2 : 0.8);
        }

        // Every 50 scores of the task type one refinement, written for every planner, named by its text.
        await().atMost(Duration.ofSeconds(10)).until(() -> selector.stats().size() >= 3);
        String text = "Refined from: Think step by step. / not: Answer at once.";
        String id = "code-refined-" + VariantSelector.hash(text);
        VariantSelector.Stats refined = selector.stats().stream().filter(st -> st.variantId().equals(id)).findFirst().orElseThrow();
        assertThat(refined.taskType()).isEqualTo("code");
        await().atMost(Duration.ofSeconds(10)).until(() -> !published.isEmpty());
        assertThat(published.getFirst().getId()).isEqualTo(id);
        assertThat(published.getFirst().getSystemPrompt()).isEqualTo(text);
        assertThat(published.getFirst().getOrigin()).isEqualTo(VariantOrigin.REFINED);
        assertThat(published.getFirst().getBasedOn()).containsExactly("good", "bad");
        boolean chosen = false;
        for (int i = 0; i < 50 && !chosen; i++) {
            chosen = selector.choose("n-" + i, "code").orElseThrow().id().equals(id);
        }
        assertThat(chosen).isTrue();
    }

    private static final Improvements IMPROVEMENTS = new Improvements(true, 3, 8);
    private static final String EXCHANGE = "A request of this kind is clearer when it does this: \"Name the exchange.\" "
            + "When the request does not, say what you assume, then answer.";

    @Test
    void anImprovementSuggestedForThreeDistinctPromptsBecomesAVariantBesideABaselineAndWinsWhenItScoresBetter() {
        List<VariantProposal> published = new CopyOnWriteArrayList<>();
        VariantSelector selector = new VariantSelector(List.of(), RandomSource.XO_RO_SHI_RO_128_PP.create(3L), null, IMPROVEMENTS,
                published::add);
        selector.suggested("question", "share price of ACME?", List.of("Name the exchange."));
        selector.suggested("question", "share price of ACME?", List.of("Name the exchange.")); // the same prompt counts once
        selector.suggested("question", "share price of Initech?", List.of("name the exchange"));
        selector.suggested("code", "share price of Globex?", List.of("Name the exchange.")); // another task type
        assertThat(published).isEmpty();
        assertThat(selector.choose("r-0", "question")).isEmpty();

        selector.suggested("question", "share price of Globex?", List.of("Name the exchange.", "x".repeat(201)));
        selector.suggested("question", "share price of Umbrella?", List.of("Name the exchange."));

        String id = "question-improved-" + VariantSelector.hash(EXCHANGE);
        assertThat(published).extracting(VariantProposal::getId, VariantProposal::getOrigin, VariantProposal::getSystemPrompt,
                        VariantProposal::getSuggestedBy)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("question-baseline", VariantOrigin.BASELINE, "", 0),
                        org.assertj.core.groups.Tuple.tuple(id, VariantOrigin.IMPROVEMENT, EXCHANGE, 3));
        assertThat(published.get(1).getImprovement()).isEqualTo("Name the exchange.");
        int improved = 0;
        for (int i = 0; i < 300; i++) {
            PromptVariant v = selector.choose("r-" + i, "question").orElseThrow();
            selector.feedback("r-" + i, v.id().equals(id) ? 0.8 : 0.4);
            if (i >= 150 && v.id().equals(id)) {
                improved++;
            }
        }
        assertThat(improved).isGreaterThan(135); // of the last 150
        assertThat(selector.stats()).extracting(VariantSelector.Stats::variantId).containsExactly("question-baseline", id);
    }

    @Test
    void anImprovementBuildsOnTheBestVariantAndATaskTypeStopsAtItsMostVariants() {
        List<VariantProposal> published = new CopyOnWriteArrayList<>();
        VariantSelector selector = new VariantSelector(List.of(GOOD, BAD), RandomSource.XO_RO_SHI_RO_128_PP.create(5L), null,
                new Improvements(true, 2, 3), published::add);
        for (int i = 0; i < 10; i++) {
            PromptVariant v = selector.choose("r-" + i, "code").orElseThrow();
            selector.feedback("r-" + i, v == GOOD ? 0.9 : 0.3);
        }
        selector.suggested("code", "p-1", List.of("Name the language.", "Give an example."));
        selector.suggested("code", "p-2", List.of("Name the language.", "Give an example."));

        // Built on the best so far; the second suggestion finds code at its 3 variants.
        assertThat(published).hasSize(1);
        assertThat(published.getFirst().getBasedOn()).containsExactly("good");
        assertThat(published.getFirst().getSystemPrompt()).startsWith("Think step by step.\n\nA request of this kind is clearer when it "
                + "does this: \"Name the language.\"");
        assertThat(selector.stats()).hasSize(3);
    }

    @Test
    void aVariantReadFromTheLogCompetesOnceKeepsTheFeedbackOfPlansReadBeforeItAndIsNotMadeAgain() {
        List<VariantProposal> published = new CopyOnWriteArrayList<>();
        VariantSelector selector = new VariantSelector(List.of(GOOD), RandomSource.XO_RO_SHI_RO_128_PP.create(5L), null,
                IMPROVEMENTS, published::add);
        VariantProposal proposal = VariantProposal.newBuilder().setId("code-improved-0a1b2c3d").setTaskType("code")
                .setSystemPrompt("Name the language.").setOrigin(VariantOrigin.IMPROVEMENT).setImprovement("Name the language.")
                .setCreatedAtMs(1L).build();
        // A restarted planner reads a plan that gave the variant, and its score, before the variant itself.
        selector.planned("old-1", proposal.getId(), false);
        selector.feedback("old-1", 0.7, false);

        selector.proposed(proposal);
        selector.proposed(proposal);

        assertThat(selector.stats()).extracting(st -> st.variantId() + " " + st.observations() + " " + st.meanScore())
                .containsExactly("code-improved-0a1b2c3d 1 0.7", "good 0 0.0");
        assertThat(selector.snapshot().getFirst().systemPrompt()).isEqualTo("Name the language.");
        // Another planner made this suggestion a variant already: suggested again, on a variant now the best, it is not made twice.
        for (int i = 0; i < 3; i++) {
            selector.suggested("code", "p-" + i, List.of("Name the language"));
        }
        assertThat(published).isEmpty();
    }
}
