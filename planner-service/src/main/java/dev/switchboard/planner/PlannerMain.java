package dev.switchboard.planner;

import dev.switchboard.platform.ServiceLauncher;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicBootstrap;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;

/** Runs the planner alone: {@code java dev.switchboard.planner.PlannerMain [--config FILE]}. */
public final class PlannerMain {

    private PlannerMain() {
    }

    public static void main(String[] args) {
        ServiceLauncher.run("planner", args, config -> {
            KafkaClients clients = new KafkaClients(config.bootstrapServers());
            try (Admin admin = clients.admin("switchboard-planner-bootstrap")) {
                TopicBootstrap.ensureTopics(admin, config.providers().stream().map(p -> p.name()).toList(), config.topicPartitions(), config.topicReplicationFactor());
            }
            return new PlannerService(config, clients, new Codec(new SchemaRegistryClient(config.schemaRegistryUrl()))).start();
        });
    }
}
