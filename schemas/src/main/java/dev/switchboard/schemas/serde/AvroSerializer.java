package dev.switchboard.schemas.serde;

import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.schemas.registry.SchemaRegistryException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serializes specific or generic Avro records in the Confluent wire format, registering the
 * record's schema under {@code <topic>-value} (or {@code -key}) on first use
 * (TopicNameStrategy, auto-registration, as Confluent's {@code KafkaAvroSerializer} does).
 *
 * <p>Usable directly or through Kafka configuration: {@code schema.registry.url}.
 */
public final class AvroSerializer<T extends GenericContainer> implements Serializer<T> {

    private SchemaRegistryClient registry;
    private boolean isKey;
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();

    /** For Kafka's reflective construction; {@link #configure} must follow. */
    public AvroSerializer() {
    }

    public AvroSerializer(SchemaRegistryClient registry) {
        this(registry, false);
    }

    public AvroSerializer(SchemaRegistryClient registry, boolean isKey) {
        this.registry = registry;
        this.isKey = isKey;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
        if (registry == null) {
            this.registry = AvroSerdeConfig.registry(configs);
        }
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        Schema schema = record.getSchema();
        String subject = topic + (isKey ? "-key" : "-value");
        int id;
        try {
            id = registry.register(subject, schema);
        } catch (SchemaRegistryException e) {
            throw new WireFormatException(e.isTransient()
                    ? WireFormatException.Reason.REGISTRY_UNAVAILABLE
                    : WireFormatException.Reason.SCHEMA_REJECTED,
                    "Cannot register schema " + schema.getFullName() + " under subject '" + subject + "': "
                            + e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(ConfluentWireFormat.MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writers.computeIfAbsent(schema, s -> new SpecificDatumWriter<>(s, SpecificData.getForSchema(s)))
                    .write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new WireFormatException(WireFormatException.Reason.MALFORMED_PAYLOAD,
                    "Cannot encode a " + schema.getFullName() + " for topic '" + topic + "': " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
