package dev.switchboard.planner.routing;

/** Turns a prompt into a unit-length vector, so that similar prompts lie close together. */
@FunctionalInterface
public interface PromptEmbedder {

    /** The embedding of {@code text}, normalised to length 1 (cosine similarity is then a dot product). */
    float[] embed(String text);
}
