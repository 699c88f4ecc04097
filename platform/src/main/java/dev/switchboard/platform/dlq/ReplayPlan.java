package dev.switchboard.platform.dlq;

import java.util.List;
import java.util.Map;

/**
 * What a replay would do with the dead letters a filter selects.
 *
 * @param replay          to publish again
 * @param park            replayed too often: to move to {@code llm.dlq.parked}
 * @param alreadyReplayed selected but replayed by an earlier run
 * @param reasons         error class → how many of {@code replay} and {@code park} failed with it
 */
public record ReplayPlan(List<DeadLetterEntry> replay, List<DeadLetterEntry> park, int alreadyReplayed,
                         Map<String, Integer> reasons) {

    public int total() {
        return replay.size() + park.size();
    }
}
