package dev.switchboard.provider;

/** What one provider call came to. */
public sealed interface CallResult permits CallResult.Success, CallResult.Failure {

    long latencyMs();

    record Success(String content, String model, int inputTokens, int outputTokens, long latencyMs)
            implements CallResult {
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
