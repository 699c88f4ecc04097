package dev.switchboard.provider;

/** Why a provider call failed, and whether the next provider of the plan should be tried. */
public enum ErrorClass {
    TIMEOUT(true),
    CONNECTION_ERROR(true),
    RATE_LIMITED(true),
    SERVER_ERROR(true),
    /** The request does not fit the model's context window; a model with a larger one may take it. */
    CONTEXT_LENGTH_EXCEEDED(true),
    /** Not called: the provider's circuit is open. */
    CIRCUIT_OPEN(true),
    /** Not called: this pool's calls in flight to the provider are at their limit. */
    BULKHEAD_FULL(true),
    INVALID_REQUEST(false),
    AUTHENTICATION(false),
    MODEL_NOT_FOUND(false),
    CONTENT_FILTERED(false),
    UNKNOWN(false);

    private final boolean retryable;

    ErrorClass(boolean retryable) {
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
