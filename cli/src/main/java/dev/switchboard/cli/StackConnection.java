package dev.switchboard.cli;

import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.KafkaProbe;
import dev.switchboard.schemas.registry.SchemaRegistryClient;

import java.time.Duration;
import java.util.Map;

/**
 * What a command needs to talk to a running stack: its settings, Kafka clients and a codec, after a
 * check that Kafka answers (exit 3 with the reason when it does not).
 */
final class StackConnection {

    final SwitchboardConfig config;
    final KafkaClients clients;
    final Codec codec;

    StackConnection(ConfigOptions options) {
        this(options.load(Map.of()));
    }

    StackConnection(SwitchboardConfig config) {
        this.config = config;
        try {
            KafkaProbe.requireReachable(config.bootstrapServers(), config.security().kafkaClientProperties(), Duration.ofSeconds(3));
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage(), 3);
        }
        this.clients = new KafkaClients(config.bootstrapServers(), config.security().kafkaClientProperties());
        this.codec = new Codec(new SchemaRegistryClient(config.schemaRegistryClientProperties(), Duration.ofSeconds(3)));
    }

    /**
     * The token requests of {@code tenant} carry on {@code llm.requests}, from the issuer
     * ({@link TokenClient}); null when security is off. Exit 3 naming the issuer when it gives none.
     */
    String requestToken(String tenant) {
        return token(Map.of("tenant", tenant));
    }

    /**
     * A connection to the analytics ClickHouse ({@code analytics.clickhouse.*}), which answers; exit
     * 3 saying so when it does not. The caller closes it.
     */
    dev.switchboard.analytics.clickhouse.ClickHouseConnection clickhouse() {
        SwitchboardConfig.AnalyticsSettings a = config.analytics();
        dev.switchboard.analytics.clickhouse.ClickHouseConnection clickhouse =
                new dev.switchboard.analytics.clickhouse.ClickHouseConnection(a.clickhouseUrl(), a.clickhouseUser(), a.clickhousePassword());
        if (!clickhouse.ping()) {
            clickhouse.close();
            throw new CliException("ClickHouse does not answer at " + a.clickhouseUrl()
                    + ". Is the stack running with ClickHouse installed? (apt-get install clickhouse-server)", 3);
        }
        return clickhouse;
    }

    /** The token of an operator ({@code ops} role, which the dev issuer grants on request); null when security is off. */
    String operatorToken() {
        return token(Map.of("roles", "ops"));
    }

    private String token(Map<String, String> fields) {
        if (!config.security().enabled()) {
            return null;
        }
        try {
            return TokenClient.token(config.security(), fields);
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage(), 3);
        }
    }
}
