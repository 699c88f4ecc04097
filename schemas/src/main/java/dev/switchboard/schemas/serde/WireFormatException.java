package dev.switchboard.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that cannot be turned into a record (or a record that cannot be turned into bytes).
 * {@link #reason()} says why; every service turns a non-{@linkplain #isTransient() transient}
 * failure into a dead letter carrying the original bytes.
 */
public final class WireFormatException extends SerializationException {

    /** Why the bytes could not be decoded or encoded. */
    public enum Reason {
        /** Empty or shorter than the 5-byte header. */
        TOO_SHORT,
        /** Byte 0 is not Confluent's magic byte 0. */
        UNKNOWN_MAGIC_BYTE,
        /** The registry has no schema with the id in the header. */
        UNKNOWN_SCHEMA_ID,
        /** The Avro payload does not match its writer schema, or the reader cannot resolve it. */
        MALFORMED_PAYLOAD,
        /** The registry refused the schema (incompatible, invalid). */
        SCHEMA_REJECTED,
        /** The registry could not be reached; retrying later may succeed. */
        REGISTRY_UNAVAILABLE
    }

    private final Reason reason;

    public WireFormatException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public WireFormatException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** True when the bytes are fine but the registry was unavailable: retry, do not dead-letter. */
    public boolean isTransient() {
        return reason == Reason.REGISTRY_UNAVAILABLE;
    }
}
