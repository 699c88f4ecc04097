package dev.switchboard.schemas.registry;

/**
 * A Schema Registry call failed. {@link #errorCode()} is Confluent's {@code error_code}
 * (40401 subject not found, 40403 schema not found, 409 incompatible, ...) or
 * {@link #UNREACHABLE} when the registry could not be reached at all.
 */
public final class SchemaRegistryException extends RuntimeException {

    /** The registry did not answer (connection refused, timeout). */
    public static final int UNREACHABLE = -1;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(int httpStatus, int errorCode, String message) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = 0;
        this.errorCode = UNREACHABLE;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }

    /** True when retrying later may succeed: the registry was unreachable or failed internally. */
    public boolean isTransient() {
        return errorCode == UNREACHABLE || httpStatus >= 500;
    }
}
