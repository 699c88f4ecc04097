package dev.switchboard.provider;

/** What one provider call came to. */
public sealed interface CallResult permits CallResult.Success, CallResult.Failure {

    long latencyMs();

    /**
     * @param finishReason why the model stopped, in OpenAI's words (stop, length, tool_calls, content_filter), or null
     * @param toolCalls    the function calls the model asked for
     */
    record Success(String content, String model, int inputTokens, int outputTokens, long latencyMs,
                   String finishReason, java.util.List<dev.switchboard.avro.ToolCall> toolCalls)
            implements CallResult {

        public Success {
            toolCalls = toolCalls == null ? java.util.List.of() : java.util.List.copyOf(toolCalls);
        }

        public Success(String content, String model, int inputTokens, int outputTokens, long latencyMs) {
            this(content, model, inputTokens, outputTokens, latencyMs, "stop", java.util.List.of());
        }
    }

    /**
     * @param errorClass a stable class from {@link ErrorClass}
     * @param message    what went wrong, never prompt or completion text
     * @param retryable  whether another provider may succeed where this one failed
     * @param retryAfter how long the provider asked to be left alone ({@code Retry-After}), or null
     */
    record Failure(ErrorClass errorClass, String message, boolean retryable, long latencyMs, java.time.Duration retryAfter)
            implements CallResult {

        public Failure(ErrorClass errorClass, String message, boolean retryable, long latencyMs) {
            this(errorClass, message, retryable, latencyMs, null);
        }

        /** A call not made: the provider's guard refused it. */
        public static Failure refused(ErrorClass errorClass, String message) {
            return new Failure(errorClass, message, true, 0, null);
        }
    }
}
