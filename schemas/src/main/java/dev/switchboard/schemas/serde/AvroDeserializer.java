package dev.switchboard.schemas.serde;

import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.schemas.registry.SchemaRegistryException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads Confluent-wire-format Avro. With a specific class, the writer's schema (fetched by the id
 * in the header) is resolved against that class's schema, so older and newer writers are read as
 * long as the schemas are compatible; without one, records come back as {@link GenericRecord}s in
 * the writer's schema.
 *
 * <p>Bytes that cannot be read raise a {@link WireFormatException} naming the reason; callers
 * dead-letter the original bytes.
 */
public final class AvroDeserializer<T> implements Deserializer<T> {

    private SchemaRegistryClient registry;
    private Schema readerSchema;
    private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();

    /** For Kafka's reflective construction; {@link #configure} must follow. */
    public AvroDeserializer() {
    }

    /** A reader of {@code type}'s records (specific), or of generic records when {@code type} is null. */
    public AvroDeserializer(SchemaRegistryClient registry, Class<T> type) {
        this.registry = registry;
        this.readerSchema = type == null ? null : SpecificData.get().getSchema(type);
    }

    public static <R extends SpecificRecord> AvroDeserializer<R> specific(SchemaRegistryClient registry, Class<R> type) {
        return new AvroDeserializer<>(registry, type);
    }

    public static AvroDeserializer<GenericRecord> generic(SchemaRegistryClient registry) {
        return new AvroDeserializer<>(registry, null);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry == null) {
            this.registry = AvroSerdeConfig.registry(configs);
        }
        Class<?> type = AvroSerdeConfig.specificType(configs);
        if (type != null) {
            this.readerSchema = SpecificData.get().getSchema(type);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        ConfluentWireFormat.Framed framed = ConfluentWireFormat.unframe(bytes);
        DatumReader<Object> reader = readers.computeIfAbsent(framed.schemaId(), this::readerFor);
        try {
            BinaryDecoder decoder = DecoderFactory.get()
                    .binaryDecoder(bytes, framed.payloadOffset(), framed.payloadLength(), null);
            Object value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new WireFormatException(WireFormatException.Reason.MALFORMED_PAYLOAD,
                        "Trailing bytes after a record of schema id " + framed.schemaId() + " on topic '" + topic + "'");
            }
            return (T) value;
        } catch (StrictUtf8.InvalidUtf8 e) {
            throw new WireFormatException(WireFormatException.Reason.MALFORMED_PAYLOAD,
                    "Cannot decode Avro payload of schema id " + framed.schemaId() + " on topic '" + topic + "': "
                            + e.getMessage(), e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new WireFormatException(WireFormatException.Reason.MALFORMED_PAYLOAD,
                    "Cannot decode Avro payload of schema id " + framed.schemaId() + " on topic '" + topic + "': "
                            + e.getClass().getSimpleName(), e);
        }
    }

    private DatumReader<Object> readerFor(int schemaId) {
        Schema writer;
        try {
            writer = registry.schemaById(schemaId);
        } catch (SchemaRegistryException e) {
            if (e.isTransient()) {
                throw new WireFormatException(WireFormatException.Reason.REGISTRY_UNAVAILABLE, e.getMessage(), e);
            }
            throw new WireFormatException(WireFormatException.Reason.UNKNOWN_SCHEMA_ID,
                    "Unknown schema id " + schemaId + ": " + e.getMessage(), e);
        }
        if (readerSchema == null) {
            return StrictUtf8.generic(writer);
        }
        return StrictUtf8.specific(writer, readerSchema, SpecificData.getForSchema(readerSchema));
    }
}
