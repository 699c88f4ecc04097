package dev.switchboard.provider.openai;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** A langchain4j streaming handler as a future: each piece of text to a consumer, the end (or the failure) to {@link #done()}. */
public final class StreamedResponse implements StreamingChatResponseHandler {

    private final Consumer<String> pieces;
    private final CompletableFuture<ChatResponse> done = new CompletableFuture<>();

    public StreamedResponse(Consumer<String> pieces) {
        this.pieces = pieces;
    }

    public CompletableFuture<ChatResponse> done() {
        return done;
    }

    @Override
    public void onPartialResponse(String text) {
        if (text != null && !text.isEmpty()) {
            pieces.accept(text);
        }
    }

    @Override
    public void onCompleteResponse(ChatResponse response) {
        done.complete(response);
    }

    @Override
    public void onError(Throwable error) {
        done.completeExceptionally(error);
    }
}
