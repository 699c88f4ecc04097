package dev.switchboard.devstack;

import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.schemas.registry.SchemaRegistryClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The dev stack on free ports and a fresh data folder, with quick simulated providers. */
public final class TestStack {

    private TestStack() {
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stands for the simulator's port in the values of {@link #config}'s {@code extra}. */
    public static final String SIMULATOR_PORT = "${simulator.port}";

    /**
     * Settings for a stack in {@code dataDir} on free ports; {@code extra} overrides them, with
     * {@value #SIMULATOR_PORT} in a value replaced by the simulator's port.
     */
    public static SwitchboardConfig config(Path dataDir, Map<String, String> extra) {
        int kafka = freePort();
        int controller = freePort();
        int registry = freePort();
        int simulator = freePort();
        Map<String, String> o = new HashMap<>();
        o.put(SwitchboardConfig.DATA_DIR, dataDir.toString());
        o.put(SwitchboardConfig.KAFKA_PORT, Integer.toString(kafka));
        o.put(SwitchboardConfig.KAFKA_CONTROLLER_PORT, Integer.toString(controller));
        o.put(SwitchboardConfig.REGISTRY_PORT, Integer.toString(registry));
        o.put(SwitchboardConfig.SIMULATOR_PORT, Integer.toString(simulator));
        o.put(SwitchboardConfig.HEALTH_PORT, "0");
        // Analytics only where a test asks for it: it adds a Streams app and a ClickHouse process.
        o.put(SwitchboardConfig.ANALYTICS_ENABLED, "false");
        int clickhouse = freePort();
        o.put(SwitchboardConfig.DEV_CLICKHOUSE_PORT, Integer.toString(clickhouse));
        o.put(SwitchboardConfig.CLICKHOUSE_URL, "http://localhost:" + clickhouse);
        o.put(SwitchboardConfig.DEV_CLICKHOUSE_TCP_PORT, Integer.toString(freePort()));
        o.put(SwitchboardConfig.BOOTSTRAP_SERVERS, "localhost:" + kafka);
        o.put(SwitchboardConfig.SCHEMA_REGISTRY_URL, "http://localhost:" + registry);
        for (String p : new String[] {"sim-fast", "sim-strong", "sim-flaky"}) {
            o.put("provider." + p + ".base.url", "http://localhost:" + simulator + "/" + p + "/v1");
            o.put("simulator." + p + ".latency.p50.ms", "2");
            o.put("simulator." + p + ".latency.p99.ms", "10");
            o.put("simulator." + p + ".error.rate", "0");
            o.put("simulator." + p + ".timeout.rate", "0");
        }
        extra.forEach((k, v) -> o.put(k, v.replace(SIMULATOR_PORT, Integer.toString(simulator))));
        return SwitchboardConfig.withOverrides(o);
    }

    public static Codec codec(SwitchboardConfig config) {
        return new Codec(new SchemaRegistryClient(config.schemaRegistryUrl()));
    }

    public static KafkaClients clients(SwitchboardConfig config) {
        return new KafkaClients(config.bootstrapServers());
    }
}
