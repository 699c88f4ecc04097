package dev.switchboard.devstack;

import dev.switchboard.devstack.kafka.EmbeddedKafka;
import dev.switchboard.devstack.registry.SchemaRegistryServer;
import dev.switchboard.devstack.registry.SchemaStore;
import dev.switchboard.platform.kafka.KafkaClients;

import java.nio.file.Path;

/** A broker and a Schema Registry on free ports, for tests of the infrastructure alone. */
public final class InfraFixture implements AutoCloseable {

    public final EmbeddedKafka kafka;
    public final KafkaClients clients;
    private SchemaStore store;
    private SchemaRegistryServer registry;

    public InfraFixture(Path dataDir) {
        this.kafka = new EmbeddedKafka(dataDir.resolve("kafka"), FreePorts.any(), FreePorts.any()).start();
        this.clients = new KafkaClients(kafka.bootstrapServers());
        startRegistry();
    }

    /** (Re)starts the registry on a free port, rebuilding its state from {@code _schemas}. */
    public void startRegistry() {
        stopRegistry();
        store = new SchemaStore(clients);
        registry = new SchemaRegistryServer(store, 0).start();
    }

    public void stopRegistry() {
        if (registry != null) {
            registry.close();
            store.close();
            registry = null;
        }
    }

    public String registryUrl() {
        return "http://localhost:" + registry.port();
    }

    @Override
    public void close() {
        stopRegistry();
        kafka.close();
    }
}
