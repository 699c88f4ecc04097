/**
 * Switchboard's Avro contracts and their Kafka plumbing.
 *
 * <p>The generated classes live in {@code dev.switchboard.avro}. {@link dev.switchboard.schemas.serde}
 * holds the Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro binary) and
 * {@link dev.switchboard.schemas.registry} a client for the Confluent Schema Registry REST API.
 * Both are written here because Confluent's own serializer and client are not published to Maven
 * Central; the formats are small, public and stable, so records written by Confluent's serializers
 * in any language are read unchanged and the other way round.
 */
package dev.switchboard.schemas;
