package dev.switchboard.schemas.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Settings the registry client refuses, each naming the setting and never its secret. */
class SchemaRegistryClientTest {

    @Test
    void severalUrlsAreKeptInOrder() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", "http://a:8081, https://b:8081/"));

        assertThat(client.baseUrls()).containsExactly("http://a:8081/", "https://b:8081/");
        assertThat(client.baseUrl()).isEqualTo("http://a:8081/");
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", "http://a:8081,registry:8081")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schema.registry.url has 'registry:8081', which is not an http(s) URL");
        assertThatThrownBy(() -> SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", "http://a:8081",
                "basic.auth.user.info", "s3cret-without-user")))
                .hasMessage("basic.auth.user.info must be user:password");
        assertThatThrownBy(() -> SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", "http://a:8081",
                "basic.auth.credentials.source", "SASL_INHERIT")))
                .hasMessage("basic.auth.credentials.source is 'SASL_INHERIT'; only USER_INFO is supported");
        Path notAStore = Files.writeString(dir.resolve("trust.p12"), "not a key store");
        assertThatThrownBy(() -> SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", "https://a:8081",
                "schema.registry.ssl.truststore.location", notAStore.toString(),
                "schema.registry.ssl.truststore.password", "hunter2", "schema.registry.ssl.truststore.type", "PKCS12")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("schema.registry.ssl.truststore.location " + notAStore)
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", "https://a:8081",
                "schema.registry.ssl.truststore.location", dir.resolve("missing.jks").toString())))
                .hasMessageStartingWith("schema.registry.ssl.truststore.location " + dir.resolve("missing.jks") + " cannot be read");
    }
}
