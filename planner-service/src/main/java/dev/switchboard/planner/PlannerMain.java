package dev.switchboard.planner;

import dev.switchboard.platform.ServiceLauncher;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.KafkaProbe;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicBootstrap;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;

import java.time.Duration;

/** Runs the planner alone: {@code java dev.switchboard.planner.PlannerMain [--config FILE]}. */
public final class PlannerMain {

    private PlannerMain() {
    }

    public static void main(String[] args) {
        ServiceLauncher.run("planner", args, PlannerMain::start);
    }

    /** Starts the planner against the cluster and registry {@code config} names. */
    public static PlannerService start(SwitchboardConfig config) {
        KafkaProbe.requireReachable(config.bootstrapServers(), Duration.ofSeconds(10));
        KafkaClients clients = new KafkaClients(config.bootstrapServers());
        try (Admin admin = clients.admin("switchboard-planner-bootstrap")) {
            TopicBootstrap.ensureTopics(admin, config.providers().stream().map(p -> p.name()).toList(), config.topicPartitions(), config.topicReplicationFactor());
        }
        return new PlannerService(config, clients, new Codec(new SchemaRegistryClient(config.schemaRegistryUrl()))).start();
    }
}
