package dev.switchboard.provider;

/** Why a provider call failed, and whether the next provider of the plan should be tried. */
public enum ErrorClass {
    TIMEOUT(true),
    CONNECTION_ERROR(true),
    RATE_LIMITED(true),
    SERVER_ERROR(true),
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
