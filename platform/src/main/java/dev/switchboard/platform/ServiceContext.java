package dev.switchboard.platform;

import dev.switchboard.platform.audit.AuditLog;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.KafkaProbe;
import dev.switchboard.platform.kafka.Topic;
import dev.switchboard.platform.kafka.TopicBootstrap;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.schemas.registry.SchemaRegistryException;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a service needs to start: the cluster reachable, the catalogue's topics present, the value
 * schemas registered (so the first request does not pay for it), Kafka clients and a codec.
 */
public record ServiceContext(SwitchboardConfig config, KafkaClients clients, Codec codec) {

    private static final Logger log = LoggerFactory.getLogger(ServiceContext.class);

    public static ServiceContext connect(SwitchboardConfig config) {
        KafkaProbe.requireReachable(config.bootstrapServers(), config.security().kafkaClientProperties(), Duration.ofSeconds(10));
        KafkaClients clients = new KafkaClients(config.bootstrapServers(), config.security().kafkaClientProperties());
        List<String> providers = config.providers().stream().map(ProviderSpec::name).toList();
        try (Admin admin = clients.admin("switchboard-bootstrap")) {
            TopicBootstrap.ensureTopics(admin, providers, config.topicPartitions(), config.topicReplicationFactor());
        }
        Codec codec = new Codec(SchemaRegistryClient.fromConfigs(config.schemaRegistryClientProperties()));
        registerSchemas(codec, providers);
        auditConfiguration(config, clients, codec);
        return new ServiceContext(config, clients, codec);
    }

    /**
     * A {@code config.load} record on {@code llm.audit}: who started a process with which
     * configuration (its fingerprint and the names of the keys set, never their values), so that a
     * changed configuration shows as a changed fingerprint between two starts.
     */
    private static void auditConfiguration(SwitchboardConfig config, KafkaClients clients, Codec codec) {
        java.util.Map<String, String> details = new java.util.LinkedHashMap<>();
        details.put("decision", "APPLIED");
        details.put("sha256", config.fingerprint().sha256());
        String changed = String.join(",", config.fingerprint().changedKeys());
        details.put("changedKeys", changed.length() <= 4_000 ? changed : changed.substring(0, 4_000) + "…");
        details.put("host", hostName());
        try (AuditLog audit = new AuditLog(clients, codec, "config")) {
            audit.record(System.getProperty("user.name", "unknown"), "config.load", "switchboard", "APPLIED", details);
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown";
        }
    }

    /** Registers the value schema of every catalogue topic; a registry that is down is reported, not fatal. */
    private static void registerSchemas(Codec codec, List<String> providers) {
        List<Topic<?>> topics = new ArrayList<>(List.of(Topics.REQUESTS, Topics.PLANS, Topics.REPLIES, Topics.CHUNKS, Topics.ATTEMPTS,
                Topics.DLQ, Topics.FEEDBACK, Topics.AUDIT, Topics.DLQ_PARKED,
                Topics.PROVIDER_HEALTH, Topics.PROVIDER_STATS, Topics.PROVIDER_SCORES, Topics.SESSIONS, Topics.PLANNER_STATE, Topics.PROMPT_VARIANTS, Topics.TOOLS,
                Topics.KNOWLEDGE, Topics.AGENT_STEPS, Topics.AGENT_REPLIES, Topics.tasks(Topics.AGENT_PROVIDER)));
        providers.forEach(p -> topics.add(Topics.tasks(p)));
        try {
            for (Topic<?> topic : topics) {
                codec.registry().register(topic.name() + "-value", SpecificData.get().getSchema(topic.valueType()));
            }
        } catch (SchemaRegistryException e) {
            log.warn("Cannot register schemas at start-up ({}); they will be registered on first use", e.getMessage());
        }
    }
}
