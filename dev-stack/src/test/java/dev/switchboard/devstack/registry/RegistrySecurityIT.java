package dev.switchboard.devstack.registry;

import dev.switchboard.avro.LlmRequest;
import dev.switchboard.devstack.FreePorts;
import dev.switchboard.devstack.InfraFixture;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import dev.switchboard.schemas.registry.SchemaRegistryException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A registry that wants HTTP basic authentication, reached by the client with Confluent's settings;
 * and a client given several registries that passes over one it cannot reach.
 */
class RegistrySecurityIT {

    @TempDir
    static Path dataDir;
    static InfraFixture infra;
    static SchemaStore store;
    static SchemaRegistryServer guarded;
    static String url;

    @BeforeAll
    static void start() {
        infra = new InfraFixture(dataDir);
        store = new SchemaStore(infra.clients);
        guarded = new SchemaRegistryServer(store, 0, "switchboard:s3cret").start();
        url = "http://localhost:" + guarded.port();
    }

    @AfterAll
    static void stop() {
        guarded.close();
        store.close();
        infra.close();
    }

    @Test
    void withoutOrWithWrongCredentialsTheClientSaysWhichSettingAndNeverTheSecret() {
        SchemaRegistryClient anonymous = SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", url));
        SchemaRegistryClient wrong = SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", url,
                "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "switchboard:guess"));

        assertThatThrownBy(() -> anonymous.register("secured-value", LlmRequest.getClassSchema()))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessage("Schema Registry at " + url + "/ refused a call without credentials "
                        + "(schema.registry.basic.auth.user.info sets them): HTTP 401")
                .extracting(e -> ((SchemaRegistryException) e).httpStatus()).isEqualTo(401);
        assertThatThrownBy(() -> wrong.schemaById(1))
                .hasMessage("Schema Registry at " + url + "/ refused the credentials of schema.registry.basic.auth.user.info: HTTP 401")
                .hasMessageNotContaining("guess");
    }

    @Test
    void withTheRightCredentialsSchemasAreRegisteredAndRead() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", url,
                "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "switchboard:s3cret"));

        int id = client.register("secured-value", LlmRequest.getClassSchema());
        SchemaRegistryClient fresh = SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", url,
                "basic.auth.user.info", "switchboard:s3cret"));

        assertThat(fresh.schemaById(id)).isEqualTo(LlmRequest.getClassSchema());
    }

    @Test
    void aRegistryThatCannotBeReachedIsPassedOverForTheNext() {
        String dead = "http://localhost:" + FreePorts.any();
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", dead + "," + url,
                "basic.auth.user.info", "switchboard:s3cret"));

        int id = client.register("failover-value", LlmRequest.getClassSchema());

        assertThat(id).isPositive();
        assertThat(client.baseUrl()).isEqualTo(url + "/");
        SchemaRegistryClient none = SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", dead));
        assertThatThrownBy(() -> none.schemaById(id))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageStartingWith("Cannot reach the Schema Registry at " + dead + "/");
    }
}
