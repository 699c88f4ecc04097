package dev.switchboard.tools.knowledge;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;

import java.util.List;

/**
 * The bundled all-MiniLM-L6-v2 model (384 dimensions, run in process by ONNX Runtime), loaded on
 * first use: about a second, and 90 MB that a process which never embeds does not pay. Thread-safe.
 */
public final class Embeddings {

    public static final int DIMENSIONS = 384;

    private volatile EmbeddingModel model;

    private EmbeddingModel model() {
        EmbeddingModel m = model;
        if (m == null) {
            synchronized (this) {
                m = model;
                if (m == null) {
                    m = new AllMiniLmL6V2EmbeddingModel();
                    model = m;
                }
            }
        }
        return m;
    }

    public Embedding embed(String text) {
        return model().embed(text).content();
    }

    public List<Embedding> embedAll(List<dev.langchain4j.data.segment.TextSegment> segments) {
        return model().embedAll(segments).content();
    }
}
