package dev.switchboard.platform.auth;

/**
 * A token that proves nothing: missing, malformed, unsigned, signed by a key or algorithm not
 * accepted, or with the wrong issuer, audience or validity. The message says which, and never
 * holds the token itself.
 */
public final class AuthenticationException extends Exception {

    /** Why a token was refused, for audit records and metrics. */
    public enum Reason {
        MISSING, MALFORMED, UNSIGNED, ALGORITHM, SIGNATURE, UNKNOWN_KEY, EXPIRED, NOT_YET_VALID, ISSUER, AUDIENCE, CLAIMS,
        KEYS_UNAVAILABLE
    }

    private final Reason reason;

    public AuthenticationException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public AuthenticationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
