package dev.switchboard.platform.health;

import dev.switchboard.avro.AttemptSummary;
import dev.switchboard.avro.PlanStep;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Picks the step of a plan to run next: the first from {@code from} on whose provider's circuit is
 * not open. The steps passed over are returned so the task's history can record the skips.
 */
public final class StepSelector {

    /** The error class a skipped step is recorded with. */
    public static final String CIRCUIT_OPEN = "CIRCUIT_OPEN";

    /** The chosen step index, or -1 when every remaining step was skipped, and the indexes skipped. */
    public record Choice(int index, List<Integer> skipped) {
        public boolean found() {
            return index >= 0;
        }

        /** History entries for the skipped steps: not attempted (attempt 0), error class CIRCUIT_OPEN. */
        public List<AttemptSummary> skippedSummaries(List<PlanStep> steps) {
            List<AttemptSummary> summaries = new ArrayList<>(skipped.size());
            for (int i : skipped) {
                PlanStep step = steps.get(i);
                summaries.add(new AttemptSummary(0, step.getProvider(), step.getModel(), CIRCUIT_OPEN, 0L, true));
            }
            return summaries;
        }
    }

    private StepSelector() {
    }

    public static Choice next(List<PlanStep> steps, int from, Predicate<String> circuitOpen) {
        List<Integer> skipped = new ArrayList<>();
        for (int i = from; i < steps.size(); i++) {
            if (!circuitOpen.test(steps.get(i).getProvider())) {
                return new Choice(i, List.copyOf(skipped));
            }
            skipped.add(i);
        }
        return new Choice(-1, List.copyOf(skipped));
    }
}
