package dev.switchboard.planner.routing;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class CachedEmbedderTest {

    /** Embeds a text as (length, 1) normalised, and notes each text it was asked for. */
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final CountDownLatch go = new CountDownLatch(1);
    private final PromptEmbedder model = text -> {
        try {
            go.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        asked.add(text);
        return Vectors.normalise(new float[] {text.length(), 1});
    };

    @Test
    void aPromptIsEmbeddedOnceOffTheCallersThreadAndThenServedFromTheCache() throws Exception {
        try (CachedEmbedder embedder = new CachedEmbedder(model)) {
            CompletableFuture<float[]> first = embedder.prefetch("What is 2+2?");
            CompletableFuture<float[]> again = embedder.prefetch("What is 2+2?");
            assertThat(first).isNotDone(); // the model runs on the embedder's thread, which waits for go
            go.countDown();

            float[] vector = first.get(10, TimeUnit.SECONDS);
            assertThat(again.get(10, TimeUnit.SECONDS)).isSameAs(vector);
            assertThat(embedder.embed("What is 2+2?")).isSameAs(vector);
            assertThat(embedder.prefetch("What is 2+2?")).isCompletedWithValue(vector);
            assertThat(embedder.embed("Another prompt")).isNotEqualTo(vector);

            assertThat(asked).containsExactly("What is 2+2?", "Another prompt");
            assertThat(embedder.computed()).isEqualTo(2);
            assertThat(embedder.hits()).isEqualTo(3);
        }
    }

    @Test
    void aFailedEmbeddingFailsItsFutureAndTheNextAskTriesAgain() throws Exception {
        go.countDown();
        PromptEmbedder failingOnce = new PromptEmbedder() {
            boolean failed;

            @Override
            public float[] embed(String text) {
                if (!failed) {
                    failed = true;
                    throw new IllegalStateException("model not loaded");
                }
                return model.embed(text);
            }
        };
        try (CachedEmbedder embedder = new CachedEmbedder(failingOnce)) {
            CompletableFuture<float[]> failed = embedder.prefetch("hello");
            assertThat(failed).failsWithin(10, TimeUnit.SECONDS);

            assertThat(embedder.prefetch("hello").get(10, TimeUnit.SECONDS)).hasSize(2);
            assertThat(asked).containsExactly("hello");
        }
    }
}
