package dev.switchboard.platform.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * All of Switchboard's settings, validated once at start-up with Kafka's {@link ConfigDef}: every
 * key has a type, default, validator and doc line, and a bad value fails with the key and the value
 * named. Provider keys ({@code provider.<name>.*}, {@code simulator.<name>.*}) are defined for each
 * name listed in {@code providers} / {@code simulator.providers}; a key that nothing defines is an
 * error, so a typo does not pass silently.
 */
public record SwitchboardConfig(
        String bootstrapServers,
        String schemaRegistryUrl,
        int topicPartitions,
        short topicReplicationFactor,
        List<ProviderSpec> providers,
        List<String> plannerRanking,
        int plannerMaxSteps,
        RoutingStrategy plannerStrategy,
        List<String> workerProviders,
        int workerMaxInFlight,
        Path dataDir,
        int kafkaPort,
        int kafkaControllerPort,
        int registryPort,
        int simulatorPort,
        long simulatorSeed,
        List<SimulatedProviderSpec> simulatedProviders,
        int dlqMaxReplays,
        AutoReplaySettings autoReplay,
        CircuitSettings circuit,
        int healthPort,
        AnalyticsSettings analytics,
        RoutingSettings routing,
        PlanningSettings planning,
        EdgeSettings edge,
        SecuritySettings security,
        AgentSettings agent,
        Fingerprint fingerprint) {

    /**
     * What a configuration is, for the audit trail: the SHA-256 of every effective setting (a
     * secret counts by its own hash, so changing it changes the fingerprint without revealing it),
     * and the names of the keys set to other than their defaults.
     */
    public record Fingerprint(String sha256, List<String> changedKeys) {
        public Fingerprint {
            changedKeys = List.copyOf(changedKeys);
        }

        static Fingerprint of(ConfigDef def, Map<String, String> defaults, Map<String, String> effective) {
            StringBuilder canonical = new StringBuilder();
            List<String> changed = new ArrayList<>();
            for (String key : new TreeSet<>(effective.keySet())) {
                String value = effective.get(key) == null ? "" : effective.get(key);
                ConfigDef.ConfigKey definition = def.configKeys().get(key);
                boolean secret = definition != null && definition.type == Type.PASSWORD;
                canonical.append(key.length()).append(':').append(key).append('=');
                String shown = secret ? dev.switchboard.platform.Sha256.hex(value) : value;
                canonical.append(shown.length()).append(':').append(shown).append('\n');
                if (!value.equals(defaults.getOrDefault(key, ""))) {
                    changed.add(key);
                }
            }
            return new Fingerprint(dev.switchboard.platform.Sha256.hex(canonical.toString()), changed);
        }
    }

    /**
     * Who may call: whether bearer tokens are required, the issuer whose tokens are accepted (its
     * JWK set at {@code jwksUrl}, else from its OIDC discovery document), the audience they must
     * name, the algorithms they may be signed with, the claims carrying tenant and roles, the clock
     * skew allowed on {@code exp}/{@code nbf}, how soon the keys may be fetched again for an
     * unknown key id, the client the CLI gets its tokens as (client credentials grant), and the
     * access policy file (empty: the bundled one).
     */
    public record SecuritySettings(boolean enabled, String issuer, String jwksUrl, String audience, List<String> algorithms,
                                   String tenantClaim, String rolesClaim, Duration clockSkew, Duration jwksMinRefresh,
                                   String clientId, String clientSecret, String token, int devIdpPort, String rbacPolicy,
                                   Map<String, String> kafkaClient, Map<String, String> registryClient) {
        public SecuritySettings {
            algorithms = List.copyOf(algorithms);
            kafkaClient = Map.copyOf(kafkaClient);
            registryClient = Map.copyOf(registryClient);
        }

        /** Without the secrets: the client secret, the token and the Kafka and registry client settings' values. */
        @Override
        public String toString() {
            return "SecuritySettings[enabled=" + enabled + ", issuer=" + issuer + ", audience=" + audience + ", algorithms=" + algorithms
                    + ", clientId=" + clientId + ", kafkaClient=" + kafkaClient.keySet() + ", registryClient=" + registryClient.keySet() + "]";
        }

        /** The Kafka client settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) every client takes. */
        public Map<String, Object> kafkaClientProperties() {
            return Map.copyOf(kafkaClient);
        }

        /** The access policy file, or null for the bundled one. */
        public java.nio.file.Path rbacPolicyFile() {
            return rbacPolicy.isBlank() ? null : java.nio.file.Path.of(rbacPolicy);
        }

        /** The issuer's token endpoint, as the embedded IdP and most OIDC issuers place it. */
        public String tokenUrl() {
            return issuer.replaceAll("/+$", "") + "/token";
        }
    }

    public static final String SECURITY_ENABLED = "security.enabled";
    public static final String SECURITY_ISSUER = "security.issuer";
    public static final String SECURITY_JWKS_URL = "security.jwks.url";
    public static final String SECURITY_AUDIENCE = "security.audience";
    public static final String SECURITY_ALGORITHMS = "security.algorithms";
    public static final String SECURITY_TENANT_CLAIM = "security.tenant.claim";
    public static final String SECURITY_ROLES_CLAIM = "security.roles.claim";
    public static final String SECURITY_CLOCK_SKEW_S = "security.clock.skew.s";
    public static final String SECURITY_JWKS_MIN_REFRESH_MS = "security.jwks.min.refresh.ms";
    public static final String SECURITY_CLIENT_ID = "security.client.id";
    public static final String SECURITY_CLIENT_SECRET = "security.client.secret";
    public static final String SECURITY_TOKEN = "security.token";
    public static final String DEV_IDP_PORT = "dev.idp.port";
    public static final String SECURITY_RBAC_POLICY = "security.rbac.policy";
    /**
     * The Kafka client settings every producer, consumer, admin client and Streams app of Switchboard
     * takes, for a secured cluster: {@code kafka.<setting>} is Kafka's {@code <setting>}.
     */
    public static final List<String> KAFKA_CLIENT_SECURITY = List.of("security.protocol", "sasl.mechanism", "sasl.jaas.config",
            "sasl.login.callback.handler.class", "sasl.oauthbearer.token.endpoint.url", "ssl.truststore.location",
            "ssl.truststore.password", "ssl.truststore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
            "ssl.keystore.type", "ssl.endpoint.identification.algorithm");

    /** Algorithms a token may be signed with: asymmetric only, so that no public key can serve as an HMAC secret. */
    public static final List<String> TOKEN_ALGORITHMS = List.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256",
            "PS384", "PS512", "EdDSA");

    /**
     * The router's OpenAI-compatible HTTP API on {@code health.port}: the largest body it reads, how
     * long a request may take (its deadline), the topic its replies come back on, how far back a
     * starting edge reads that topic so that lookups of earlier requests still answer, the most
     * requests it keeps waiting at once, and the tenant of requests that name none.
     */
    public record EdgeSettings(boolean enabled, int maxBodyBytes, Duration requestTimeout, String replyTopic,
                               Duration lookback, int maxPending, String defaultTenant) {
    }

    /**
     * The agent runtime (tasks on {@code llm.tasks.agent}) in a workers process: whether it runs
     * there, the model calls one run may make, how long one model call may take, and the runs in
     * progress at once.
     */
    public record AgentSettings(boolean enabled, int maxSteps, Duration modelTimeout, int maxRuns) {
    }

    public static final String AGENT_ENABLED = "agent.enabled";
    public static final String AGENT_MAX_STEPS = "agent.max.steps";
    public static final String AGENT_MODEL_TIMEOUT_MS = "agent.model.timeout.ms";
    public static final String AGENT_MAX_RUNS = "agent.max.runs";

    public static final String EDGE_ENABLED = "edge.enabled";
    public static final String EDGE_MAX_BODY_BYTES = "edge.max.body.bytes";
    public static final String EDGE_REQUEST_TIMEOUT_MS = "edge.request.timeout.ms";
    public static final String EDGE_REPLY_TOPIC = "edge.reply.topic";
    public static final String EDGE_LOOKBACK_MS = "edge.lookback.ms";
    public static final String EDGE_MAX_PENDING = "edge.max.pending";
    public static final String EDGE_DEFAULT_TENANT = "edge.default.tenant";

    /**
     * The planner's analysis and prompt optimisation: the optional planning model (an
     * OpenAI-compatible endpoint, called with model {@code modelName}), the tools that exist and those each tenant may
     * not use, and the system-prompt variants per task type: those configured, and whether the planning
     * model may add more (refined from the best and worst, or built from its prompt improvements).
     */
    public record PlanningSettings(boolean modelEnabled, String modelBaseUrl, String modelApiKey, String modelName, Duration modelTimeout,
                                   int modelCacheSize, List<String> availableTools, Map<String, Set<String>> deniedTools,
                                   List<PromptVariant> promptVariants, boolean refinement, Improvements improvements) {
        public PlanningSettings {
            availableTools = List.copyOf(availableTools);
            deniedTools = Map.copyOf(deniedTools);
            promptVariants = List.copyOf(promptVariants);
        }

        public List<PromptVariant> variantsFor(String taskType) {
            return promptVariants.stream().filter(v -> v.taskType().equals(taskType) || v.taskType().equals("*")).toList();
        }
    }

    /** A system prompt the planner may give requests of {@code taskType} ({@code *}: any). */
    public record PromptVariant(String id, String taskType, String systemPrompt) {
    }

    /**
     * Prompt improvements the planning model suggests becoming variants: one suggested for at least
     * {@code minPrompts} distinct prompts of a task type becomes a variant of it, while the task type
     * has fewer than {@code maxVariantsPerTask}.
     */
    public record Improvements(boolean enabled, int minPrompts, int maxVariantsPerTask) {
    }

    public static final String PLANNING_MODEL_ENABLED = "planner.model.enabled";
    public static final String PLANNING_MODEL_BASE_URL = "planner.model.base.url";
    public static final String PLANNING_MODEL_API_KEY = "planner.model.api.key";
    public static final String PLANNING_MODEL_NAME = "planner.model.name";
    public static final String PLANNING_MODEL_TIMEOUT_MS = "planner.model.timeout.ms";
    public static final String PLANNING_MODEL_CACHE_SIZE = "planner.model.cache.size";
    public static final String TOOLS_AVAILABLE = "tools.available";
    public static final String TOOLS_DENIED = "tools.denied";
    public static final String PROMPT_VARIANTS = "prompts.variants";
    public static final String PROMPT_REFINEMENT = "prompts.refinement.enabled";
    public static final String PROMPT_IMPROVEMENTS = "prompts.improvements.enabled";
    public static final String PROMPT_IMPROVEMENTS_MIN_PROMPTS = "prompts.improvements.min.prompts";
    public static final String PROMPT_MAX_VARIANTS = "prompts.max.variants.per.task";

    /**
     * How the learning planner ranks: the weights of strategy {@code weighted}, the strategy each
     * listed tenant uses instead of planner.strategy, strategy {@code target}'s targets, the quality
     * model's ridge and noise, how far back a starting planner replays the log to rebuild what it had
     * learnt, and the quality prior it starts from ({@code builtin}, {@code none} or a file; its
     * precision, 0 for the prior's own).
     */
    public record RoutingSettings(double qualityWeight, double costWeight, double latencyWeight,
                                  Map<String, RoutingStrategy> tenantStrategies, double ridge, double noise, long seed,
                                  Map<String, Double> dailyBudgetsUsd, Map<String, OverBudgetPolicy> overBudgetPolicies,
                                  Duration replay, RoutingTarget target, Map<String, RoutingTarget> tenantTargets,
                                  Duration checkpointInterval, Duration checkpointPlansLookback, String prior,
                                  double priorPrecision) {
        public RoutingSettings {
            tenantStrategies = Map.copyOf(tenantStrategies);
            dailyBudgetsUsd = Map.copyOf(dailyBudgetsUsd);
            overBudgetPolicies = Map.copyOf(overBudgetPolicies);
            tenantTargets = Map.copyOf(tenantTargets);
        }

        /** The target strategy {@code target} holds for a tenant: its own, else the planner's. */
        public RoutingTarget targetFor(String tenantId) {
            return tenantTargets.getOrDefault(tenantId, target);
        }

        /** What a tenant over its budget gets: {@code reject} (a FAILED reply, BUDGET_EXCEEDED) unless it is listed. */
        public OverBudgetPolicy overBudgetPolicy(String tenantId) {
            return overBudgetPolicies.getOrDefault(tenantId, OverBudgetPolicy.REJECT);
        }

        /** True when the planner or any tenant ranks with the learned quality model (a tenant target makes it {@code target}). */
        public boolean learnsWith(RoutingStrategy plannerStrategy) {
            return plannerStrategy.learned() || !tenantTargets.isEmpty()
                    || tenantStrategies.values().stream().anyMatch(RoutingStrategy::learned);
        }
    }

    /**
     * What strategy {@code target} holds on average: a share of the best eligible model's estimated
     * quality to keep as cheaply as possible ({@code costUsd} null), or a cost per request in USD to
     * stay within with the best quality it buys ({@code qualityShare} NaN).
     */
    public record RoutingTarget(double qualityShare, Double costUsd) {
        public static RoutingTarget quality(double share) {
            return new RoutingTarget(share, null);
        }

        public static RoutingTarget cost(double usd) {
            return new RoutingTarget(Double.NaN, usd);
        }

        public boolean isCost() {
            return costUsd != null;
        }

        @Override
        public String toString() {
            return isCost() ? "cost $" + plain(costUsd) + " a request" : "quality " + plain(qualityShare) + " of the best eligible model's";
        }

        private static String plain(double value) {
            return new java.math.BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString();
        }
    }

    public static final String BUDGETS_DAILY_USD = "budgets.daily.usd";
    public static final String BUDGETS_OVER_POLICY = "budgets.over.policy";


    public static final String ROUTING_WEIGHT_QUALITY = "planner.weighted.quality";
    public static final String ROUTING_WEIGHT_COST = "planner.weighted.cost";
    public static final String ROUTING_WEIGHT_LATENCY = "planner.weighted.latency";
    public static final String ROUTING_TENANT_STRATEGIES = "planner.tenant.strategies";
    public static final String ROUTING_TARGET_QUALITY = "planner.target.quality";
    public static final String ROUTING_TARGET_COST = "planner.target.cost";
    public static final String ROUTING_TENANT_TARGETS = "planner.tenant.targets";
    public static final String ROUTING_RIDGE = "planner.learning.ridge";
    public static final String ROUTING_NOISE = "planner.learning.noise";
    public static final String ROUTING_SEED = "planner.learning.seed";
    public static final String ROUTING_PRIOR = "planner.learning.prior";
    public static final String ROUTING_PRIOR_PRECISION = "planner.learning.prior.precision";
    public static final String ROUTING_REPLAY_HOURS = "planner.learning.replay.hours";
    public static final String CHECKPOINT_INTERVAL_MS = "planner.checkpoint.interval.ms";
    public static final String CHECKPOINT_PLANS_LOOKBACK_MS = "planner.checkpoint.plans.lookback.ms";


    /** Where analytics-streams writes, and how. */
    public record AnalyticsSettings(boolean enabled, boolean clickhouseEnabled, String clickhouseUrl, String clickhouseUser,
                                    String clickhousePassword, Duration windowGrace, int sinkBatchSize, Duration sinkFlush,
                                    Path stateDir, int devClickhousePort, int devClickhouseTcpPort) {
    }

    public static final String ANALYTICS_ENABLED = "analytics.enabled";
    public static final String CLICKHOUSE_ENABLED = "analytics.clickhouse.enabled";
    public static final String CLICKHOUSE_URL = "analytics.clickhouse.url";
    public static final String CLICKHOUSE_USER = "analytics.clickhouse.user";
    public static final String CLICKHOUSE_PASSWORD = "analytics.clickhouse.password";
    public static final String WINDOW_GRACE_MS = "analytics.window.grace.ms";
    public static final String SINK_BATCH_SIZE = "analytics.sink.batch.size";
    public static final String SINK_FLUSH_MS = "analytics.sink.flush.ms";
    public static final String STREAMS_STATE_DIR = "analytics.state.dir";
    public static final String DEV_CLICKHOUSE_PORT = "dev.clickhouse.port";
    public static final String DEV_CLICKHOUSE_TCP_PORT = "dev.clickhouse.tcp.port";

    /** How every provider's circuit breaker judges it. */
    public record CircuitSettings(float failureRateThreshold, int slidingWindow, int minimumCalls, Duration openFor,
                                  Duration permitWait, String contentFilteredPolicy) {
    }

    public static final String CIRCUIT_FAILURE_RATE = "workers.circuit.failure.rate.threshold";
    public static final String CIRCUIT_WINDOW = "workers.circuit.sliding.window";
    public static final String CIRCUIT_MINIMUM_CALLS = "workers.circuit.minimum.calls";
    public static final String CIRCUIT_OPEN_MS = "workers.circuit.open.ms";
    public static final String PERMIT_WAIT_MS = "workers.permit.wait.ms";
    public static final String CONTENT_FILTERED = "workers.content.filtered";
    public static final String HEALTH_PORT = "health.port";

    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String REGISTRY_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String TOPIC_PARTITIONS = "topics.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topics.replication.factor";
    public static final String PROVIDERS = "providers";
    public static final String PLANNER_RANKING = "planner.ranking";
    public static final String PLANNER_MAX_STEPS = "planner.max.steps";
    public static final String PLANNER_STRATEGY = "planner.strategy";
    public static final String WORKER_PROVIDERS = "workers.providers";
    public static final String WORKER_MAX_IN_FLIGHT = "workers.max.in.flight";
    public static final String DATA_DIR = "dev.data.dir";
    public static final String KAFKA_PORT = "dev.kafka.port";
    public static final String KAFKA_CONTROLLER_PORT = "dev.kafka.controller.port";
    public static final String REGISTRY_PORT = "dev.registry.port";
    public static final String SIMULATOR_PORT = "dev.simulator.port";
    public static final String SIMULATOR_SEED = "simulator.seed";
    public static final String SIMULATOR_PROVIDERS = "simulator.providers";
    public static final String DLQ_MAX_REPLAYS = "dlq.max.replays";
    public static final String AUTO_REPLAY_ENABLED = "dlq.auto.replay.enabled";
    public static final String AUTO_REPLAY_INTERVAL_MS = "dlq.auto.replay.interval.ms";
    public static final String AUTO_REPLAY_RATE = "dlq.auto.replay.rate";
    public static final String AUTO_REPLAY_MAX_PER_ROUND = "dlq.auto.replay.max.per.round";

    /**
     * Automatic replay of dead letters whose cause has cleared: a provider failure, after the provider
     * answered again. {@code enabled} runs it in the embedded stack; {@code switchboard run replayer}
     * runs it on its own.
     */
    public record AutoReplaySettings(boolean enabled, Duration interval, double ratePerSecond, int maxPerRound) {
    }

    private static final ConfigDef.Validator NON_BLANK = new ConfigDef.NonEmptyString();
    private static final ConfigDef.Validator NON_EMPTY_LIST = (name, value) -> {
        if (value instanceof List<?> list && list.isEmpty()) {
            throw new ConfigException(name, value, "must list at least one name");
        }
    };
    private static final ConfigDef.Validator RATE = Range.between(0.0, 1.0);
    private static final ConfigDef.Validator ERROR_MIX = (name, value) -> parseErrorMix(name, (String) value);

    public SwitchboardConfig {
        providers = List.copyOf(providers);
        plannerRanking = List.copyOf(plannerRanking);
        workerProviders = List.copyOf(workerProviders);
        simulatedProviders = List.copyOf(simulatedProviders);
    }

    /** The provider named {@code name}; an {@link IllegalArgumentException} naming the known ones if none. */
    public ProviderSpec provider(String name) {
        return providers.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown provider '" + name + "'; configured: "
                        + providers.stream().map(ProviderSpec::name).toList()));
    }

    public boolean hasProvider(String name) {
        return providers.stream().anyMatch(p -> p.name().equals(name));
    }

    /** This configuration with analytics writing to ClickHouse or not. */
    public SwitchboardConfig withClickHouse(boolean enabled) {
        AnalyticsSettings a = analytics;
        return new SwitchboardConfig(bootstrapServers, schemaRegistryUrl, topicPartitions, topicReplicationFactor, providers,
                plannerRanking, plannerMaxSteps, plannerStrategy, workerProviders, workerMaxInFlight, dataDir, kafkaPort,
                kafkaControllerPort, registryPort, simulatorPort, simulatorSeed, simulatedProviders, dlqMaxReplays,
                autoReplay, circuit, healthPort,
                new AnalyticsSettings(a.enabled(), enabled, a.clickhouseUrl(), a.clickhouseUser(), a.clickhousePassword(),
                        a.windowGrace(), a.sinkBatchSize(), a.sinkFlush(), a.stateDir(), a.devClickhousePort(),
                        a.devClickhouseTcpPort()), routing, planning, edge, security, agent, fingerprint);
    }

    /** A copy with other values for some keys, re-validated: for tests and the CLI's flags. */
    public static SwitchboardConfig withOverrides(Map<String, String> overrides) {
        return parse(ConfigLoader.defaults(), overrides);
    }

    static ConfigDef definition(List<String> providerNames, List<String> simulatedNames) {
        return definition(providerNames, simulatedNames, List.of(), Map.of());
    }

    /** @param models the further models each provider lists in provider.<name>.models */
    static ConfigDef definition(List<String> providerNames, List<String> simulatedNames, List<String> variantIds,
                                Map<String, List<String>> models) {
        ConfigDef def = new ConfigDef()
                .define(BOOTSTRAP_SERVERS, Type.STRING, "localhost:9092", NON_BLANK, Importance.HIGH,
                        "Kafka bootstrap servers.")
                .define(SCHEMA_REGISTRY_URL, Type.STRING, "http://localhost:8081", NON_BLANK, Importance.HIGH,
                        "Schema Registry base URL (Confluent REST API); several, comma-separated, are tried in turn when one cannot be reached.")
                .define(REGISTRY_USER_INFO, Type.PASSWORD, "", Importance.MEDIUM,
                        "HTTP basic authentication to the Schema Registry, as user:password (never logged).")
                .define("schema.registry.ssl.truststore.location", Type.STRING, "", Importance.MEDIUM,
                        "Trust store for a Schema Registry served over https.")
                .define("schema.registry.ssl.truststore.password", Type.PASSWORD, "", Importance.MEDIUM,
                        "Password of schema.registry.ssl.truststore.location.")
                .define("schema.registry.ssl.truststore.type", Type.STRING, "", Importance.LOW,
                        "Type of the registry's trust store (JKS, PKCS12); empty: the JVM's default.")
                .define(TOPIC_PARTITIONS, Type.INT, 3, Range.atLeast(1), Importance.MEDIUM,
                        "Partitions of the topics Switchboard creates.")
                .define(TOPIC_REPLICATION_FACTOR, Type.SHORT, (short) 1, Range.atLeast(1), Importance.MEDIUM,
                        "Replication factor of the topics Switchboard creates.")
                .define(PROVIDERS, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, NON_EMPTY_LIST, Importance.HIGH,
                        "Names of the providers requests can be routed to; each needs provider.<name>.base.url and .model.")
                .define(PLANNER_RANKING, Type.LIST, List.of(), Importance.MEDIUM,
                        "Static provider order for requests without preferredProviders; empty means the order of 'providers'.")
                .define(PLANNER_MAX_STEPS, Type.INT, 3, Range.atLeast(1), Importance.MEDIUM,
                        "Most providers a plan tries before the request fails.")
                .define(PLANNER_STRATEGY, Type.STRING, "target", ConfigDef.ValidString.in(RoutingStrategy.NAMES.toArray(String[]::new)),
                        Importance.MEDIUM,
                        "static: planner.ranking as given; score: planner.ranking ordered by the live llm.provider-scores; "
                                + "target, quality, cost, latency, balanced, weighted: every eligible provider ranked by a quality "
                                + "model learnt online from llm.feedback, traded against estimated cost and latency; target "
                                + "holds planner.target.quality (or planner.target.cost) on average.")
                .define(ROUTING_TARGET_QUALITY, Type.DOUBLE, 0.95, Range.between(1e-6, 1.0), Importance.MEDIUM,
                        "Strategy target: the share of the best eligible model's estimated quality to keep on average, "
                                + "as cheaply as possible (0 to 1].")
                .define(ROUTING_TARGET_COST, Type.DOUBLE, 0.0, Range.atLeast(0.0), Importance.MEDIUM,
                        "Strategy target: when > 0, the average cost per request in USD to stay within, with the best "
                                + "quality it buys, instead of planner.target.quality.")
                .define(ROUTING_TENANT_TARGETS, Type.LIST, List.of(), Importance.LOW,
                        "Per-tenant targets of strategy target, as tenant:quality=0.9 or tenant:cost=0.002,...; a tenant "
                                + "listed here is routed by strategy target unless planner.tenant.strategies names another.")
                .define(ROUTING_WEIGHT_QUALITY, Type.DOUBLE, 1.0, Range.atLeast(0.0), Importance.LOW,
                        "Strategy weighted: weight of expected quality (0..1).")
                .define(ROUTING_WEIGHT_COST, Type.DOUBLE, 0.05, Range.atLeast(0.0), Importance.LOW,
                        "Strategy weighted: quality points the dearest eligible provider must earn over a free one.")
                .define(ROUTING_WEIGHT_LATENCY, Type.DOUBLE, 0.0, Range.atLeast(0.0), Importance.LOW,
                        "Strategy weighted: quality points the slowest eligible provider must earn over an instant one.")
                .define(ROUTING_TENANT_STRATEGIES, Type.LIST, List.of(), Importance.LOW,
                        "Per-tenant strategies overriding planner.strategy, as tenant:strategy,...")
                .define(ROUTING_RIDGE, Type.DOUBLE, 3.0, Range.atLeast(1e-6), Importance.LOW,
                        "Prior precision of the learned quality model's weights: higher learns slower and explores less.")
                .define(ROUTING_NOISE, Type.DOUBLE, 0.2, Range.atLeast(0.0), Importance.LOW,
                        "Exploration: how widely quality is sampled around the learned estimate; 0 never explores.")
                .define(ROUTING_SEED, Type.LONG, 1L, Importance.LOW, "Seed of the planner's exploration.")
                .define(ROUTING_PRIOR, Type.STRING, "builtin", (name, value) -> {
                    String v = (String) value;
                    if (!v.equals("builtin") && !v.equals("none") && !java.nio.file.Files.isRegularFile(Path.of(v))) {
                        throw new ConfigException(name, value, "expected builtin, none or a quality prior file (bench prior writes one); "
                                + "no such file");
                    }
                }, Importance.LOW, "The quality prior learned routing starts from: builtin (trained on public routing data and "
                        + "shipped), none (every model at 0.5 until its feedback), or a file written by bench prior.")
                .define(ROUTING_PRIOR_PRECISION, Type.DOUBLE, 0.0, Range.atLeast(0.0), Importance.LOW,
                        "How firmly learned routing holds to the prior before feedback moves it; 0: the prior's own.")
                .define(ROUTING_REPLAY_HOURS, Type.INT, 24, Range.between(0, 24 * 365), Importance.LOW,
                        "How many hours of llm.plans, llm.attempts and llm.feedback a starting planner replays to rebuild "
                                + "its learned quality estimates and prompt-variant statistics; 0 starts from what comes next.")
                .define(CHECKPOINT_INTERVAL_MS, Type.LONG, 60_000L, Range.atLeast(0L), Importance.LOW,
                        "How often a planner that learnt something writes its learned state to llm.planner-state; a "
                                + "starting planner reads the latest checkpoint and the log after it instead of "
                                + "planner.learning.replay.hours of the log. 0: no checkpoints (and none read).")
                .define(CHECKPOINT_PLANS_LOOKBACK_MS, Type.LONG, 600_000L, Range.atLeast(0L), Importance.LOW,
                        "How long before a checkpoint a starting planner reads plans and attempts from, so that feedback "
                                + "after the checkpoint finds the plan it rates.")
                .define(BUDGETS_DAILY_USD, Type.LIST, List.of(), Importance.MEDIUM,
                        "Per-tenant spend limits per UTC day in USD, as tenant:usd,...; enforced by the planner from llm.attempts.")
                .define(BUDGETS_OVER_POLICY, Type.LIST, List.of(), Importance.MEDIUM,
                        "What a tenant over its daily budget gets, as tenant:reject|cheapest,... (default reject: "
                                + "a FAILED reply with BUDGET_EXCEEDED; cheapest: only the cheapest eligible provider).")
                .define(WORKER_PROVIDERS, Type.LIST, List.of(), Importance.MEDIUM,
                        "Providers this process runs worker pools for; empty means all.")
                .define(WORKER_MAX_IN_FLIGHT, Type.INT, 1024, Range.between(1, 100_000), Importance.MEDIUM,
                        "Most provider calls in flight per pool in one worker process (the adaptive limit moves "
                                + "below it); the pool takes a task from Kafka whenever a call ends.")
                .define(CIRCUIT_FAILURE_RATE, Type.DOUBLE, 50.0, Range.between(1.0, 100.0), Importance.MEDIUM,
                        "Failure rate in percent (timeouts, connection errors, 429, 5xx) that opens a provider's circuit.")
                .define(CIRCUIT_WINDOW, Type.INT, 20, Range.atLeast(1), Importance.LOW, "Calls the failure rate is taken over.")
                .define(CIRCUIT_MINIMUM_CALLS, Type.INT, 10, Range.atLeast(1), Importance.LOW,
                        "Calls needed before the failure rate can open a circuit.")
                .define(CIRCUIT_OPEN_MS, Type.LONG, 10_000L, Range.atLeast(1), Importance.MEDIUM,
                        "How long an open circuit stays open before trial calls are let through.")
                .define(PERMIT_WAIT_MS, Type.LONG, 1_000L, Range.atLeast(0), Importance.LOW,
                        "How long a call may wait for a rate-limit or concurrency permit before it fails over.")
                .define(CONTENT_FILTERED, Type.STRING, "fail", ConfigDef.ValidString.in("fail", "next"), Importance.MEDIUM,
                        "On a provider's content-policy refusal: fail the request, or try the next step of the plan.")
                .define(HEALTH_PORT, Type.INT, 8080, Range.between(0, 65535), Importance.MEDIUM,
                        "Port of /health/live and /health/ready, and of the router's OpenAI-compatible API (/v1/...); "
                                + "a service other than the router started when it is taken uses a free port and says which.")
                .define(EDGE_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                        "Whether the router serves the OpenAI-compatible API (/v1/chat/completions, ...) on health.port.")
                .define(EDGE_MAX_BODY_BYTES, Type.INT, 1_048_576, Range.atLeast(1024), Importance.MEDIUM,
                        "Largest request body the API reads; a larger one is answered 413.")
                .define(EDGE_REQUEST_TIMEOUT_MS, Type.LONG, 120_000L, Range.atLeast(1), Importance.MEDIUM,
                        "Deadline of a request made over HTTP; past it the pipeline stops trying and the API answers 504.")
                .define(EDGE_REPLY_TOPIC, Type.STRING, "llm.replies.edge", NON_BLANK, Importance.MEDIUM,
                        "Topic the API's requests are answered on; every API instance reads all of it.")
                .define(EDGE_LOOKBACK_MS, Type.LONG, 3_600_000L, Range.atLeast(0), Importance.LOW,
                        "How far back a starting API instance reads its reply topic, so GET /v1/requests/{id} and "
                                + "Idempotency-Key retries still find requests made before it started.")
                .define(AGENT_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                        "Whether a workers process runs agent requests (mode=agent, model switchboard/agent) from llm.tasks.agent.")
                .define(AGENT_MAX_STEPS, Type.INT, 8, Range.between(1, 100), Importance.MEDIUM,
                        "Model calls one agent run may make; a run with no answer by then fails.")
                .define(AGENT_MODEL_TIMEOUT_MS, Type.LONG, 120_000L, Range.atLeast(1), Importance.LOW,
                        "How long one model call of an agent (through the pipeline) may take.")
                .define(AGENT_MAX_RUNS, Type.INT, 256, Range.between(1, 100_000), Importance.LOW,
                        "Agent runs one workers process has in progress at once.")
                .define(EDGE_MAX_PENDING, Type.INT, 20_000, Range.atLeast(1), Importance.MEDIUM,
                        "Most requests one API instance waits on at once; past it, 429 with Retry-After.")
                .define(EDGE_DEFAULT_TENANT, Type.STRING, "default", NON_BLANK, Importance.LOW,
                        "Tenant of a request that sends no x-switchboard-tenant header (only when security.enabled=false).")
                .define(SECURITY_ENABLED, Type.BOOLEAN, true, Importance.HIGH,
                        "Whether every HTTP endpoint but /health/live requires a bearer token from security.issuer; "
                                + "false trusts the x-switchboard-tenant header, for closed networks only.")
                .define(SECURITY_ISSUER, Type.STRING, "http://localhost:8090/switchboard", NON_BLANK, Importance.HIGH,
                        "The OAuth2 / OIDC issuer whose tokens are accepted (their iss claim); the dev stack runs one here.")
                .define(SECURITY_JWKS_URL, Type.STRING, "", Importance.MEDIUM,
                        "The issuer's JWK set; empty reads jwks_uri from the issuer's /.well-known/openid-configuration.")
                .define(SECURITY_AUDIENCE, Type.STRING, "switchboard", NON_BLANK, Importance.HIGH,
                        "The audience (aud claim) a token must name.")
                .define(SECURITY_ALGORITHMS, Type.LIST, List.of("RS256", "ES256"), (name, value) -> {
                            List<?> algs = (List<?>) value;
                            if (algs.isEmpty() || !TOKEN_ALGORITHMS.containsAll(algs)) {
                                throw new ConfigException(name, value, "must list algorithms among " + TOKEN_ALGORITHMS
                                        + " (never none or HS*)");
                            }
                        }, Importance.MEDIUM, "Algorithms a token may be signed with.")
                .define(SECURITY_TENANT_CLAIM, Type.STRING, "tenant", NON_BLANK, Importance.MEDIUM,
                        "The claim naming the tenant a token acts in; a token without it is refused.")
                .define(SECURITY_ROLES_CLAIM, Type.STRING, "roles", NON_BLANK, Importance.MEDIUM,
                        "The claim listing a token's roles (a JSON array, or a string separated by spaces or commas).")
                .define(SECURITY_CLOCK_SKEW_S, Type.INT, 30, Range.between(0, 300), Importance.LOW,
                        "Seconds of clock difference allowed on a token's exp and nbf.")
                .define(SECURITY_JWKS_MIN_REFRESH_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.LOW,
                        "Least time between two fetches of the issuer's keys for tokens naming an unknown key id.")
                .define(SECURITY_CLIENT_ID, Type.STRING, "switchboard-cli", NON_BLANK, Importance.MEDIUM,
                        "The OAuth2 client the CLI gets its tokens as (client credentials grant at <security.issuer>/token).")
                .define(SECURITY_CLIENT_SECRET, Type.PASSWORD, "dev", Importance.MEDIUM,
                        "The secret of security.client.id.")
                .define(SECURITY_TOKEN, Type.PASSWORD, "", Importance.MEDIUM,
                        "A bearer token the CLI sends as it is instead of getting one from the issuer.")
                .define(SECURITY_RBAC_POLICY, Type.STRING, "", Importance.MEDIUM,
                        "The access policy (jcasbin CSV, as deploy/rbac/policy.csv), read again when it changes; "
                                + "empty: the bundled deploy/rbac/policy.csv.")
                .define("kafka.security.protocol", Type.STRING, "PLAINTEXT",
                        ConfigDef.ValidString.in("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"), Importance.HIGH,
                        "How Switchboard's Kafka clients connect: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.")
                .define("kafka.sasl.mechanism", Type.STRING, "", Importance.MEDIUM,
                        "SASL mechanism of the Kafka clients: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER.")
                .define("kafka.sasl.jaas.config", Type.PASSWORD, "", Importance.MEDIUM,
                        "JAAS login of the Kafka clients (its secrets are never logged).")
                .define("kafka.sasl.login.callback.handler.class", Type.STRING, "", Importance.LOW,
                        "SASL login callback handler, e.g. Kafka's OAUTHBEARER handler for an OAuth2 token endpoint.")
                .define("kafka.sasl.oauthbearer.token.endpoint.url", Type.STRING, "", Importance.LOW,
                        "The OAuth2 token endpoint the OAUTHBEARER login gets the clients' tokens from.")
                .define("kafka.ssl.truststore.location", Type.STRING, "", Importance.MEDIUM, "Trust store of the Kafka clients.")
                .define("kafka.ssl.truststore.password", Type.PASSWORD, "", Importance.MEDIUM, "Password of kafka.ssl.truststore.location.")
                .define("kafka.ssl.truststore.type", Type.STRING, "", Importance.LOW, "Type of the trust store (JKS, PKCS12, PEM).")
                .define("kafka.ssl.keystore.location", Type.STRING, "", Importance.MEDIUM, "Key store of the Kafka clients (mutual TLS).")
                .define("kafka.ssl.keystore.password", Type.PASSWORD, "", Importance.MEDIUM, "Password of kafka.ssl.keystore.location.")
                .define("kafka.ssl.key.password", Type.PASSWORD, "", Importance.MEDIUM, "Password of the key in the key store.")
                .define("kafka.ssl.keystore.type", Type.STRING, "", Importance.LOW, "Type of the key store (JKS, PKCS12, PEM).")
                .define("kafka.ssl.endpoint.identification.algorithm", Type.STRING, "https", Importance.LOW,
                        "Host name verification of the brokers' certificates; empty turns it off.")
                .define(DEV_IDP_PORT, Type.INT, 8090, Range.between(0, 65535), Importance.LOW,
                        "Port of the dev stack's OAuth2 / OIDC issuer (mock-oauth2-server).")
                .define(ANALYTICS_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                        "Whether the dev stack runs analytics (scoring and the ClickHouse sink).")
                .define(CLICKHOUSE_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                        "Whether analytics writes to ClickHouse; scoring runs either way.")
                .define(CLICKHOUSE_URL, Type.STRING, "http://localhost:8123", NON_BLANK, Importance.MEDIUM,
                        "ClickHouse HTTP endpoint.")
                .define(CLICKHOUSE_USER, Type.STRING, "default", NON_BLANK, Importance.LOW, "ClickHouse user.")
                .define(CLICKHOUSE_PASSWORD, Type.PASSWORD, "", Importance.LOW, "ClickHouse password.")
                .define(WINDOW_GRACE_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.MEDIUM,
                        "How late an attempt or feedback may arrive and still count in its 1-minute window.")
                .define(SINK_BATCH_SIZE, Type.INT, 500, Range.atLeast(1), Importance.LOW, "Rows per ClickHouse insert at most.")
                .define(SINK_FLUSH_MS, Type.LONG, 1_000L, Range.atLeast(10), Importance.LOW,
                        "Longest a row waits for its batch before it is written.")
                .define(STREAMS_STATE_DIR, Type.STRING, "", Importance.LOW,
                        "Kafka Streams state folder of the scoring app; empty: <dev.data.dir>/streams.")
                .define(DEV_CLICKHOUSE_PORT, Type.INT, 8123, Range.between(0, 65535), Importance.LOW,
                        "HTTP port of the ClickHouse the dev stack starts.")
                .define(DEV_CLICKHOUSE_TCP_PORT, Type.INT, 9400, Range.between(0, 65535), Importance.LOW,
                        "Native port of the ClickHouse the dev stack starts.")
                .define(DATA_DIR, Type.STRING, ".switchboard", NON_BLANK, Importance.MEDIUM,
                        "Where the embedded stack keeps its data (broker log, registry state survive restarts).")
                .define(KAFKA_PORT, Type.INT, 9092, Range.between(0, 65535), Importance.LOW, "Embedded broker port.")
                .define(KAFKA_CONTROLLER_PORT, Type.INT, 9093, Range.between(0, 65535), Importance.LOW,
                        "Embedded KRaft controller port.")
                .define(REGISTRY_PORT, Type.INT, 8081, Range.between(0, 65535), Importance.LOW,
                        "Embedded Schema Registry port.")
                .define(SIMULATOR_PORT, Type.INT, 8089, Range.between(0, 65535), Importance.LOW,
                        "Provider simulator port.")
                .define(SIMULATOR_SEED, Type.LONG, 42L, Importance.LOW, "Seed of the provider simulator's randomness.")
                .define(DLQ_MAX_REPLAYS, Type.INT, 3, Range.atLeast(1), Importance.MEDIUM,
                        "How often one request may be replayed from llm.dlq before its dead letter is parked instead.")
                .define(AUTO_REPLAY_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Replay dead letters of provider failures automatically once the provider answers again (embedded "
                                + "stack; elsewhere run 'switchboard run replayer', one per cluster). Rate-limited and audited.")
                .define(AUTO_REPLAY_INTERVAL_MS, Type.LONG, 30_000L, Range.atLeast(100L), Importance.LOW,
                        "How often the automatic replay looks for dead letters whose cause has cleared.")
                .define(AUTO_REPLAY_RATE, Type.DOUBLE, 10.0, Range.atLeast(0.001), Importance.LOW,
                        "Dead letters the automatic replay publishes a second, at most.")
                .define(AUTO_REPLAY_MAX_PER_ROUND, Type.INT, 100, Range.atLeast(1), Importance.LOW,
                        "Dead letters the automatic replay publishes in one round, at most; the rest wait for the next.")
                .define(SIMULATOR_PROVIDERS, Type.LIST, List.of(), Importance.LOW,
                        "Providers the simulator serves at /<name>/v1; each takes simulator.<name>.* settings.");
        for (String name : providerNames) {
            String p = "provider." + name + ".";
            def.define(p + "base.url", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, NON_BLANK, Importance.HIGH,
                            "Base URL of " + name + "'s OpenAI-compatible API (ends in /v1).")
                    .define(p + "model", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, NON_BLANK, Importance.HIGH,
                            "Model " + name + " is called with.")
                    .define(p + "api.key", Type.PASSWORD, "none", Importance.HIGH, "API key for " + name + ".")
                    .define(p + "api.key.file", Type.STRING, "", Importance.HIGH,
                            "A file holding the API key for " + name + " (a mounted secret); it wins over " + p + "api.key.")
                    .define(p + "input.price.per.mtok", Type.DOUBLE, 0.0, Range.atLeast(0.0), Importance.MEDIUM,
                            "USD per million input tokens.")
                    .define(p + "output.price.per.mtok", Type.DOUBLE, 0.0, Range.atLeast(0.0), Importance.MEDIUM,
                            "USD per million output tokens.")
                    .define(p + "timeout.ms", Type.LONG, 20_000L, Range.atLeast(1), Importance.MEDIUM,
                            "Timeout of one call to " + name + ".")
                    .define(p + "requests.per.minute", Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                            "Most calls a worker process makes to " + name + " a minute; 0: no limit.")
                    .define(p + "tokens.per.minute", Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                            "Most estimated prompt tokens a worker process sends to " + name + " a minute; 0: no limit.")
                    .define(p + "max.concurrent", Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                            "Most calls in flight to " + name + " from one worker process; 0: workers.max.in.flight.")
                    .define(p + "context.window", Type.INT, ProviderSpec.DEFAULT_CONTEXT_WINDOW, Range.atLeast(1), Importance.MEDIUM,
                            "Tokens " + name + "'s model reads and writes in one call; longer prompts are not planned there.")
                    .define(p + "capabilities", Type.LIST, List.of(), ConfigDef.ValidList.in("tools", "json"), Importance.MEDIUM,
                            "What " + name + "'s model supports: tools (function calling), json (JSON mode).")
                    .define(p + "attributes", Type.LIST, List.of(), Importance.LOW,
                            "Facts about " + name + " for policies, as key:value,... (for example region:eu,zdr:true).")
                    .define(p + "models", Type.LIST, List.of(), Importance.MEDIUM,
                            "Further models " + name + " serves, besides .model; each takes " + p + "model.<m>.input.price.per.mtok, "
                                    + ".output.price.per.mtok, .context.window and .capabilities (default: the provider's).");
            for (String m : models.getOrDefault(name, List.of())) {
                String mp = p + "model." + m + ".";
                def.define(mp + "input.price.per.mtok", Type.DOUBLE, null, Importance.MEDIUM, "USD per million input tokens of " + m + ".")
                        .define(mp + "output.price.per.mtok", Type.DOUBLE, null, Importance.MEDIUM, "USD per million output tokens of " + m + ".")
                        .define(mp + "context.window", Type.INT, null, Importance.MEDIUM, "Context window of " + m + ", tokens.")
                        .define(mp + "capabilities", Type.LIST, null, Importance.MEDIUM, "Capabilities of " + m + ": tools, json.");
            }
        }
        def.define(PLANNING_MODEL_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Ask a planning model (through langchain4j, JSON output) for task type, required tools and prompt "
                                + "improvements; the heuristic analysis is used whenever it fails or is slow.")
                .define(PLANNING_MODEL_BASE_URL, Type.STRING, "", Importance.MEDIUM,
                        "OpenAI-compatible endpoint of the planning model (ends in /v1); empty: the first provider's.")
                .define(PLANNING_MODEL_API_KEY, Type.PASSWORD, "", Importance.MEDIUM,
                        "API key for the planning model's endpoint; empty: the first provider's.")
                .define(PLANNING_MODEL_NAME, Type.STRING, "o1", NON_BLANK, Importance.MEDIUM, "Model name of the planning model.")
                .define(PLANNING_MODEL_TIMEOUT_MS, Type.LONG, 2_000L, Range.atLeast(1), Importance.MEDIUM,
                        "Longest a request waits for the planning model before the heuristic analysis is used.")
                .define(PLANNING_MODEL_CACHE_SIZE, Type.INT, 10_000, Range.atLeast(0), Importance.LOW,
                        "Planning-model answers kept, by prompt; 0: none.")
                .define(TOOLS_AVAILABLE, Type.LIST, List.of("web_search", "calculator", "code_interpreter"), Importance.MEDIUM,
                        "Tools that exist for requests; a required tool not listed is a tool gap.")
                .define(TOOLS_DENIED, Type.LIST, List.of(), Importance.MEDIUM,
                        "Tools a tenant may not use, as tenant:tool,...; a required tool denied to the tenant is a tool gap.")
                .define(PROMPT_VARIANTS, Type.LIST, List.of(), Importance.MEDIUM,
                        "Ids of system-prompt variants; each takes prompts.variant.<id>.task (a task type, or *) and "
                                + "prompts.variant.<id>.system. The planner picks one per request by a bandit over feedback.")
                .define(PROMPT_REFINEMENT, Type.BOOLEAN, false, Importance.LOW,
                        "Let the planning model propose new variants from the best and worst performers.")
                .define(PROMPT_IMPROVEMENTS, Type.BOOLEAN, false, Importance.LOW,
                        "Turn the planning model's prompt improvements into variants that compete with the others (needs "
                                + PLANNING_MODEL_ENABLED + "=true). The text of a suggestion made for one tenant's prompts is "
                                + "then sent with every tenant's requests of that task type.")
                .define(PROMPT_IMPROVEMENTS_MIN_PROMPTS, Type.INT, 3, Range.atLeast(1), Importance.LOW,
                        "How many distinct prompts the planning model must suggest an improvement for before it becomes a variant.")
                .define(PROMPT_MAX_VARIANTS, Type.INT, 8, Range.atLeast(2), Importance.LOW,
                        "Most variants a task type gets from refinement and improvements (configured ones count too).");
        for (String id : variantIds) {
            String v = "prompts.variant." + id + ".";
            def.define(v + "task", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, NON_BLANK, Importance.MEDIUM,
                            "Task type variant " + id + " is for (as the analyser names them: code, math, ...), or * for any.")
                    .define(v + "system", Type.STRING, ConfigDef.NO_DEFAULT_VALUE, NON_BLANK, Importance.MEDIUM,
                            "The system prompt of variant " + id + ".");
        }
        for (String name : simulatedNames) {
            String s = "simulator." + name + ".";
            def.define(s + "model", Type.STRING, name + "-model", NON_BLANK, Importance.LOW,
                            "Model name the simulator reports for " + name + ".")
                    .define(s + "latency.p50.ms", Type.DOUBLE, 50.0, Range.atLeast(0.0), Importance.LOW,
                            "Median latency of " + name + ".")
                    .define(s + "latency.p99.ms", Type.DOUBLE, 200.0, Range.atLeast(0.0), Importance.LOW,
                            "99th percentile latency of " + name + ".")
                    .define(s + "error.rate", Type.DOUBLE, 0.0, RATE, Importance.LOW,
                            "Share of calls to " + name + " answered with an HTTP error.")
                    .define(s + "timeout.rate", Type.DOUBLE, 0.0, RATE, Importance.LOW,
                            "Share of calls to " + name + " that never answer in time.")
                    .define(s + "error.mix", Type.STRING, "500:0.5,503:0.3,429:0.2", ERROR_MIX, Importance.LOW,
                            "HTTP statuses of " + name + "'s errors with weights, as status:weight,...");
        }
        return def;
    }

    /** A provider's further models, each setting it leaves out taken from the provider's own. */
    private static List<ModelSpec> otherModels(Map<String, Object> v, String p) {
        List<ModelSpec> out = new ArrayList<>();
        for (String m : strings(v.get(p + "models"))) {
            String mp = p + "model." + m + ".";
            Object in = v.get(mp + "input.price.per.mtok");
            Object outPrice = v.get(mp + "output.price.per.mtok");
            Object window = v.get(mp + "context.window");
            Object caps = v.get(mp + "capabilities");
            List<String> capabilities = caps == null ? strings(v.get(p + "capabilities")) : strings(caps);
            for (String c : capabilities) {
                if (!c.equals("tools") && !c.equals("json")) {
                    throw new ConfigException(mp + "capabilities", c, "known capabilities: tools, json");
                }
            }
            out.add(new ModelSpec(m, in == null ? (Double) v.get(p + "input.price.per.mtok") : (Double) in,
                    outPrice == null ? (Double) v.get(p + "output.price.per.mtok") : (Double) outPrice,
                    window == null ? (Integer) v.get(p + "context.window") : (Integer) window, new java.util.LinkedHashSet<>(capabilities)));
        }
        return out;
    }

    /** The further models each provider lists, from the raw settings. */
    private static Map<String, List<String>> models(Map<String, String> raw, List<String> providers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String p : providers) {
            out.put(p, names(raw.get("provider." + p + ".models")));
        }
        return out;
    }

    /** One {@code left:right} entry of a list setting, as written and split at its first colon. */
    /**
     * A target written {@code quality=Q} (Q in (0, 1]) or {@code cost=USD} (USD > 0).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static RoutingTarget routingTarget(String text) {
        int eq = text.indexOf('=');
        String kind = eq < 0 ? "" : text.substring(0, eq).trim();
        double value;
        try {
            value = eq < 0 ? Double.NaN : Double.parseDouble(text.substring(eq + 1).trim());
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if ("quality".equals(kind) && value > 0 && value <= 1) {
            return RoutingTarget.quality(value);
        }
        if ("cost".equals(kind) && value > 0 && Double.isFinite(value)) {
            return RoutingTarget.cost(value);
        }
        throw new IllegalArgumentException("'" + text + "' is not quality=Q with Q in (0, 1] nor cost=USD with USD > 0");
    }

    private record Pair(String entry, String left, String right) {
    }

    /** The entries of a list setting split at their first colon; an entry without one, or starting with one, is an error. */
    private static List<Pair> pairs(String key, List<String> entries, String expected) {
        List<Pair> out = new ArrayList<>(entries.size());
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException(key, entry, "expected " + expected);
            }
            out.add(new Pair(entry, entry.substring(0, colon).trim(), entry.substring(colon + 1).trim()));
        }
        return out;
    }

    private static Map<String, String> keyValues(String key, List<String> entries) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Pair pair : pairs(key, entries, "key:value")) {
            out.put(pair.left(), pair.right());
        }
        return out;
    }

    /** Every key the definition derived from {@code raw} knows; used to match environment variables. */
    static Set<String> knownKeys(Map<String, String> raw) {
        List<String> providers = names(raw.get(PROVIDERS));
        return definition(providers, names(raw.get(SIMULATOR_PROVIDERS)), names(raw.get(PROMPT_VARIANTS)), models(raw, providers)).names();
    }

    /**
     * Validates {@code defaults} overlaid by {@code settings}. A key of the settings that nothing
     * defines is an error; a default that nothing defines any more (a bundled provider the settings
     * no longer list) is dropped.
     */
    static SwitchboardConfig parse(Map<String, String> defaults, Map<String, String> settings) {
        Map<String, String> raw = new LinkedHashMap<>(defaults);
        raw.putAll(settings);
        List<String> providerNames = names(raw.get(PROVIDERS));
        List<String> simulatedNames = names(raw.get(SIMULATOR_PROVIDERS));
        List<String> variantIds = names(raw.get(PROMPT_VARIANTS));
        ConfigDef def = definition(providerNames, simulatedNames, variantIds, models(raw, providerNames));
        raw.keySet().removeIf(key -> !def.names().contains(key) && !settings.containsKey(key));
        Set<String> unknown = new TreeSet<>(settings.keySet());
        unknown.removeAll(def.names());
        if (!unknown.isEmpty()) {
            String key = unknown.iterator().next();
            String hint = key.startsWith("provider.") ? " (is the provider listed in '" + PROVIDERS + "'?)"
                    : key.startsWith("simulator.") ? " (is it listed in '" + SIMULATOR_PROVIDERS + "'?)"
                    : key.startsWith("prompts.variant.") ? " (is the variant listed in '" + PROMPT_VARIANTS + "'?)" : "";
            throw new ConfigException("Unknown configuration key '" + key + "'" + hint);
        }
        Map<String, Object> v = def.parse(raw);

        List<ProviderSpec> providers = new ArrayList<>();
        for (String name : providerNames) {
            String p = "provider." + name + ".";
            providers.add(new ProviderSpec(name, (String) v.get(p + "base.url"), (String) v.get(p + "model"),
                    apiKey(p, v),
                    (Double) v.get(p + "input.price.per.mtok"), (Double) v.get(p + "output.price.per.mtok"),
                    Duration.ofMillis((Long) v.get(p + "timeout.ms")), (Integer) v.get(p + "requests.per.minute"),
                    (Integer) v.get(p + "tokens.per.minute"), (Integer) v.get(p + "max.concurrent"),
                    (Integer) v.get(p + "context.window"), new java.util.LinkedHashSet<>(strings(v.get(p + "capabilities"))),
                    keyValues(p + "attributes", strings(v.get(p + "attributes"))), otherModels(v, p)));
        }
        List<String> ranking = strings(v.get(PLANNER_RANKING));
        checkSubset(PLANNER_RANKING, ranking, providerNames);
        Map<String, RoutingStrategy> tenantStrategies = new LinkedHashMap<>();
        String tenantStrategy = "tenant:strategy with strategy one of " + RoutingStrategy.NAMES;
        for (Pair pair : pairs(ROUTING_TENANT_STRATEGIES, strings(v.get(ROUTING_TENANT_STRATEGIES)), tenantStrategy)) {
            tenantStrategies.put(pair.left(), RoutingStrategy.of(pair.right())
                    .orElseThrow(() -> new ConfigException(ROUTING_TENANT_STRATEGIES, pair.entry(), "expected " + tenantStrategy)));
        }
        double targetCost = (Double) v.get(ROUTING_TARGET_COST);
        RoutingTarget target = targetCost > 0 ? RoutingTarget.cost(targetCost) : RoutingTarget.quality((Double) v.get(ROUTING_TARGET_QUALITY));
        Map<String, RoutingTarget> tenantTargets = new LinkedHashMap<>();
        String tenantTarget = "tenant:quality=Q with Q in (0, 1], or tenant:cost=USD with USD > 0";
        for (Pair pair : pairs(ROUTING_TENANT_TARGETS, strings(v.get(ROUTING_TENANT_TARGETS)), tenantTarget)) {
            try {
                tenantTargets.put(pair.left(), routingTarget(pair.right()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(ROUTING_TENANT_TARGETS, pair.entry(), "expected " + tenantTarget);
            }
        }
        Map<String, Double> budgets = new LinkedHashMap<>();
        keyValues(BUDGETS_DAILY_USD, strings(v.get(BUDGETS_DAILY_USD))).forEach((tenant, usd) -> {
            try {
                double limit = Double.parseDouble(usd);
                if (!(limit >= 0)) {
                    throw new NumberFormatException();
                }
                budgets.put(tenant, limit);
            } catch (NumberFormatException e) {
                throw new ConfigException(BUDGETS_DAILY_USD, tenant + ":" + usd, "the limit must be a number of USD >= 0");
            }
        });
        Map<String, OverBudgetPolicy> overBudget = new LinkedHashMap<>();
        keyValues(BUDGETS_OVER_POLICY, strings(v.get(BUDGETS_OVER_POLICY))).forEach((tenant, policy) -> {
            try {
                overBudget.put(tenant, OverBudgetPolicy.parse(policy));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(BUDGETS_OVER_POLICY, tenant + ":" + policy, e.getMessage());
            }
        });
        String modelUrl = (String) v.get(PLANNING_MODEL_BASE_URL);
        String modelKey = ((org.apache.kafka.common.config.types.Password) v.get(PLANNING_MODEL_API_KEY)).value();
        Map<String, Set<String>> denied = new LinkedHashMap<>();
        for (Pair pair : pairs(TOOLS_DENIED, strings(v.get(TOOLS_DENIED)), "tenant:tool")) {
            if (pair.entry().indexOf(':') == pair.entry().length() - 1) {
                throw new ConfigException(TOOLS_DENIED, pair.entry(), "expected tenant:tool");
            }
            denied.computeIfAbsent(pair.left(), k -> new TreeSet<>()).add(pair.right());
        }
        List<PromptVariant> variants = new ArrayList<>();
        for (String id : variantIds) {
            variants.add(new PromptVariant(id, (String) v.get("prompts.variant." + id + ".task"),
                    (String) v.get("prompts.variant." + id + ".system")));
        }
        PlanningSettings planning = new PlanningSettings((Boolean) v.get(PLANNING_MODEL_ENABLED),
                modelUrl.isBlank() ? providers.getFirst().baseUrl() : modelUrl,
                modelKey.isBlank() ? providers.getFirst().apiKey() : modelKey, (String) v.get(PLANNING_MODEL_NAME),
                Duration.ofMillis((Long) v.get(PLANNING_MODEL_TIMEOUT_MS)), (Integer) v.get(PLANNING_MODEL_CACHE_SIZE),
                strings(v.get(TOOLS_AVAILABLE)), denied, variants, (Boolean) v.get(PROMPT_REFINEMENT),
                new Improvements((Boolean) v.get(PROMPT_IMPROVEMENTS), (Integer) v.get(PROMPT_IMPROVEMENTS_MIN_PROMPTS),
                        (Integer) v.get(PROMPT_MAX_VARIANTS)));
        if (planning.improvements().enabled() && !planning.modelEnabled()) {
            throw new ConfigException(PROMPT_IMPROVEMENTS, true, "prompt improvements come from the planning model: set "
                    + PLANNING_MODEL_ENABLED + "=true too");
        }
        List<String> workerProviders = strings(v.get(WORKER_PROVIDERS));
        checkSubset(WORKER_PROVIDERS, workerProviders, providerNames);

        List<SimulatedProviderSpec> simulated = new ArrayList<>();
        for (String name : simulatedNames) {
            String s = "simulator." + name + ".";
            double p50 = (Double) v.get(s + "latency.p50.ms");
            double p99 = (Double) v.get(s + "latency.p99.ms");
            if (p99 < p50) {
                throw new ConfigException(s + "latency.p99.ms", p99, "must be at least " + s + "latency.p50.ms (" + p50 + ")");
            }
            simulated.add(new SimulatedProviderSpec(name, (String) v.get(s + "model"), p50, p99,
                    (Double) v.get(s + "error.rate"), (Double) v.get(s + "timeout.rate"),
                    parseErrorMix(s + "error.mix", (String) v.get(s + "error.mix"))));
        }
        return new SwitchboardConfig(
                (String) v.get(BOOTSTRAP_SERVERS), (String) v.get(SCHEMA_REGISTRY_URL),
                (Integer) v.get(TOPIC_PARTITIONS), (Short) v.get(TOPIC_REPLICATION_FACTOR),
                providers, ranking.isEmpty() ? providerNames : ranking, (Integer) v.get(PLANNER_MAX_STEPS),
                RoutingStrategy.parse((String) v.get(PLANNER_STRATEGY), PLANNER_STRATEGY),
                workerProviders.isEmpty() ? providerNames : workerProviders,
                (Integer) v.get(WORKER_MAX_IN_FLIGHT),
                Path.of((String) v.get(DATA_DIR)), (Integer) v.get(KAFKA_PORT), (Integer) v.get(KAFKA_CONTROLLER_PORT),
                (Integer) v.get(REGISTRY_PORT), (Integer) v.get(SIMULATOR_PORT), (Long) v.get(SIMULATOR_SEED),
                simulated, (Integer) v.get(DLQ_MAX_REPLAYS),
                new AutoReplaySettings((Boolean) v.get(AUTO_REPLAY_ENABLED), Duration.ofMillis((Long) v.get(AUTO_REPLAY_INTERVAL_MS)),
                        (Double) v.get(AUTO_REPLAY_RATE), (Integer) v.get(AUTO_REPLAY_MAX_PER_ROUND)),
                new CircuitSettings(((Double) v.get(CIRCUIT_FAILURE_RATE)).floatValue(), (Integer) v.get(CIRCUIT_WINDOW),
                        (Integer) v.get(CIRCUIT_MINIMUM_CALLS), Duration.ofMillis((Long) v.get(CIRCUIT_OPEN_MS)),
                        Duration.ofMillis((Long) v.get(PERMIT_WAIT_MS)), (String) v.get(CONTENT_FILTERED)),
                (Integer) v.get(HEALTH_PORT),
                new AnalyticsSettings((Boolean) v.get(ANALYTICS_ENABLED), (Boolean) v.get(CLICKHOUSE_ENABLED), (String) v.get(CLICKHOUSE_URL),
                        (String) v.get(CLICKHOUSE_USER),
                        ((org.apache.kafka.common.config.types.Password) v.get(CLICKHOUSE_PASSWORD)).value(),
                        Duration.ofMillis((Long) v.get(WINDOW_GRACE_MS)), (Integer) v.get(SINK_BATCH_SIZE),
                        Duration.ofMillis((Long) v.get(SINK_FLUSH_MS)),
                        ((String) v.get(STREAMS_STATE_DIR)).isBlank() ? Path.of((String) v.get(DATA_DIR)).resolve("streams")
                                : Path.of((String) v.get(STREAMS_STATE_DIR)),
                        (Integer) v.get(DEV_CLICKHOUSE_PORT), (Integer) v.get(DEV_CLICKHOUSE_TCP_PORT)),
                new RoutingSettings((Double) v.get(ROUTING_WEIGHT_QUALITY), (Double) v.get(ROUTING_WEIGHT_COST),
                        (Double) v.get(ROUTING_WEIGHT_LATENCY), tenantStrategies, (Double) v.get(ROUTING_RIDGE),
                        (Double) v.get(ROUTING_NOISE), (Long) v.get(ROUTING_SEED), budgets, overBudget,
                        Duration.ofHours((Integer) v.get(ROUTING_REPLAY_HOURS)), target, tenantTargets,
                        Duration.ofMillis((Long) v.get(CHECKPOINT_INTERVAL_MS)),
                        Duration.ofMillis((Long) v.get(CHECKPOINT_PLANS_LOOKBACK_MS)), (String) v.get(ROUTING_PRIOR),
                        (Double) v.get(ROUTING_PRIOR_PRECISION)), planning,
                new EdgeSettings((Boolean) v.get(EDGE_ENABLED), (Integer) v.get(EDGE_MAX_BODY_BYTES),
                        Duration.ofMillis((Long) v.get(EDGE_REQUEST_TIMEOUT_MS)), (String) v.get(EDGE_REPLY_TOPIC),
                        Duration.ofMillis((Long) v.get(EDGE_LOOKBACK_MS)), (Integer) v.get(EDGE_MAX_PENDING),
                        (String) v.get(EDGE_DEFAULT_TENANT)),
                new SecuritySettings((Boolean) v.get(SECURITY_ENABLED), (String) v.get(SECURITY_ISSUER),
                        (String) v.get(SECURITY_JWKS_URL), (String) v.get(SECURITY_AUDIENCE),
                        strings(v.get(SECURITY_ALGORITHMS)), (String) v.get(SECURITY_TENANT_CLAIM),
                        (String) v.get(SECURITY_ROLES_CLAIM), Duration.ofSeconds((Integer) v.get(SECURITY_CLOCK_SKEW_S)),
                        Duration.ofMillis((Long) v.get(SECURITY_JWKS_MIN_REFRESH_MS)), (String) v.get(SECURITY_CLIENT_ID),
                        ((org.apache.kafka.common.config.types.Password) v.get(SECURITY_CLIENT_SECRET)).value(),
                        ((org.apache.kafka.common.config.types.Password) v.get(SECURITY_TOKEN)).value(),
                        (Integer) v.get(DEV_IDP_PORT), (String) v.get(SECURITY_RBAC_POLICY), kafkaClientSecurity(v),
                        registryClientSecurity(v)),
                new AgentSettings((Boolean) v.get(AGENT_ENABLED), (Integer) v.get(AGENT_MAX_STEPS),
                        Duration.ofMillis((Long) v.get(AGENT_MODEL_TIMEOUT_MS)), (Integer) v.get(AGENT_MAX_RUNS)),
                Fingerprint.of(def, defaults, raw));
    }

    /** A provider's API key: the contents of {@code <p>api.key.file} when set, else {@code <p>api.key}; never echoed. */
    private static String apiKey(String p, Map<String, Object> v) {
        String file = (String) v.get(p + "api.key.file");
        if (file == null || file.isBlank()) {
            return ((org.apache.kafka.common.config.types.Password) v.get(p + "api.key")).value();
        }
        try {
            String key = java.nio.file.Files.readString(Path.of(file)).strip();
            if (key.isEmpty()) {
                throw new ConfigException(p + "api.key.file", file, "the file is empty");
            }
            return key;
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new ConfigException(p + "api.key.file", file, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The Schema Registry client's security settings that were set, by Confluent's names, secrets revealed for the client. */
    private static Map<String, String> registryClientSecurity(Map<String, Object> v) {
        Map<String, String> settings = new LinkedHashMap<>();
        String userInfo = ((org.apache.kafka.common.config.types.Password) v.get(REGISTRY_USER_INFO)).value();
        if (!userInfo.isBlank()) {
            if (!userInfo.contains(":")) {
                throw new ConfigException(REGISTRY_USER_INFO, "[hidden]", "must be user:password");
            }
            settings.put("basic.auth.credentials.source", "USER_INFO");
            settings.put("basic.auth.user.info", userInfo);
        }
        for (String name : List.of("ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type")) {
            String text = text(v.get("schema.registry." + name));
            if (text != null && !text.isBlank()) {
                settings.put("schema.registry." + name, text);
            }
        }
        return settings;
    }

    /**
     * What a Schema Registry client of this configuration takes, by Confluent's names: the URLs
     * ({@code schema.registry.url}, comma-separated), basic authentication and the TLS trust store.
     */
    public Map<String, Object> schemaRegistryClientProperties() {
        Map<String, Object> props = new LinkedHashMap<>(security.registryClient());
        props.put(SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        return props;
    }

    /** A string or password setting's text, a password's revealed (for the clients that need it); null when unset. */
    private static String text(Object value) {
        return value instanceof org.apache.kafka.common.config.types.Password p ? p.value() : (String) value;
    }

    /** The Kafka client security settings that were set, by Kafka's names, secrets revealed for the clients. */
    private static Map<String, String> kafkaClientSecurity(Map<String, Object> v) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String name : KAFKA_CLIENT_SECURITY) {
            String text = text(v.get("kafka." + name));
            // An empty host name verification algorithm is a choice (none), not a missing setting.
            if (text != null && (!text.isBlank() || name.equals("ssl.endpoint.identification.algorithm"))) {
                settings.put(name, text);
            }
        }
        return settings;
    }

    /** Parses {@code 500:0.5,503:0.3,429:0.2}; a {@link ConfigException} naming {@code key} when malformed. */
    static Map<Integer, Double> parseErrorMix(String key, String value) {
        Map<Integer, Double> mix = new LinkedHashMap<>();
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, value, "must list at least one status:weight");
        }
        for (String part : value.split(",")) {
            String[] kv = part.trim().split(":");
            try {
                int status = Integer.parseInt(kv[0].trim());
                double weight = kv.length > 1 ? Double.parseDouble(kv[1].trim()) : 1.0;
                if (status < 400 || status > 599 || weight < 0 || kv.length > 2) {
                    throw new NumberFormatException();
                }
                mix.put(status, weight);
            } catch (NumberFormatException e) {
                throw new ConfigException(key, value, "entry '" + part.trim()
                        + "' is not status:weight with a 4xx/5xx status and a non-negative weight");
            }
        }
        return mix;
    }

    private static void checkSubset(String key, List<String> names, List<String> providers) {
        for (String name : names) {
            if (!providers.contains(name)) {
                throw new ConfigException(key, String.join(",", names),
                        "'" + name + "' is not one of the configured providers " + providers);
            }
        }
    }

    private static List<String> names(String list) {
        if (list == null || list.isBlank()) {
            return List.of();
        }
        return new ArrayList<>(new LinkedHashSet<>(List.of(list.trim().split("\\s*,\\s*"))));
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return (List<String>) value;
    }
}
