package dev.switchboard.devstack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicBootstrap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The registry's state: subjects and their versions, schemas by global id, compatibility config.
 * Every change is first written to the compacted {@code _schemas} topic (Confluent's record
 * format: key {@code {"keytype":"SCHEMA","subject":..,"version":..,"magic":1}}, value
 * {@code {"subject","version","id","schema","deleted"}}; CONFIG records likewise) and then applied;
 * on start the topic is read from the beginning to rebuild the state.
 */
public final class SchemaStore implements AutoCloseable {

    public static final String TOPIC = "_schemas";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One version of a subject. */
    public record Version(String subject, int version, int id, Schema schema) {
    }

    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, TreeMap<Integer, Version>> subjects = new TreeMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectCompatibility = new HashMap<>();
    private CompatibilityLevel globalCompatibility = CompatibilityLevel.BACKWARD;
    private int maxId;

    public SchemaStore(KafkaClients clients) {
        try (Admin admin = clients.admin("switchboard-registry-bootstrap")) {
            TopicBootstrap.ensureCompactedTopic(admin, TOPIC, (short) 1);
        }
        this.producer = clients.producer("switchboard-registry");
        replay(clients);
    }

    private void replay(KafkaClients clients) {
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = clients.reader("switchboard-registry-replay")) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record.key(), record.value());
                }
            }
        }
    }

    private void apply(byte[] keyBytes, byte[] valueBytes) {
        try {
            JsonNode key = JSON.readTree(keyBytes);
            String type = key.path("keytype").asText();
            if (valueBytes == null) {
                return;
            }
            JsonNode value = JSON.readTree(valueBytes);
            switch (type) {
                case "SCHEMA" -> {
                    if (value.path("deleted").asBoolean(false)) {
                        return;
                    }
                    Schema schema = new Schema.Parser().parse(value.path("schema").asText());
                    int id = value.path("id").asInt();
                    Version version = new Version(value.path("subject").asText(), value.path("version").asInt(), id, schema);
                    subjects.computeIfAbsent(version.subject(), s -> new TreeMap<>()).put(version.version(), version);
                    schemasById.putIfAbsent(id, schema);
                    maxId = Math.max(maxId, id);
                }
                case "CONFIG" -> {
                    CompatibilityLevel level = CompatibilityLevel.parse(value.path("compatibilityLevel").asText());
                    if (key.path("subject").isNull() || key.path("subject").isMissingNode()) {
                        globalCompatibility = level;
                    } else {
                        subjectCompatibility.put(key.path("subject").asText(), level);
                    }
                }
                default -> {
                    // NOOP and other record types carry no state.
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Unreadable record in " + TOPIC + ": " + e.getMessage(), e);
        }
    }

    private void write(ObjectNode key, ObjectNode value) {
        byte[] k = key.toString().getBytes(StandardCharsets.UTF_8);
        byte[] v = value.toString().getBytes(StandardCharsets.UTF_8);
        try {
            producer.send(new ProducerRecord<>(TOPIC, 0, k, v)).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new RegistryException(500, 50001, "Error while storing the schema: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(500, 50001, "Interrupted while storing the schema");
        }
        apply(k, v);
    }

    public static Schema parse(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw RegistryException.invalidSchema("the request has no schema");
        }
        try {
            return new Schema.Parser().parse(schemaText);
        } catch (SchemaParseException e) {
            throw RegistryException.invalidSchema(e.getMessage());
        }
    }

    /** Registers {@code schema} under {@code subject}, or returns the id of the equal version already there. */
    public synchronized int register(String subject, Schema schema) {
        Optional<Version> existing = lookup(subject, schema);
        if (existing.isPresent()) {
            return existing.get().id();
        }
        List<String> problems = compatibility(subject).problems(schema, schemas(subject));
        if (!problems.isEmpty()) {
            throw new RegistryException(409, 409, "Schema being registered is incompatible with an earlier schema for subject \""
                    + subject + "\", details: " + problems);
        }
        int id = schemasById.entrySet().stream().filter(e -> e.getValue().equals(schema))
                .map(Map.Entry::getKey).findFirst().orElse(maxId + 1);
        TreeMap<Integer, Version> versions = subjects.get(subject);
        int version = versions == null || versions.isEmpty() ? 1 : versions.lastKey() + 1;
        ObjectNode key = JSON.createObjectNode().put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
        ObjectNode value = JSON.createObjectNode().put("subject", subject).put("version", version).put("id", id)
                .put("schema", schema.toString()).put("deleted", false);
        write(key, value);
        return id;
    }

    /** The version of {@code subject} whose schema equals {@code schema} (parsed equality, not text). */
    public synchronized Optional<Version> lookup(String subject, Schema schema) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        if (versions == null) {
            return Optional.empty();
        }
        return versions.values().stream().filter(v -> v.schema().equals(schema)).findFirst();
    }

    public synchronized boolean hasSubject(String subject) {
        return subjects.containsKey(subject);
    }

    public synchronized Optional<Schema> byId(int id) {
        return Optional.ofNullable(schemasById.get(id));
    }

    public synchronized List<String> subjects() {
        return List.copyOf(subjects.keySet());
    }

    public synchronized List<Integer> versions(String subject) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        if (versions == null) {
            throw RegistryException.subjectNotFound(subject);
        }
        return List.copyOf(versions.keySet());
    }

    /** Version {@code version} ("latest" or a number) of {@code subject}. */
    public synchronized Version version(String subject, String version) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        if (versions == null) {
            throw RegistryException.subjectNotFound(subject);
        }
        if ("latest".equals(version) || "-1".equals(version)) {
            return versions.lastEntry().getValue();
        }
        int number;
        try {
            number = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            throw RegistryException.invalidVersion(version);
        }
        if (number < 1) {
            throw RegistryException.invalidVersion(version);
        }
        Version found = versions.get(number);
        if (found == null) {
            throw RegistryException.versionNotFound(version);
        }
        return found;
    }

    /** Problems of {@code schema} against {@code version} of {@code subject} under the subject's level. */
    public synchronized List<String> checkCompatibility(String subject, String version, Schema schema) {
        Version against = version(subject, version);
        CompatibilityLevel level = compatibility(subject);
        if ("latest".equals(version) && level.transitive()) {
            return level.problems(schema, schemas(subject));
        }
        return level.problems(schema, List.of(against.schema()));
    }

    private List<Schema> schemas(String subject) {
        TreeMap<Integer, Version> versions = subjects.get(subject);
        if (versions == null) {
            return List.of();
        }
        List<Schema> schemas = new ArrayList<>();
        versions.values().forEach(v -> schemas.add(v.schema()));
        return schemas;
    }

    public synchronized CompatibilityLevel compatibility(String subject) {
        return subjectCompatibility.getOrDefault(subject, globalCompatibility);
    }

    public synchronized Optional<CompatibilityLevel> subjectCompatibility(String subject) {
        return Optional.ofNullable(subjectCompatibility.get(subject));
    }

    public synchronized CompatibilityLevel globalCompatibility() {
        return globalCompatibility;
    }

    /** Sets the level of {@code subject}, or the global level when {@code subject} is null. */
    public synchronized void setCompatibility(String subject, CompatibilityLevel level) {
        ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG").put("magic", 0);
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        write(key, JSON.createObjectNode().put("compatibilityLevel", level.name()));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
