package dev.switchboard.platform.kafka;

/**
 * A record that cannot be processed, ever: it goes to {@code llm.dlq} with its original bytes and
 * processing continues. {@code errorClass} is a stable name (INVALID_REQUEST, UNKNOWN_PROVIDER, ...);
 * the message names what is wrong and never quotes prompt text.
 */
public final class RejectedRecordException extends RuntimeException {

    private final String errorClass;
    private final String requestId;

    public RejectedRecordException(String errorClass, String message, String requestId) {
        super(message);
        this.errorClass = errorClass;
        this.requestId = requestId;
    }

    public String errorClass() {
        return errorClass;
    }

    /** The request the record belongs to, when it could be read; else null. */
    public String requestId() {
        return requestId;
    }
}
