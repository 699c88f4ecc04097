package dev.switchboard.planner.routing;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;

/**
 * all-MiniLM-L6-v2 through langchain4j's in-process ONNX runtime: 384 dimensions, model shipped in
 * the jar, no network. The model is loaded on the first prompt (about a second, and some 100 MB),
 * so a planner that never ranks with the learned model never pays for it.
 */
public final class MiniLmEmbedder implements PromptEmbedder {

    /** The model reads at most 256 word pieces; longer text is cut, so cut it first and save the tokenizer work. */
    static final int MAX_CHARS = 2_000;

    private volatile AllMiniLmL6V2EmbeddingModel model;

    private AllMiniLmL6V2EmbeddingModel model() {
        AllMiniLmL6V2EmbeddingModel m = model;
        if (m == null) {
            synchronized (this) {
                if (model == null) {
                    model = new AllMiniLmL6V2EmbeddingModel();
                }
                m = model;
            }
        }
        return m;
    }

    @Override
    public float[] embed(String text) {
        String cut = text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text;
        float[] vector = model().embed(cut.isBlank() ? "(empty)" : cut).content().vector();
        return Vectors.normalise(vector);
    }
}
