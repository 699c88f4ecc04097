package dev.switchboard.platform.kafka;

import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.schemas.serde.AvroDeserializer;
import dev.switchboard.schemas.serde.AvroSerializer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Encodes and decodes the values of catalogue topics in the Confluent wire format. Services read
 * and write raw bytes and go through a codec, so that a record that cannot be decoded is still in
 * hand, bytes and all, to be dead-lettered.
 */
public final class Codec {

    private final SchemaRegistryClient registry;
    private final AvroSerializer<SpecificRecord> serializer;
    private final Map<Class<?>, AvroDeserializer<?>> deserializers = new ConcurrentHashMap<>();

    public Codec(SchemaRegistryClient registry) {
        this.registry = registry;
        this.serializer = new AvroSerializer<>(registry);
    }

    public SchemaRegistryClient registry() {
        return registry;
    }

    public <V extends SpecificRecord> byte[] encode(Topic<V> topic, V value) {
        return serializer.serialize(topic.name(), value);
    }

    @SuppressWarnings("unchecked")
    public <V extends SpecificRecord> V decode(Topic<V> topic, byte[] bytes) {
        AvroDeserializer<V> deserializer = (AvroDeserializer<V>) deserializers.computeIfAbsent(
                topic.valueType(), type -> AvroDeserializer.specific(registry, topic.valueType()));
        return deserializer.deserialize(topic.name(), bytes);
    }

    /** A record for {@code topic} with a UTF-8 key and the encoded value. */
    public <V extends SpecificRecord> ProducerRecord<byte[], byte[]> record(Topic<V> topic, String key, V value) {
        return new ProducerRecord<>(topic.name(), key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                encode(topic, value));
    }
}
