package dev.switchboard.provider;

import dev.switchboard.platform.ServiceLauncher;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.KafkaProbe;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicBootstrap;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;

import java.time.Duration;

/**
 * Runs worker pools alone: {@code java dev.switchboard.provider.WorkersMain [--config FILE]}; which
 * providers is set by {@code workers.providers} (all when empty).
 */
public final class WorkersMain {

    private WorkersMain() {
    }

    public static void main(String[] args) {
        ServiceLauncher.run("workers", args, WorkersMain::start);
    }

    /** Starts the workers against the cluster and registry {@code config} names. */
    public static WorkersService start(SwitchboardConfig config) {
        KafkaProbe.requireReachable(config.bootstrapServers(), Duration.ofSeconds(10));
        KafkaClients clients = new KafkaClients(config.bootstrapServers());
        try (Admin admin = clients.admin("switchboard-workers-bootstrap")) {
            TopicBootstrap.ensureTopics(admin, config.providers().stream().map(ProviderSpec::name).toList(),
                    config.topicPartitions(), config.topicReplicationFactor());
        }
        return new WorkersService(config, clients, new Codec(new SchemaRegistryClient(config.schemaRegistryUrl()))).start();
    }
}
