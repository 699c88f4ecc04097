package dev.switchboard.analytics.scoring;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;
import java.util.function.UnaryOperator;

/** JSON for the topology's internal values (stores, repartition topics); never for contract topics. */
final class JsonSerde<T> implements Serde<T> {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Class<T> type;
    private final UnaryOperator<T> beforeWrite;

    JsonSerde(Class<T> type) {
        this(type, UnaryOperator.identity());
    }

    JsonSerde(Class<T> type, UnaryOperator<T> beforeWrite) {
        this.type = type;
        this.beforeWrite = beforeWrite;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return JSON.writeValueAsBytes(beforeWrite.apply(value));
            } catch (IOException e) {
                throw new SerializationException("Cannot write " + type.getSimpleName() + " as JSON", e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return JSON.readValue(bytes, type);
            } catch (IOException e) {
                throw new SerializationException("Cannot read " + type.getSimpleName() + " from JSON", e);
            }
        };
    }
}
