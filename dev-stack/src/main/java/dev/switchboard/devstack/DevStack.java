package dev.switchboard.devstack;

import dev.switchboard.analytics.AnalyticsService;
import dev.switchboard.devstack.clickhouse.LocalClickHouse;
import dev.switchboard.devstack.idp.DevIdentityProvider;
import dev.switchboard.devstack.kafka.EmbeddedKafka;
import dev.switchboard.devstack.registry.SchemaRegistryServer;
import dev.switchboard.devstack.registry.SchemaStore;
import dev.switchboard.devstack.simulator.FaultsGuard;
import dev.switchboard.devstack.simulator.ProviderSimulator;
import dev.switchboard.platform.audit.AuditLog;
import dev.switchboard.planner.PlannerService;
import dev.switchboard.platform.ServiceContext;
import dev.switchboard.platform.telemetry.Telemetry;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.health.HealthServer;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.provider.AutoReplay;
import dev.switchboard.provider.WorkersService;
import dev.switchboard.router.RouterService;
import dev.switchboard.router.edge.Edge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Starts the embedded stack in dependency order and stops it in reverse. */
public final class DevStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DevStack.class);

    private final SwitchboardConfig config;
    private final ProviderSimulator.Responder responder;
    private final Map<String, String> brokerSettings;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private EmbeddedKafka kafka;
    private ProviderSimulator simulator;
    private SchemaRegistryServer registry;
    private WorkersService workers;
    private PlannerService planner;
    private HealthServer health;
    private Edge edge;
    private LocalClickHouse clickhouse;
    private DevIdentityProvider idp;
    private AnalyticsService analytics;
    private boolean clickhouseMissing;
    private AutoReplay autoReplay;

    private DevStack(SwitchboardConfig config, ProviderSimulator.Responder responder, Map<String, String> brokerSettings) {
        this.config = config;
        this.responder = responder;
        this.brokerSettings = Map.copyOf(brokerSettings);
    }

    /**
     * Starts the broker, registry and simulator, and the services unless {@code infraOnly}.
     * The config's bootstrap servers and registry URL must point at the ports it names.
     */
    public static DevStack start(SwitchboardConfig config, boolean infraOnly) {
        return start(config, infraOnly, ProviderSimulator.Responder.DEFAULT);
    }

    /** As {@link #start(SwitchboardConfig, boolean)}, with the simulated providers answering through {@code responder}. */
    public static DevStack start(SwitchboardConfig config, boolean infraOnly, ProviderSimulator.Responder responder) {
        return start(config, infraOnly, responder, Map.of());
    }

    /**
     * As {@link #start(SwitchboardConfig, boolean, ProviderSimulator.Responder)}, with broker settings
     * over the embedded broker's own (listeners, SASL, an authorizer: a secured cluster).
     */
    public static DevStack start(SwitchboardConfig config, boolean infraOnly, ProviderSimulator.Responder responder,
                                 Map<String, String> brokerSettings) {
        return start(config, infraOnly, responder, brokerSettings, () -> {
        });
    }

    /**
     * As {@link #start(SwitchboardConfig, boolean)}, running {@code onceStorageRuns} when the broker,
     * registry and ClickHouse (when the stack runs one, {@link #runsClickHouse}) answer and before
     * anything else writes to them (a restore of a backup): then the simulator, whose audit log writes
     * when it starts, and the services.
     */
    public static DevStack start(SwitchboardConfig config, boolean infraOnly, Runnable onceStorageRuns) {
        return start(config, infraOnly, ProviderSimulator.Responder.DEFAULT, Map.of(), onceStorageRuns);
    }

    private static DevStack start(SwitchboardConfig config, boolean infraOnly, ProviderSimulator.Responder responder,
                                  Map<String, String> brokerSettings, Runnable onceStorageRuns) {
        DevStack stack = new DevStack(config, responder, brokerSettings);
        try {
            stack.startAll(infraOnly, onceStorageRuns);
            return stack;
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
    }

    private void startAll(boolean infraOnly, Runnable onceStorageRuns) {
        // The issuer first: a broker that checks OAUTHBEARER tokens reads its keys at start-up.
        if (runsIdentityProvider(config)) {
            SwitchboardConfig.SecuritySettings security = config.security();
            idp = track(DevIdentityProvider.start(security.devIdpPort(), config.dataDir().resolve("idp").resolve("signing-key.json"),
                    security.audience(), security.tenantClaim(), security.rolesClaim()));
        }
        kafka = track(new EmbeddedKafka(config.dataDir().resolve("kafka"), config.kafkaPort(), config.kafkaControllerPort(),
                brokerSettings).start());
        SchemaStore store = track(new SchemaStore(new KafkaClients(config.bootstrapServers(), config.security().kafkaClientProperties())));
        // With registry credentials configured, the dev registry asks for them.
        registry = track(new SchemaRegistryServer(store, config.registryPort(),
                config.security().registryClient().get("basic.auth.user.info")).start());
        // ClickHouse before the restore too: a backup holds the analytics tables.
        if (wantsClickHouse(config, infraOnly)) {
            if (LocalClickHouse.command().isPresent()) {
                clickhouse = track(new LocalClickHouse(config.dataDir().resolve("clickhouse"),
                        config.analytics().devClickhousePort(), config.analytics().devClickhouseTcpPort()).start());
            } else {
                clickhouseMissing = true;
                log.warn("{}. Analytics runs without it.", LocalClickHouse.INSTALL_HINT);
            }
        }
        onceStorageRuns.run();
        // Topics and schemas, as every service makes sure of at start-up; in infra-only mode too.
        ServiceContext context = ServiceContext.connect(config);
        simulator = new ProviderSimulator(config.simulatedProviders(), config.simulatorSeed(), config.simulatorPort(), responder);
        if (config.security().enabled()) {
            // Changing a provider's faults is an operator's action, checked and audited.
            AuditLog audit = track(new AuditLog(context.clients(), context.codec(), "simulator"));
            simulator.guard(new FaultsGuard(config.security(), audit));
        }
        simulator = track(simulator.start());
        if (infraOnly) {
            return;
        }
        KafkaClients clients = context.clients();
        Codec codec = context.codec();
        // Spans go to ClickHouse when the stack runs one (analytics on and the server installed).
        track(Telemetry.start(config.withClickHouse(config.analytics().enabled() && config.analytics().clickhouseEnabled()
                && LocalClickHouse.command().isPresent()), "switchboard-dev"));
        planner = track(new PlannerService(config, clients, codec).start());
        RouterService router = track(new RouterService(config, clients, codec).start());
        workers = track(new WorkersService(config, clients, codec).start());
        List<HealthCheck> checks = new ArrayList<>(planner.healthChecks());
        checks.addAll(router.healthChecks());
        checks.addAll(workers.healthChecks());
        if (config.autoReplay().enabled()) {
            autoReplay = track(new AutoReplay(config, clients, codec).start());
            checks.addAll(autoReplay.healthChecks());
        }
        if (config.analytics().enabled()) {
            SwitchboardConfig analyticsConfig = clickhouseMissing ? config.withClickHouse(false) : config;
            analytics = track(new AnalyticsService(analyticsConfig, clients, codec).start());
            checks.addAll(analytics.healthChecks());
        }
        if (config.edge().enabled()) {
            edge = track(new Edge(config, clients, codec, checks).start());
        } else {
            health = track(HealthServer.onPortOrFree(config.healthPort(), checks).start());
        }
        try {
            Duration wait = Duration.ofSeconds(60);
            if (!planner.awaitAssignment(wait) || !router.awaitAssignment(wait) || !workers.awaitStarted(wait)) {
                throw new IllegalStateException("Services did not join their groups within " + wait.toSeconds() + " s");
            }
            if (edge != null && !edge.awaitReady(wait)) {
                throw new IllegalStateException("The HTTP API did not read back " + config.edge().replyTopic() + " within "
                        + wait.toSeconds() + " s");
            }
            if (analytics != null && !analytics.awaitClickHouseSchema(wait)) {
                throw new IllegalStateException("ClickHouse did not take the analytics migrations within " + wait.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting services", e);
        }
    }

    /** Whether the stack, started so, runs a ClickHouse server (analytics and ClickHouse on, and clickhouse-server installed). */
    public static boolean runsClickHouse(SwitchboardConfig config, boolean infraOnly) {
        return wantsClickHouse(config, infraOnly) && LocalClickHouse.command().isPresent();
    }

    /** Whether the stack, started so, would run a ClickHouse server if one is installed. */
    private static boolean wantsClickHouse(SwitchboardConfig config, boolean infraOnly) {
        return !infraOnly && config.analytics().enabled() && config.analytics().clickhouseEnabled();
    }

    /** The dev issuer runs when security is on and security.issuer is its address (localhost:dev.idp.port). */
    public static boolean runsIdentityProvider(SwitchboardConfig config) {
        SwitchboardConfig.SecuritySettings security = config.security();
        return security.enabled() && security.issuer().replaceAll("/+$", "")
                .equals(devIssuer(security.devIdpPort()));
    }

    /** The address of the dev issuer on {@code port}. */
    public static String devIssuer(int port) {
        return "http://localhost:" + port + "/" + DevIdentityProvider.ISSUER_ID;
    }

    private <T extends AutoCloseable> T track(T component) {
        started.push(component);
        return component;
    }

    /** The automatic replay of dead letters, when {@code dlq.auto.replay.enabled}; else null. */
    public AutoReplay autoReplay() {
        return autoReplay;
    }

    public SwitchboardConfig config() {
        return config;
    }

    /** The planner, or null when only the infrastructure runs. */
    public PlannerService planner() {
        return planner;
    }

    /** The worker pools and the agent runtime; null when the stack runs the infrastructure only. */
    public WorkersService workers() {
        return workers;
    }

    public ProviderSimulator simulator() {
        return simulator;
    }

    /** The port of the HTTP API and health endpoints, or -1 when only the infrastructure runs. */
    public int healthPort() {
        return edge != null ? edge.port() : health == null ? -1 : health.port();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    /** What runs where, in start order. */
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("Kafka", config.bootstrapServers());
        endpoints.put("Schema Registry", "http://localhost:" + registry.port());
        if (idp != null) {
            endpoints.put("OAuth2 issuer", idp.issuer() + " (tokens: bin/switchboard token [--tenant T] [--role R])");
        } else if (!config.security().enabled()) {
            endpoints.put("Security", "off (security.enabled=false): the HTTP API trusts the x-switchboard-tenant header");
        }
        endpoints.put("Provider simulator", "http://localhost:" + simulator.port() + "/<provider>/v1 (faults: /<provider>/admin/faults)");
        if (workers != null) {
            endpoints.put("Worker pools", String.join(", ", workers.providers()));
            if (edge != null) {
                endpoints.put("HTTP API", "http://localhost:" + edge.port() + "/v1 (OpenAI-compatible: /v1/chat/completions, /v1/models)");
            }
            endpoints.put("Health", "http://localhost:" + healthPort() + "/health/ready (and /health/live)");
            if (clickhouse != null) {
                endpoints.put("ClickHouse", clickhouse.url() + " (database switchboard; try SELECT * FROM switchboard.provider_leaderboard)");
            } else if (clickhouseMissing) {
                endpoints.put("ClickHouse", "not installed: apt-get install clickhouse-server (analytics runs without it)");
            }
        }
        endpoints.put("Data", config.dataDir().toAbsolutePath().toString());
        return endpoints;
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable component = started.pop();
            try {
                component.close();
            } catch (Exception e) {
                log.warn("Error stopping {}: {}", component.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
