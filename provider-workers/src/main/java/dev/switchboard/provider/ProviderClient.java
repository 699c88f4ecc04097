package dev.switchboard.provider;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.GenerationParameters;
import dev.switchboard.avro.ToolCall;
import dev.switchboard.platform.config.ProviderSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * A provider's API. {@link #complete} times the call, classifies any failure and logs it (never the
 * prompt or completion); subclasses implement only {@link #doComplete}.
 */
public abstract class ProviderClient {

    private static final Logger log = LoggerFactory.getLogger(ProviderClient.class);
    private static final int MAX_ERROR_MESSAGE = 300;

    protected final ProviderSpec spec;

    protected ProviderClient(ProviderSpec spec) {
        this.spec = spec;
    }

    public ProviderSpec spec() {
        return spec;
    }

    /** A completion as the provider reported it; {@code finishReason} in OpenAI's words, or null. */
    public record Completion(String content, String model, int inputTokens, int outputTokens,
                             String finishReason, List<ToolCall> toolCalls) {

        public Completion(String content, String model, int inputTokens, int outputTokens) {
            this(content, model, inputTokens, outputTokens, "stop", List.of());
        }
    }

    /**
     * Calls {@code model} (one of the provider's models) with the messages and, when not null, the
     * generation parameters. When {@code partials} is not null the call streams, and each piece of
     * text is given to it as it comes; the completion is still the whole answer.
     */
    protected abstract Completion doComplete(String model, List<ChatMessage> messages, GenerationParameters parameters,
                                             java.util.function.Consumer<String> partials);

    /** A call with the provider's default model. */
    public final CallResult complete(String requestId, List<ChatMessage> messages) {
        return complete(requestId, spec.model(), messages, null);
    }

    /** A call with {@code model}, as a plan step names it, and the request's generation parameters (null: the provider's defaults). */
    public final CallResult complete(String requestId, String model, List<ChatMessage> messages, GenerationParameters parameters) {
        return complete(requestId, model, messages, parameters, null);
    }

    /** As {@link #complete(String, String, List, GenerationParameters)}, streaming each piece of text to {@code partials} when it is not null. */
    public final CallResult complete(String requestId, String model, List<ChatMessage> messages, GenerationParameters parameters,
                                     java.util.function.Consumer<String> partials) {
        long start = System.nanoTime();
        try {
            Completion completion = doComplete(model, messages, parameters, partials);
            long latencyMs = (System.nanoTime() - start) / 1_000_000;
            log.debug("{} answered request {} in {} ms", spec.name(), requestId, latencyMs);
            return new CallResult.Success(completion.content(),
                    completion.model() == null ? model : completion.model(),
                    completion.inputTokens(), completion.outputTokens(), latencyMs,
                    completion.finishReason(), completion.toolCalls());
        } catch (RuntimeException e) {
            long latencyMs = (System.nanoTime() - start) / 1_000_000;
            ErrorClass errorClass = ErrorClassifier.classify(e);
            String message = describe(e);
            log.debug("{} failed request {} after {} ms: {} ({})", spec.name(), requestId, latencyMs, errorClass, message);
            return new CallResult.Failure(errorClass, message, errorClass.retryable(), latencyMs, retryAfter(e));
        }
    }

    private static java.time.Duration retryAfter(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof dev.switchboard.provider.http.ProviderHttpException http) {
                return http.retryAfter().orElse(null);
            }
        }
        return null;
    }

    /** The exception's class and message, shortened: provider error bodies can be long. */
    private static String describe(Throwable e) {
        String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        message = message.replaceAll("\\s+", " ");
        return message.length() <= MAX_ERROR_MESSAGE ? message : message.substring(0, MAX_ERROR_MESSAGE) + "…";
    }
}
