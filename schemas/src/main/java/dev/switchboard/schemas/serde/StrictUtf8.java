package dev.switchboard.schemas.serde;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.Decoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.util.Utf8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Avro readers that refuse a string whose bytes are not valid UTF-8. Avro's own readers replace
 * such bytes with U+FFFD, so a corrupted record would be served under a mangled request id or
 * tenant; these throw {@link InvalidUtf8}, which the deserializer reports as a malformed payload,
 * and the record is dead-lettered with its original bytes. Each string's bytes are checked with a
 * reporting decoder, then made into the type the reader schema asks for, as Avro would.
 * Hand-written: Avro has no option for it. Their resolving decoders are {@link SharedResolvers}, not
 * Avro's per-thread ones, since records are also read on virtual threads.
 */
final class StrictUtf8 {

    private StrictUtf8() {
    }

    /** A string of the payload is not valid UTF-8. */
    static final class InvalidUtf8 extends AvroRuntimeException {
        InvalidUtf8(String message) {
            super(message);
        }
    }

    static <T> SpecificDatumReader<T> specific(Schema writer, Schema reader, SpecificData model) {
        // Avro's fast reader reads strings its own way, past these overrides: it is turned off.
        SpecificData data = new SpecificData(model.getClassLoader());
        model.getConversions().forEach(data::addLogicalTypeConversion);
        data.setFastReaderEnabled(false);
        SharedResolvers resolvers = new SharedResolvers(writer, reader);
        return new SpecificDatumReader<>(writer, reader, data) {
            @Override
            @SuppressWarnings("unchecked")
            public T read(T reuse, Decoder in) throws IOException {
                return resolvers.read(in, decoder -> (T) read(reuse, getExpected(), decoder));
            }

            @Override
            protected Object readString(Object old, Schema expected, Decoder in) throws IOException {
                return as(findStringClass(expected), checked(in), this::newInstanceFromString);
            }

            @Override
            protected Object readString(Object old, Decoder in) throws IOException {
                return new Utf8(checked(in));
            }
        };
    }

    static <T> GenericDatumReader<T> generic(Schema writer) {
        GenericData data = new GenericData();
        data.setFastReaderEnabled(false);
        SharedResolvers resolvers = new SharedResolvers(writer, writer);
        return new GenericDatumReader<>(writer, writer, data) {
            @Override
            @SuppressWarnings("unchecked")
            public T read(T reuse, Decoder in) throws IOException {
                return resolvers.read(in, decoder -> (T) read(reuse, getExpected(), decoder));
            }

            @Override
            protected Object readString(Object old, Schema expected, Decoder in) throws IOException {
                return as(findStringClass(expected), checked(in), this::newInstanceFromString);
            }

            @Override
            protected Object readString(Object old, Decoder in) throws IOException {
                return new Utf8(checked(in));
            }
        };
    }

    /** {@code value} as the class a reader schema asks for: String, Utf8, or a class made from a string. */
    private static Object as(Class<?> type, String value, java.util.function.BiFunction<Class, String, Object> fromString) {
        return type == String.class ? value : type == CharSequence.class ? new Utf8(value) : fromString.apply(type, value);
    }

    /**
     * Reads the next string and decodes its bytes, refusing malformed UTF-8. {@link Utf8} keeps the
     * bytes as they came (only its {@code toString} replaces bad ones), and reading it is what a
     * resolving decoder expects where the schema has a string.
     */
    private static String checked(Decoder in) throws IOException {
        Utf8 raw = in.readString(null);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw.getBytes(), 0, raw.getByteLength()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidUtf8("a string of " + raw.getByteLength() + " bytes is not valid UTF-8");
        }
    }
}
