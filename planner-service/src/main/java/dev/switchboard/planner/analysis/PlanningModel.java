package dev.switchboard.planner.analysis;

import java.util.List;

/** A model asked how to handle a prompt before it is routed. */
public interface PlanningModel {

    /** What the planning model advises: the task type, the tools the prompt needs, ways to improve it. */
    record Advice(String taskType, List<String> requiredTools, List<String> promptImprovements) {
        public Advice {
            requiredTools = List.copyOf(requiredTools);
            promptImprovements = List.copyOf(promptImprovements);
        }
    }

    /** Blocks until the model answers or fails; throws on any failure, including an answer it cannot read. */
    Advice advise(String prompt) throws Exception;

    /**
     * Asks for a new system prompt for {@code taskType} from the best and the worst variant so far;
     * returns the new prompt's text.
     */
    String refine(String taskType, String best, double bestScore, String worst, double worstScore) throws Exception;
}
