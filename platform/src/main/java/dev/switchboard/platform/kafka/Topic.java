package dev.switchboard.platform.kafka;

import org.apache.avro.specific.SpecificRecord;

import java.util.Objects;

/**
 * A topic of the catalogue: its name and the Avro type of its values. Keys are always UTF-8
 * strings (requestId or sessionId).
 */
public record Topic<V extends SpecificRecord>(String name, Class<V> valueType) {
    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(valueType, "valueType");
        if (name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank");
        }
    }

    /** The same value type on another topic (a request's own replyTo topic, say). */
    public Topic<V> named(String otherName) {
        return new Topic<>(otherName, valueType);
    }
}
