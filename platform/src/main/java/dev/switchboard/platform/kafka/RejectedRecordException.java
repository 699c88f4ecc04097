package dev.switchboard.platform.kafka;

import java.util.Arrays;
import java.util.List;

/**
 * A record that cannot be processed, ever: it goes to {@code llm.dlq} with its original bytes and
 * processing continues. Its {@link Reason} is the dead letter's stable error class; the message
 * names what is wrong and never quotes prompt text.
 */
public final class RejectedRecordException extends RuntimeException {

    /** Why a stage refused a record: the {@code errorClass} of its dead letter and FAILED reply. */
    public enum Reason {
        /** The request breaks the contract: an empty id, no messages, an unknown attribute value. */
        INVALID_REQUEST,
        /** The request or plan names a provider that is not configured. */
        UNKNOWN_PROVIDER,
        /** No configured provider can take the request (context window, capabilities, required attributes). */
        NO_ELIGIBLE_PROVIDER,
        /** The tenant has spent its daily budget and its over-budget policy is reject. */
        BUDGET_EXCEEDED,
        /** A plan without steps. */
        EMPTY_PLAN,
        /** Every provider of the plan has an open circuit. */
        CIRCUIT_OPEN,
        /** A request whose token is missing or proves nothing ({@code security.enabled}). */
        UNAUTHENTICATED,
        /** A request its token may not make, or that the access policy lets reach no provider. */
        FORBIDDEN,
        /** A record whose processing threw something no stage foresaw. */
        PROCESSING_ERROR
    }

    /** The reasons' names: with the providers' and the wire format's, what {@code DeadLetter.errorClass} can be. */
    public static final List<String> CLASSES = Arrays.stream(Reason.values()).map(Enum::name).toList();

    private final Reason reason;
    private final String requestId;

    public RejectedRecordException(Reason reason, String message, String requestId) {
        super(message);
        this.reason = java.util.Objects.requireNonNull(reason, "reason");
        this.requestId = requestId;
    }

    public Reason reason() {
        return reason;
    }

    /** The reason's name, as dead letters and replies carry it. */
    public String errorClass() {
        return reason.name();
    }

    /** The request the record belongs to, when it could be read; else null. */
    public String requestId() {
        return requestId;
    }
}
