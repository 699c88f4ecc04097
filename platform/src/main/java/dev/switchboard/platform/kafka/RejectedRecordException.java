package dev.switchboard.platform.kafka;

/**
 * A record that cannot be processed, ever: it goes to {@code llm.dlq} with its original bytes and
 * processing continues. {@code errorClass} is a stable name (INVALID_REQUEST, UNKNOWN_PROVIDER, ...);
 * the message names what is wrong and never quotes prompt text.
 */
public final class RejectedRecordException extends RuntimeException {

    public static final String INVALID_REQUEST = "INVALID_REQUEST";
    public static final String UNKNOWN_PROVIDER = "UNKNOWN_PROVIDER";
    public static final String NO_ELIGIBLE_PROVIDER = "NO_ELIGIBLE_PROVIDER";
    public static final String BUDGET_EXCEEDED = "BUDGET_EXCEEDED";
    public static final String EMPTY_PLAN = "EMPTY_PLAN";
    /** A request whose token is missing or proves nothing ({@code security.enabled}). */
    public static final String UNAUTHENTICATED = "UNAUTHENTICATED";
    /** A request its token may not make (another tenant's). */
    public static final String FORBIDDEN = "FORBIDDEN";
    /** A record whose processing threw something no stage foresaw. */
    public static final String PROCESSING_ERROR = "PROCESSING_ERROR";
    /** The error classes above: with the providers' and the wire format's, what {@code DeadLetter.errorClass} can be. */
    public static final java.util.List<String> CLASSES = java.util.List.of(INVALID_REQUEST, UNKNOWN_PROVIDER,
            NO_ELIGIBLE_PROVIDER, BUDGET_EXCEEDED, EMPTY_PLAN, UNAUTHENTICATED, FORBIDDEN, PROCESSING_ERROR);

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
