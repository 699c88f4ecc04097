package dev.switchboard.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A caching client for the Confluent Schema Registry REST API: register a schema under a subject,
 * look a schema up by id. Ids and schemas never change once assigned, so both directions are
 * cached for the life of the client; only the first use of a schema costs a round trip.
 *
 * <p>It takes Confluent's client settings ({@link #fromConfigs}): several URLs (a registry that
 * cannot be reached is passed over for the next; one that answers, even with an error, is not),
 * HTTP basic authentication ({@code basic.auth.user.info}, never shown in messages) and a trust
 * store for TLS ({@code schema.registry.ssl.truststore.*}).
 */
public final class SchemaRegistryClient {

    /** Confluent's names of the registry client's settings. */
    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final java.util.List<URI> baseUris;
    private final java.util.concurrent.atomic.AtomicInteger current = new java.util.concurrent.atomic.AtomicInteger();
    private final String authorization;
    private final HttpClient http;
    private final Duration timeout;
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    private record SubjectSchema(String subject, Schema schema) {
    }

    /** @param baseUrl one registry URL, or several separated by commas */
    public SchemaRegistryClient(String baseUrl) {
        this(baseUrl, Duration.ofSeconds(10));
    }

    public SchemaRegistryClient(String baseUrl, Duration timeout) {
        this(Map.of(URL, Objects.requireNonNull(baseUrl, "baseUrl")), timeout);
    }

    /**
     * A client from Confluent-named settings: {@value #URL} (required; comma-separated),
     * {@value #BASIC_AUTH_USER_INFO} ({@code user:password}; {@value #BASIC_AUTH_SOURCE} must be
     * {@code USER_INFO} when given), {@value #TRUSTSTORE_LOCATION}, {@value #TRUSTSTORE_PASSWORD},
     * {@value #TRUSTSTORE_TYPE}. A bad setting is an {@link IllegalArgumentException} naming it.
     */
    public static SchemaRegistryClient fromConfigs(Map<String, ?> configs) {
        return new SchemaRegistryClient(configs, Duration.ofSeconds(10));
    }

    public SchemaRegistryClient(Map<String, ?> configs, Duration timeout) {
        Object urls = configs.get(URL);
        if (urls == null || urls.toString().isBlank()) {
            throw new IllegalArgumentException(URL + " is empty: the Schema Registry's URL is needed");
        }
        java.util.List<URI> uris = new java.util.ArrayList<>();
        for (String url : urls.toString().split(",")) {
            String trimmed = url.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            try {
                URI uri = URI.create(trimmed.endsWith("/") ? trimmed : trimmed + "/");
                if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                    throw new IllegalArgumentException("not an http(s) URL");
                }
                uris.add(uri);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(URL + " has '" + trimmed + "', which is not an http(s) URL");
            }
        }
        this.baseUris = java.util.List.copyOf(uris);
        Object source = configs.get(BASIC_AUTH_SOURCE);
        String userInfo = text(configs.get(BASIC_AUTH_USER_INFO));
        if (source != null && !source.toString().isBlank() && !source.toString().equals("USER_INFO")) {
            throw new IllegalArgumentException(BASIC_AUTH_SOURCE + " is '" + source + "'; only USER_INFO is supported");
        }
        if (!userInfo.isEmpty() && !userInfo.contains(":")) {
            throw new IllegalArgumentException(BASIC_AUTH_USER_INFO + " must be user:password");
        }
        this.authorization = userInfo.isEmpty() ? null
                : "Basic " + java.util.Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
        String truststore = text(configs.get(TRUSTSTORE_LOCATION));
        if (!truststore.isEmpty()) {
            builder.sslContext(sslContext(truststore, text(configs.get(TRUSTSTORE_PASSWORD)), text(configs.get(TRUSTSTORE_TYPE))));
        }
        this.http = builder.build();
    }

    /** The registry in use: the first that answered, or the first configured. */
    public String baseUrl() {
        return baseUris.get(current.get()).toString();
    }

    /** Every configured registry URL, in order. */
    public java.util.List<String> baseUrls() {
        return baseUris.stream().map(URI::toString).toList();
    }

    private static String text(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof org.apache.kafka.common.config.types.Password password) {
            return password.value().trim();
        }
        return value.toString().trim();
    }

    private static javax.net.ssl.SSLContext sslContext(String location, String password, String type) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(location))) {
            java.security.KeyStore store = java.security.KeyStore.getInstance(type.isEmpty() ? java.security.KeyStore.getDefaultType() : type);
            store.load(in, password.isEmpty() ? null : password.toCharArray());
            javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new IllegalArgumentException(TRUSTSTORE_LOCATION + " " + location + " cannot be read as a trust store: "
                    + e.getMessage(), e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(TRUSTSTORE_LOCATION + " " + location + " is not a usable trust store ("
                    + TRUSTSTORE_TYPE + " '" + type + "'): " + e.getMessage(), e);
        }
    }

    /**
     * Registers {@code schema} under {@code subject} (or finds the existing equal version) and
     * returns its global id.
     */
    public int register(String subject, Schema schema) {
        return idsBySubjectSchema.computeIfAbsent(new SubjectSchema(subject, schema), key -> {
            ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
            JsonNode response = call("POST", "subjects/" + encode(subject) + "/versions", body);
            int id = response.path("id").asInt(-1);
            if (id < 0) {
                throw new SchemaRegistryException(200, 50001,
                        "Schema Registry answered without an id when registering subject '" + subject + "'");
            }
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    /** The schema with global id {@code id}; a {@link SchemaRegistryException} with 40403 when none. */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode response = call("GET", "schemas/ids/" + id, null);
        String type = response.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new SchemaRegistryException(200, 40403, "Schema " + id + " is of type " + type + ", not AVRO");
        }
        Schema schema = new Schema.Parser().parse(response.path("schema").asText());
        schemasById.putIfAbsent(id, schema);
        return schema;
    }

    private JsonNode call(String method, String path, JsonNode body) {
        int first = current.get();
        HttpResponse<String> response = null;
        IOException unreachable = null;
        URI baseUri = null;
        for (int i = 0; i < baseUris.size() && response == null; i++) {
            int index = (first + i) % baseUris.size();
            baseUri = baseUris.get(index);
            try {
                response = http.send(request(baseUri, method, path, body), HttpResponse.BodyHandlers.ofString());
                current.set(index);
            } catch (IOException e) {
                unreachable = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("Interrupted while calling the Schema Registry at " + baseUri, e);
            }
        }
        if (response == null) {
            throw new SchemaRegistryException("Cannot reach the Schema Registry at " + String.join(", ", baseUrls()) + ": "
                    + unreachable, unreachable);
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new SchemaRegistryException(response.statusCode(), response.statusCode() * 100 + 1, "Schema Registry at "
                    + baseUri + " refused " + (authorization == null ? "a call without credentials (schema.registry." + BASIC_AUTH_USER_INFO
                    + " sets them)" : "the credentials of schema.registry." + BASIC_AUTH_USER_INFO) + ": HTTP " + response.statusCode());
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new SchemaRegistryException(response.statusCode(), 50005,
                    "Schema Registry at " + baseUri + " answered " + method + " " + path + " with a body that is not JSON");
        }
        if (response.statusCode() >= 300) {
            throw new SchemaRegistryException(response.statusCode(), json.path("error_code").asInt(response.statusCode()),
                    json.path("message").asText("HTTP " + response.statusCode()));
        }
        return json;
    }

    private HttpRequest request(URI baseUri, String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUri.resolve(path))
                .timeout(timeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return request.build();
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
