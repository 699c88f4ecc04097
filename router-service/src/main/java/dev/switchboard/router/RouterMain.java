package dev.switchboard.router;

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

/** Runs the router alone: {@code java dev.switchboard.router.RouterMain [--config FILE]}. */
public final class RouterMain {

    private RouterMain() {
    }

    public static void main(String[] args) {
        ServiceLauncher.run("router", args, RouterMain::start);
    }

    /** Starts the router against the cluster and registry {@code config} names. */
    public static RouterService start(SwitchboardConfig config) {
        KafkaProbe.requireReachable(config.bootstrapServers(), Duration.ofSeconds(10));
        KafkaClients clients = new KafkaClients(config.bootstrapServers());
        try (Admin admin = clients.admin("switchboard-router-bootstrap")) {
            TopicBootstrap.ensureTopics(admin, config.providers().stream().map(ProviderSpec::name).toList(),
                    config.topicPartitions(), config.topicReplicationFactor());
        }
        return new RouterService(config, clients, new Codec(new SchemaRegistryClient(config.schemaRegistryUrl()))).start();
    }
}
