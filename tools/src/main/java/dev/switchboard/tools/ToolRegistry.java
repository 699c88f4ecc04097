package dev.switchboard.tools;

import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicSource;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;

/**
 * The tools that exist: each tool's latest version, read from the compacted {@code llm.tools}
 * (keyed by name; a tombstone removes a tool). Any process rebuilds it by reading the topic from its
 * beginning: a one-off {@link #read}, or {@link #follow} to keep reading. Writes go through
 * {@link #publish} and {@link #remove}. Thread-safe.
 */
public final class ToolRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ToolRegistry.class);

    private final Map<String, ToolDefinition> tools = new ConcurrentHashMap<>();
    private final Codec codec;
    /** Where the records come from; set right after construction. */
    private volatile TopicSource source;

    private ToolRegistry(Codec codec) {
        this.codec = codec;
    }

    /** The registry as {@code llm.tools} holds it now. */
    public static ToolRegistry read(KafkaClients clients, Codec codec) {
        ToolRegistry registry = new ToolRegistry(codec);
        registry.source = TopicSource.read(clients, Topics.TOOLS.name(), registry::apply);
        return registry;
    }

    /** A registry that reads {@code llm.tools} from its beginning and keeps reading it until closed. */
    public static ToolRegistry follow(KafkaClients clients, Codec codec, String name) {
        ToolRegistry registry = new ToolRegistry(codec);
        registry.source = TopicSource.follow(clients, name, Topics.TOOLS.name(), registry::apply);
        return registry;
    }

    /** One record of {@code llm.tools}: a tool's new version, or a tombstone. */
    void apply(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            if (key != null) {
                tools.remove(key);
            }
            return;
        }
        try {
            ToolDefinition tool = codec.decode(Topics.TOOLS, record.value());
            tools.put(tool.getName(), tool);
        } catch (RuntimeException e) {
            // The registry is state, not a stream of work: a record it cannot read is reported and the tool's
            // previous version (if any) stays.
            log.warn("llm.tools offset {}: record for tool {} cannot be read and is left out of the registry: {}", record.offset(),
                    key, e.toString());
        }
    }

    public Optional<ToolDefinition> get(String name) {
        return Optional.ofNullable(tools.get(name));
    }

    /** Every tool, by name. */
    public List<ToolDefinition> all() {
        return tools.values().stream().sorted(Comparator.comparing(ToolDefinition::getName)).toList();
    }

    /** Writes {@code tool} (validated first) as its name's latest version. */
    public static Future<RecordMetadata> publish(Producer<byte[], byte[]> producer, Codec codec, ToolDefinition tool) {
        ToolDefinitions.validated(tool);
        return producer.send(codec.record(Topics.TOOLS, tool.getName(), tool));
    }

    /** Writes a tombstone for {@code name}: the tool is removed once the registries read it. */
    public static Future<RecordMetadata> remove(Producer<byte[], byte[]> producer, String name) {
        return producer.send(new ProducerRecord<>(Topics.TOOLS.name(), name.getBytes(StandardCharsets.UTF_8), null));
    }

    /**
     * Whether this instance, following the topic, has read all it held when it started, waiting up to
     * {@code timeout}; an instance {@code read} once has.
     */
    public boolean awaitCaughtUp(java.time.Duration timeout) throws InterruptedException {
        return source.awaitCaughtUp(timeout);
    }

    @Override
    public void close() {
        source.close();
    }
}
