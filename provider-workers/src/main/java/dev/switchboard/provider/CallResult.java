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
     */
    record Failure(ErrorClass errorClass, String message, boolean retryable, long latencyMs) implements CallResult {
    }
}
