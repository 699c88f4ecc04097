package dev.switchboard.devstack.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A real single-node Kafka (combined KRaft broker and controller) running in this JVM. Its log
 * directory is formatted on first start and kept, so topics, offsets and share-group state survive
 * a restart. Single-node settings: replication factor 1 for the internal topics, including the
 * share-group state topic, without which share groups deliver nothing.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;

    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> extraConfig;
    private KafkaRaftServer server;

    public EmbeddedKafka(Path logDir, int port, int controllerPort) {
        this(logDir, port, controllerPort, Map.of());
    }

    public EmbeddedKafka(Path logDir, int port, int controllerPort, Map<String, String> extraConfig) {
        this.logDir = logDir.toAbsolutePath();
        this.port = port;
        this.controllerPort = controllerPort;
        this.extraConfig = Map.copyOf(extraConfig);
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public Path logDir() {
        return logDir;
    }

    public synchronized EmbeddedKafka start() {
        if (server != null) {
            return this;
        }
        KafkaConfig config = new KafkaConfig(properties(), false);
        try {
            Files.createDirectories(logDir);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(config);
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format the Kafka log directory " + logDir + ": " + e.getMessage(), e);
        }
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        log.info("Kafka broker listening on {} (data in {})", bootstrapServers(), logDir);
        return this;
    }

    private Map<String, String> properties() {
        Map<String, String> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "3");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "5");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        p.putAll(extraConfig);
        return p;
    }

    private void format(KafkaConfig config) throws Exception {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        new Formatter()
                .setPrintStream(quiet)
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(Set.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setControllerListenerName("CONTROLLER")
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled())
                .run();
        log.info("Formatted new Kafka log directory {}", logDir);
    }

    /** Stops the broker; its data stays for the next start. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    /** Deletes a log directory left by a stopped broker (tests). */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
