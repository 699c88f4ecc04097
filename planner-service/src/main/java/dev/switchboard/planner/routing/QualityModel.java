package dev.switchboard.planner.routing;

/** What the planner believes about each model's quality on a prompt, learned online from feedback. */
public interface QualityModel {

    /**
     * A belief about one model's quality (0..1) on one prompt: its mean, its standard deviation
     * (what exploration samples from), and how many feedback scores the model has in all.
     */
    record Estimate(double mean, double spread, long observations) {
    }

    Estimate estimate(String model, float[] embedding, String taskType);

    /** Records that {@code model} scored {@code score} (0..1) on a prompt with this embedding and task type. */
    void observe(String model, float[] embedding, String taskType, double score);

    /** Feedback scores recorded for {@code model}. */
    long observations(String model);
}
