package dev.switchboard.schemas.serde;

import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.common.config.ConfigException;

import java.util.Map;

/** The Kafka client properties the serde reads, named as Confluent's serializers name them. */
public final class AvroSerdeConfig {

    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";

    private AvroSerdeConfig() {
    }

    /** The registry client of the serde's settings: its URLs, basic authentication and trust store, by Confluent's names. */
    static SchemaRegistryClient registry(Map<String, ?> configs) {
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        if (url == null || url.toString().isBlank()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, url, "The Avro serde needs the Schema Registry URL");
        }
        try {
            return SchemaRegistryClient.fromConfigs(configs);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    static Class<?> specificType(Map<String, ?> configs) {
        Object type = configs.get(SPECIFIC_AVRO_VALUE_TYPE);
        if (type == null) {
            return null;
        }
        if (type instanceof Class<?> c) {
            return c;
        }
        try {
            return Class.forName(type.toString());
        } catch (ClassNotFoundException e) {
            throw new ConfigException(SPECIFIC_AVRO_VALUE_TYPE, type, "No such class");
        }
    }
}
