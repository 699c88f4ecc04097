package dev.switchboard.devstack;

import dev.switchboard.platform.config.SwitchboardConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Free local ports, and the settings that put an embedded stack on them, so that tests and
 * benchmarks run beside a {@code dev} stack (or each other) without clashing.
 */
public final class FreePorts {

    /** Ports handed out by this process: a closed probe's port may come back from the next probe. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port nothing listens on right now, and never one this process was given before. */
    public static int any() {
        for (int tries = 0; tries < 100; tries++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("No free local port found that this process has not used already");
    }

    /**
     * Settings for a stack with its data in {@code dataDir}: broker, controller, registry, simulator
     * and the dev ClickHouse on free ports, the health server on any port, the clients pointed at
     * them, the dev OAuth2 issuer on a free port and trusted, and analytics off.
     */
    public static Map<String, String> stack(Path dataDir) {
        int kafka = any();
        int registry = any();
        int clickhouse = any();
        Map<String, String> o = new HashMap<>();
        o.put(SwitchboardConfig.DATA_DIR, dataDir.toString());
        o.put(SwitchboardConfig.KAFKA_PORT, Integer.toString(kafka));
        o.put(SwitchboardConfig.KAFKA_CONTROLLER_PORT, Integer.toString(any()));
        o.put(SwitchboardConfig.REGISTRY_PORT, Integer.toString(registry));
        o.put(SwitchboardConfig.SIMULATOR_PORT, Integer.toString(any()));
        o.put(SwitchboardConfig.HEALTH_PORT, "0");
        o.put(SwitchboardConfig.BOOTSTRAP_SERVERS, "localhost:" + kafka);
        o.put(SwitchboardConfig.SCHEMA_REGISTRY_URL, "http://localhost:" + registry);
        o.put(SwitchboardConfig.ANALYTICS_ENABLED, "false");
        o.put(SwitchboardConfig.DEV_CLICKHOUSE_PORT, Integer.toString(clickhouse));
        o.put(SwitchboardConfig.CLICKHOUSE_URL, "http://localhost:" + clickhouse);
        o.put(SwitchboardConfig.DEV_CLICKHOUSE_TCP_PORT, Integer.toString(any()));
        int idp = any();
        o.put(SwitchboardConfig.DEV_IDP_PORT, Integer.toString(idp));
        o.put(SwitchboardConfig.SECURITY_ISSUER, DevStack.devIssuer(idp));
        return o;
    }

    /** The base URL of simulated provider {@code provider} on the simulator these settings place. */
    public static String simulatorUrl(Map<String, String> settings, String provider) {
        return "http://localhost:" + settings.get(SwitchboardConfig.SIMULATOR_PORT) + "/" + provider + "/v1";
    }
}
