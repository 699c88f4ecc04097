package dev.switchboard.platform.config;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SwitchboardConfigTest {

    @Test
    void defaultsDescribeTheEmbeddedStackWithThreeSimulatedProviders() {
        SwitchboardConfig config = ConfigLoader.load(null, Map.of(), Map.of());

        assertThat(config.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(config.schemaRegistryUrl()).isEqualTo("http://localhost:8081");
        assertThat(config.providers()).extracting(ProviderSpec::name).containsExactly("sim-fast", "sim-strong", "sim-flaky");
        assertThat(config.provider("sim-fast").baseUrl()).isEqualTo("http://localhost:8089/sim-fast/v1");
        assertThat(config.provider("sim-fast").timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.plannerRanking()).containsExactly("sim-fast", "sim-strong", "sim-flaky");
        assertThat(config.plannerStrategy()).as("learned routing to a quality target by default").isEqualTo(dev.switchboard.platform.config.RoutingStrategy.TARGET);
        assertThat(config.routing().targetFor("any")).isEqualTo(SwitchboardConfig.RoutingTarget.quality(0.95));
        assertThat(config.workerProviders()).containsExactly("sim-fast", "sim-strong", "sim-flaky");
        assertThat(config.simulatedProviders()).extracting(SimulatedProviderSpec::name)
                .containsExactly("sim-fast", "sim-strong", "sim-flaky");
        assertThat(config.simulatedProviders().get(2).errorRate()).isEqualTo(0.30);
        assertThat(config.simulatedProviders().get(2).errorMix()).containsEntry(429, 0.3).containsEntry(500, 0.4);
    }

    @Test
    void kafkaClientSecuritySettingsReachEveryClientAndTheirSecretsAreNotPrinted() {
        SwitchboardConfig config = ConfigLoader.load(null, Map.of("SWITCHBOARD_KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"sb\" password=\"s3cret\";"),
                Map.of("kafka.security.protocol", "SASL_SSL", "kafka.sasl.mechanism", "PLAIN",
                        "kafka.ssl.truststore.location", "/etc/kafka/truststore.p12", "kafka.ssl.endpoint.identification.algorithm", ""));

        assertThat(config.security().kafkaClientProperties()).containsOnly(
                Map.entry("security.protocol", "SASL_SSL"), Map.entry("sasl.mechanism", "PLAIN"),
                Map.entry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"sb\" password=\"s3cret\";"),
                Map.entry("ssl.truststore.location", "/etc/kafka/truststore.p12"),
                Map.entry("ssl.endpoint.identification.algorithm", ""));
        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(new dev.switchboard.platform.kafka.KafkaClients("broker:9093", config.security().kafkaClientProperties()).security())
                .containsEntry("security.protocol", "SASL_SSL");
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).security().kafkaClientProperties())
                .containsOnly(Map.entry("security.protocol", "PLAINTEXT"), Map.entry("ssl.endpoint.identification.algorithm", "https"));
    }

    @Test
    void schemaRegistryUrlsCredentialsAndTrustStoreReachItsClientsAndTheSecretIsNotPrinted() {
        SwitchboardConfig config = ConfigLoader.load(null, Map.of("SWITCHBOARD_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "sb:s3cret"),
                Map.of("schema.registry.url", "https://registry-1:8081,https://registry-2:8081",
                        "schema.registry.ssl.truststore.location", "/etc/registry/truststore.p12"));

        assertThat(config.schemaRegistryClientProperties()).containsOnly(
                Map.entry("schema.registry.url", "https://registry-1:8081,https://registry-2:8081"),
                Map.entry("basic.auth.credentials.source", "USER_INFO"), Map.entry("basic.auth.user.info", "sb:s3cret"),
                Map.entry("schema.registry.ssl.truststore.location", "/etc/registry/truststore.p12"));
        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).schemaRegistryClientProperties())
                .containsOnly(Map.entry("schema.registry.url", "http://localhost:8081"));
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("schema.registry.basic.auth.user.info", "s3cret")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.basic.auth.user.info")
                .hasMessageContaining("must be user:password").hasMessageNotContaining("s3cret");
    }

    @Test
    void theFingerprintChangesWithAnySettingAndNamesTheChangedKeysButNoValue() {
        SwitchboardConfig defaults = ConfigLoader.load(null, Map.of(), Map.of());
        SwitchboardConfig strategy = ConfigLoader.load(null, Map.of(), Map.of("planner.strategy", "cost"));
        SwitchboardConfig secret = ConfigLoader.load(null, Map.of(), Map.of("planner.strategy", "cost",
                "provider.sim-fast.api.key", "sk-one"));
        SwitchboardConfig otherSecret = ConfigLoader.load(null, Map.of(), Map.of("planner.strategy", "cost",
                "provider.sim-fast.api.key", "sk-two"));

        assertThat(defaults.fingerprint().changedKeys()).isEmpty();
        assertThat(defaults.fingerprint().sha256()).isEqualTo(ConfigLoader.load(null, Map.of(), Map.of()).fingerprint().sha256())
                .hasSize(64);
        assertThat(strategy.fingerprint().changedKeys()).containsExactly("planner.strategy");
        assertThat(strategy.fingerprint().sha256()).isNotEqualTo(defaults.fingerprint().sha256());
        assertThat(secret.fingerprint().changedKeys()).containsExactly("planner.strategy", "provider.sim-fast.api.key");
        assertThat(secret.fingerprint().sha256()).isNotEqualTo(otherSecret.fingerprint().sha256());
        assertThat(secret.fingerprint().toString()).doesNotContain("sk-one");
    }

    @Test
    void promptImprovementsAreReadAndNeedThePlanningModel() {
        SwitchboardConfig.Improvements defaults = ConfigLoader.load(null, Map.of(), Map.of()).planning().improvements();
        SwitchboardConfig.Improvements set = ConfigLoader.load(null, Map.of(), Map.of("planner.model.enabled", "true",
                "prompts.improvements.enabled", "true", "prompts.improvements.min.prompts", "5", "prompts.max.variants.per.task", "4"))
                .planning().improvements();

        assertThat(defaults).isEqualTo(new SwitchboardConfig.Improvements(false, 3, 8));
        assertThat(set).isEqualTo(new SwitchboardConfig.Improvements(true, 5, 4));
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("prompts.improvements.enabled", "true")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("prompts.improvements.enabled")
                .hasMessageContaining("set planner.model.enabled=true too");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("prompts.max.variants.per.task", "1")))
                .hasMessageContaining("prompts.max.variants.per.task");
    }

    @Test
    void aMisspeltOrInvalidKafkaSecuritySettingIsRefusedByName() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("kafka.security.protcol", "SSL")))
                .hasMessageContaining("Unknown configuration key 'kafka.security.protcol'");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("kafka.security.protocol", "TLS")))
                .hasMessageContaining("kafka.security.protocol").hasMessageContaining("TLS");
    }

    @Test
    void aProviderKeyComesFromAFileAndAMissingFileIsNamedNotItsContents(@TempDir Path dir) throws IOException {
        Path secret = dir.resolve("openai.key");
        Files.writeString(secret, "sk-from-a-mounted-secret\n");

        SwitchboardConfig config = ConfigLoader.load(null, Map.of("SWITCHBOARD_PROVIDER_SIM_FAST_API_KEY_FILE", secret.toString()), Map.of());

        assertThat(config.provider("sim-fast").apiKey()).isEqualTo("sk-from-a-mounted-secret");
        assertThat(config.provider("sim-strong").apiKey()).as("from provider.sim-strong.api.key").isEqualTo("sim-key");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("provider.sim-fast.api.key.file", dir.resolve("missing").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("provider.sim-fast.api.key.file")
                .hasMessageContaining("cannot be read");
        Files.writeString(secret, "  \n");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("provider.sim-fast.api.key.file", secret.toString())))
                .hasMessageContaining("the file is empty");
    }

    @Test
    void costIsListPriceTimesTokens() {
        ProviderSpec fast = ConfigLoader.load(null, Map.of(), Map.of()).provider("sim-fast");

        // 1,000 input tokens at $0.15/M and 500 output tokens at $0.60/M.
        assertThat(fast.costUsd(1_000, 500)).isEqualTo(0.00045, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void fileThenEnvironmentThenOverrides(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("switchboard.properties");
        Files.writeString(file, """
                kafka.bootstrap.servers=broker-a:9092
                topics.partitions=6
                planner.max.steps=2
                """);
        Map<String, String> env = Map.of(
                "SWITCHBOARD_KAFKA_BOOTSTRAP_SERVERS", "broker-b:9092",
                "SWITCHBOARD_PROVIDER_SIM_FAST_TIMEOUT_MS", "1500",
                "UNRELATED", "x");

        SwitchboardConfig config = ConfigLoader.load(file, env, Map.of(SwitchboardConfig.PLANNER_MAX_STEPS, "1"));

        assertThat(config.bootstrapServers()).isEqualTo("broker-b:9092");
        assertThat(config.topicPartitions()).isEqualTo(6);
        assertThat(config.provider("sim-fast").timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.plannerMaxSteps()).isEqualTo(1);
        assertThat(ConfigLoader.envName("provider.sim-fast.timeout.ms")).isEqualTo("SWITCHBOARD_PROVIDER_SIM_FAST_TIMEOUT_MS");
    }

    @Test
    void aMisspeltEnvironmentVariableFailsNamingItAndTheClosestKey() {
        Map<String, String> env = Map.of("SWITCHBOARD_KAFKA_BOOTSTRAP_SERVER", "broker-b:9092");

        assertThatThrownBy(() -> ConfigLoader.load(null, env, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unknown environment variable SWITCHBOARD_KAFKA_BOOTSTRAP_SERVER: no configuration key is "
                        + "called that; did you mean SWITCHBOARD_KAFKA_BOOTSTRAP_SERVERS (kafka.bootstrap.servers)?");
    }

    @Test
    void anUnknownEnvironmentVariableFarFromEveryKeyFailsToo() {
        Map<String, String> env = Map.of("SWITCHBOARD_SOMETHING_ELSE_ENTIRELY", "1");

        assertThatThrownBy(() -> ConfigLoader.load(null, env, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unknown environment variable SWITCHBOARD_SOMETHING_ELSE_ENTIRELY: no configuration key is "
                        + "called that; see the configuration table of the README");
    }

    @Test
    void theLaunchersOwnVariableAndOtherProgramsVariablesAreLeftAlone() {
        Map<String, String> env = Map.of("SWITCHBOARD_JAVA_OPTS", "-Xmx512m", "UNRELATED_SWITCHBOARD_X", "1");

        assertThat(ConfigLoader.load(null, env, Map.of()).bootstrapServers()).isNotBlank();
    }

    @Test
    void aProviderNamedOnlyInTheEnvironmentIsConfiguredFromTheEnvironment() {
        Map<String, String> env = Map.of(
                "SWITCHBOARD_PROVIDERS", "openai",
                "SWITCHBOARD_PROVIDER_OPENAI_BASE_URL", "https://api.openai.com/v1",
                "SWITCHBOARD_PROVIDER_OPENAI_MODEL", "gpt-4o-mini");

        SwitchboardConfig config = ConfigLoader.load(null, env, Map.of());

        assertThat(config.providers()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("openai");
            assertThat(p.model()).isEqualTo("gpt-4o-mini");
            assertThat(p.baseUrl()).isEqualTo("https://api.openai.com/v1");
        });
    }

    @Test
    void aProviderMayServeSeveralModelsEachWithItsOwnCatalogueEntry() {
        SwitchboardConfig config = SwitchboardConfig.withOverrides(Map.of(
                "provider.sim-strong.models", "sim-strong-mini,sim-strong-long",
                "provider.sim-strong.capabilities", "tools",
                "provider.sim-strong.model.sim-strong-mini.input.price.per.mtok", "0.10",
                "provider.sim-strong.model.sim-strong-mini.output.price.per.mtok", "0.40",
                "provider.sim-strong.model.sim-strong-long.context.window", "1000000",
                "provider.sim-strong.model.sim-strong-long.capabilities", "tools,json"));

        ProviderSpec strong = config.provider("sim-strong");
        assertThat(strong.models()).extracting(ModelSpec::name).containsExactly("sim-strong-large", "sim-strong-mini", "sim-strong-long");
        ModelSpec mini = strong.modelSpec("sim-strong-mini").orElseThrow();
        assertThat(mini.costUsd(1_000_000, 1_000_000)).isEqualTo(0.50);
        assertThat(mini.contextWindow()).isEqualTo(ProviderSpec.DEFAULT_CONTEXT_WINDOW); // the provider's
        assertThat(mini.capabilities()).containsExactly("tools");                          // the provider's
        ModelSpec longer = strong.modelSpec("sim-strong-long").orElseThrow();
        assertThat(longer.costUsd(1_000_000, 0)).isEqualTo(2.50);                          // the provider's prices
        assertThat(longer.contextWindow()).isEqualTo(1_000_000);
        assertThat(longer.capabilities()).containsExactlyInAnyOrder("tools", "json");
        assertThat(strong.modelSpec("gpt-9")).isEmpty();
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("provider.sim-strong.models", "m2",
                "provider.sim-strong.model.m2.capabilities", "vision")))
                .hasMessageContaining("provider.sim-strong.model.m2.capabilities").hasMessageContaining("vision");
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("provider.sim-strong.model.m3.context.window", "5")))
                .hasMessageContaining("Unknown configuration key 'provider.sim-strong.model.m3.context.window'");
    }

    @Test
    void badValuesNameTheKeyAndTheValue() {
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("topics.partitions", "zero")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("topics.partitions").hasMessageContaining("zero");
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("simulator.sim-flaky.error.rate", "1.5")))
                .hasMessageContaining("simulator.sim-flaky.error.rate").hasMessageContaining("1.5");
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("simulator.sim-fast.error.mix", "500:x")))
                .hasMessageContaining("simulator.sim-fast.error.mix").hasMessageContaining("'500:x'");
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("planner.ranking", "sim-fast,nope")))
                .hasMessageContaining("planner.ranking").hasMessageContaining("'nope' is not one of the configured providers");
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("simulator.sim-fast.latency.p99.ms", "1")))
                .hasMessageContaining("simulator.sim-fast.latency.p99.ms");
    }

    @Test
    void strategyTargetHoldsTheCostTargetWhenOneIsSetAndEachListedTenantItsOwn() {
        SwitchboardConfig config = ConfigLoader.load(null, Map.of(), Map.of("planner.target.quality", "0.9",
                "planner.target.cost", "0.002", "planner.tenant.targets", "acme:quality=0.98, thrift:cost=0.0005"));

        assertThat(config.routing().targetFor("other")).isEqualTo(SwitchboardConfig.RoutingTarget.cost(0.002));
        assertThat(config.routing().targetFor("acme")).isEqualTo(SwitchboardConfig.RoutingTarget.quality(0.98));
        assertThat(config.routing().targetFor("thrift")).isEqualTo(SwitchboardConfig.RoutingTarget.cost(0.0005));
        assertThat(ConfigLoader.load(null, Map.of(), Map.of("planner.target.quality", "0.9")).routing().targetFor("x"))
                .isEqualTo(SwitchboardConfig.RoutingTarget.quality(0.9));
    }

    @Test
    void learnedRoutingStartsFromTheBuiltInPriorUnlessTheKeySaysNoneOrNamesAFile(@TempDir Path dir) throws IOException {
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).routing().prior()).isEqualTo("builtin");
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).routing().priorPrecision()).isZero();
        assertThat(ConfigLoader.load(null, Map.of(), Map.of("planner.learning.prior", "none")).routing().prior()).isEqualTo("none");
        Path file = Files.writeString(dir.resolve("prior.json"), "{}");
        assertThat(ConfigLoader.load(null, Map.of(), Map.of("planner.learning.prior", file.toString(),
                "planner.learning.prior.precision", "50")).routing()).extracting(r -> r.prior(), r -> r.priorPrecision())
                .containsExactly(file.toString(), 50.0);

        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("planner.learning.prior", dir.resolve("nope.json").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("planner.learning.prior")
                .hasMessageContaining("expected builtin, none or a quality prior file");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("planner.learning.prior.precision", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("planner.learning.prior.precision");
    }

    @Test
    void aTargetOutOfRangeIsRefusedNamingTheKeyAndTheEntry() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("planner.target.quality", "1.5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("planner.target.quality").hasMessageContaining("1.5");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("planner.tenant.targets", "acme:quality=0")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value acme:quality=0 for configuration planner.tenant.targets: expected "
                        + "tenant:quality=Q with Q in (0, 1], or tenant:cost=USD with USD > 0");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("planner.tenant.targets", "acme:price=1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("acme:price=1");
    }

    @Test
    void unknownKeysAreErrorsNotSilentlyIgnored() {
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("kafka.bootstrap.server", "x:1")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unknown configuration key 'kafka.bootstrap.server'");
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("provider.sim-fsat.model", "m")))
                .hasMessage("Unknown configuration key 'provider.sim-fsat.model' (is the provider listed in 'providers'?)");
    }

    @Test
    void aListedProviderWithoutItsRequiredKeysFails() {
        assertThatThrownBy(() -> SwitchboardConfig.withOverrides(Map.of("providers", "sim-fast,extra")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("provider.extra.base.url");
    }

    @Test
    void missingConfigFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> ConfigLoader.load(missing, Map.of(), Map.of()))
                .hasMessageContaining(missing.toAbsolutePath().toString()).hasMessageContaining("does not exist");
    }
}
