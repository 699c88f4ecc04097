package dev.switchboard.schemas.serde;

import org.apache.kafka.common.config.ConfigException;

import java.util.Map;

/** The Kafka client properties the serde reads, named as Confluent's serializers name them. */
public final class AvroSerdeConfig {

    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";

    private AvroSerdeConfig() {
    }

    static String registryUrl(Map<String, ?> configs) {
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        if (url == null || url.toString().isBlank()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, url, "The Avro serde needs the Schema Registry URL");
        }
        return url.toString().split(",")[0].trim();
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
