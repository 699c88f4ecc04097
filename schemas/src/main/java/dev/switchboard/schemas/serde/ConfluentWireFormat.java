package dev.switchboard.schemas.serde;

import java.nio.ByteBuffer;

/**
 * The Confluent wire format: byte 0 is the magic byte {@code 0}, bytes 1-4 the schema id
 * (big-endian int), the rest the Avro binary encoding of the record.
 */
public final class ConfluentWireFormat {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private ConfluentWireFormat() {
    }

    /** A decoded header and where the Avro payload starts. */
    public record Framed(int schemaId, byte[] bytes, int payloadOffset) {
        public int payloadLength() {
            return bytes.length - payloadOffset;
        }
    }

    /** Splits {@code bytes} into schema id and payload; a {@link WireFormatException} when it cannot. */
    public static Framed unframe(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_SIZE) {
            throw new WireFormatException(WireFormatException.Reason.TOO_SHORT,
                    "Expected at least " + HEADER_SIZE + " bytes (magic byte and schema id), got "
                            + (bytes == null ? "null" : bytes.length));
        }
        if (bytes[0] != MAGIC_BYTE) {
            throw new WireFormatException(WireFormatException.Reason.UNKNOWN_MAGIC_BYTE,
                    String.format("Unknown magic byte 0x%02x, expected 0x00 (Confluent wire format)", bytes[0]));
        }
        int schemaId = ByteBuffer.wrap(bytes, 1, 4).getInt();
        return new Framed(schemaId, bytes, HEADER_SIZE);
    }

    /** The schema id {@code bytes} name in this format, or null when they are not in it (too short, another magic byte). */
    public static Integer schemaIdOrNull(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_SIZE || bytes[0] != MAGIC_BYTE) {
            return null;
        }
        return ByteBuffer.wrap(bytes, 1, 4).getInt();
    }

    /** Writes the 5-byte header for {@code schemaId} into the start of a buffer sized for the payload. */
    public static byte[] frame(int schemaId, byte[] avroPayload) {
        return ByteBuffer.allocate(HEADER_SIZE + avroPayload.length)
                .put(MAGIC_BYTE)
                .putInt(schemaId)
                .put(avroPayload)
                .array();
    }
}
