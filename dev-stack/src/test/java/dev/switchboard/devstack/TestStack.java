package dev.switchboard.devstack;

import dev.switchboard.avro.LlmRequest;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;
import dev.switchboard.schemas.registry.SchemaRegistryClient;

import java.nio.file.Path;
import java.util.Map;

/** The dev stack on free ports and a fresh data folder, with quick simulated providers. */
public final class TestStack {

    private TestStack() {
    }

    /** Stands for the simulator's port in the values of {@link #config}'s {@code extra}. */
    public static final String SIMULATOR_PORT = "${simulator.port}";

    /**
     * Settings for a stack in {@code dataDir} on free ports; {@code extra} overrides them, with
     * {@value #SIMULATOR_PORT} in a value replaced by the simulator's port.
     */
    public static SwitchboardConfig config(Path dataDir, Map<String, String> extra) {
        return SwitchboardConfig.withOverrides(settings(dataDir, extra));
    }

    /** The settings of {@link #config}: free ports, quick and faultless simulated providers, then {@code extra}. */
    public static Map<String, String> settings(Path dataDir, Map<String, String> extra) {
        Map<String, String> o = FreePorts.stack(dataDir);
        for (String p : new String[] {"sim-fast", "sim-strong", "sim-flaky"}) {
            o.put("provider." + p + ".base.url", FreePorts.simulatorUrl(o, p));
            o.put("simulator." + p + ".latency.p50.ms", "2");
            o.put("simulator." + p + ".latency.p99.ms", "10");
            o.put("simulator." + p + ".error.rate", "0");
            o.put("simulator." + p + ".timeout.rate", "0");
        }
        String simulator = o.get(SwitchboardConfig.SIMULATOR_PORT);
        extra.forEach((k, v) -> o.put(k, v.replace(SIMULATOR_PORT, simulator)));
        return o;
    }

    public static Codec codec(SwitchboardConfig config) {
        return new Codec(SchemaRegistryClient.fromConfigs(config.schemaRegistryClientProperties()));
    }

    public static KafkaClients clients(SwitchboardConfig config) {
        return new KafkaClients(config.bootstrapServers(), config.security().kafkaClientProperties());
    }

    /**
     * {@code request} as a record for {@code llm.requests} under {@code key}, carrying a token of
     * its tenant from the stack's issuer, as a producer of that tenant sends it.
     */
    public static ProducerRecord<byte[], byte[]> requestRecord(SwitchboardConfig config, Codec codec, String key, LlmRequest request) {
        String token = !config.security().enabled() ? null : TOKENS.computeIfAbsent(config.security().issuer() + "\0"
                + request.getTenantId(), k -> TokenClient.token(config.security(), Map.of("tenant", request.getTenantId())));
        return Credentials.withToken(codec.record(Topics.REQUESTS, key, request), token);
    }

    private static final Map<String, String> TOKENS = new java.util.concurrent.ConcurrentHashMap<>();
}
