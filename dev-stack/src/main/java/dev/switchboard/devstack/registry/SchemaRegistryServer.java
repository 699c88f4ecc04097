package dev.switchboard.devstack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.apache.avro.Schema;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The HTTP face of the {@link SchemaStore}: the Confluent Schema Registry REST API, answered in
 * {@code application/vnd.schemaregistry.v1+json}.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaStore store;
    private final Javalin app;

    public SchemaRegistryServer(SchemaStore store, int port) {
        this(store, port, null);
    }

    /** @param userInfo {@code user:password} every call must present with HTTP basic authentication; null: none */
    public SchemaRegistryServer(SchemaStore store, int port, String userInfo) {
        this.store = store;
        String expected = userInfo == null || userInfo.isBlank() ? null
                : "Basic " + java.util.Base64.getEncoder().encodeToString(userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        this.app = Javalin.create(config -> {
            dev.switchboard.router.edge.Connectors.listen(config, port);
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            if (expected != null) {
                config.routes.before(ctx -> {
                    String given = ctx.header("Authorization");
                    if (given == null || !java.security.MessageDigest.isEqual(given.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            expected.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                        ctx.header("WWW-Authenticate", "Basic realm=\"schema-registry\"");
                        throw new RegistryException(401, 401, "Unauthorized");
                    }
                });
            }
            config.routes.get("/", ctx -> send(ctx, JSON.createObjectNode()));
            config.routes.get("/schemas/types", ctx -> send(ctx, List.of("AVRO")));
            config.routes.get("/subjects", ctx -> send(ctx, store.subjects()));
            config.routes.post("/subjects/{subject}/versions", this::register);
            config.routes.post("/subjects/{subject}", this::lookup);
            config.routes.get("/subjects/{subject}/versions", ctx -> send(ctx, store.versions(ctx.pathParam("subject"))));
            config.routes.get("/subjects/{subject}/versions/{version}", ctx ->
                    send(ctx, versionBody(store.version(ctx.pathParam("subject"), ctx.pathParam("version")))));
            config.routes.get("/subjects/{subject}/versions/{version}/schema", ctx ->
                    ctx.contentType(CONTENT_TYPE).result(store.version(ctx.pathParam("subject"), ctx.pathParam("version")).schema().toString()));
            config.routes.get("/schemas/ids/{id}", this::schemaById);
            config.routes.post("/compatibility/subjects/{subject}/versions/{version}", this::compatibility);
            config.routes.get("/config", ctx -> send(ctx, Map.of("compatibilityLevel", store.globalCompatibility().name())));
            config.routes.put("/config", ctx -> setConfig(ctx, null));
            config.routes.get("/config/{subject}", this::subjectConfig);
            config.routes.put("/config/{subject}", ctx -> setConfig(ctx, ctx.pathParam("subject")));
            config.routes.exception(RegistryException.class, (e, ctx) ->
                    ctx.status(e.httpStatus()).contentType(CONTENT_TYPE)
                            .result(error(e.errorCode(), e.getMessage())));
            config.routes.exception(Exception.class, (e, ctx) ->
                    ctx.status(500).contentType(CONTENT_TYPE).result(error(50001, "Error in the backend data store: " + e)));
        });
    }

    public SchemaRegistryServer start() {
        app.start();
        return this;
    }

    public int port() {
        return app.port();
    }

    private void register(Context ctx) {
        String subject = ctx.pathParam("subject");
        Schema schema = schemaOf(ctx);
        send(ctx, Map.of("id", store.register(subject, schema)));
    }

    private void lookup(Context ctx) {
        String subject = ctx.pathParam("subject");
        Schema schema = schemaOf(ctx);
        if (!store.hasSubject(subject)) {
            throw RegistryException.subjectNotFound(subject);
        }
        SchemaStore.Version version = store.lookup(subject, schema)
                .orElseThrow(() -> RegistryException.schemaNotFound("Schema not found"));
        send(ctx, versionBody(version));
    }

    private void schemaById(Context ctx) {
        int id;
        try {
            id = Integer.parseInt(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw RegistryException.schemaNotFound("Schema " + ctx.pathParam("id") + " not found");
        }
        Schema schema = store.byId(id).orElseThrow(() -> RegistryException.schemaNotFound("Schema " + id + " not found"));
        send(ctx, Map.of("schema", schema.toString()));
    }

    private void compatibility(Context ctx) {
        Schema schema = schemaOf(ctx);
        List<String> problems = store.checkCompatibility(ctx.pathParam("subject"), ctx.pathParam("version"), schema);
        ObjectNode body = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
        if (!problems.isEmpty() && "true".equals(ctx.queryParam("verbose"))) {
            body.putPOJO("messages", problems);
        }
        send(ctx, body);
    }

    private void subjectConfig(Context ctx) {
        String subject = ctx.pathParam("subject");
        CompatibilityLevel level = store.subjectCompatibility(subject).orElse(null);
        if (level == null) {
            if ("true".equals(ctx.queryParam("defaultToGlobal"))) {
                level = store.globalCompatibility();
            } else {
                throw new RegistryException(404, 40408,
                        "Subject '" + subject + "' does not have subject-level compatibility configured");
            }
        }
        send(ctx, Map.of("compatibilityLevel", level.name()));
    }

    private void setConfig(Context ctx, String subject) {
        JsonNode body = bodyOf(ctx);
        CompatibilityLevel level = CompatibilityLevel.parse(body.path("compatibility").asText(null));
        store.setCompatibility(subject, level);
        send(ctx, Map.of("compatibility", level.name()));
    }

    private static Schema schemaOf(Context ctx) {
        JsonNode body = bodyOf(ctx);
        String type = body.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw RegistryException.invalidSchema("schemaType " + type + " is not supported; this registry holds AVRO schemas");
        }
        if (body.path("references").isArray() && !body.path("references").isEmpty()) {
            throw RegistryException.invalidSchema("schema references are not supported");
        }
        return SchemaStore.parse(body.path("schema").asText(null));
    }

    private static JsonNode bodyOf(Context ctx) {
        try {
            JsonNode body = JSON.readTree(ctx.body());
            if (body == null || !body.isObject()) {
                throw new RegistryException(422, 422, "The request body must be a JSON object");
            }
            return body;
        } catch (IOException e) {
            throw new RegistryException(400, 400, "The request body is not JSON: " + e.getMessage());
        }
    }

    private static ObjectNode versionBody(SchemaStore.Version version) {
        return JSON.createObjectNode()
                .put("subject", version.subject())
                .put("version", version.version())
                .put("id", version.id())
                .put("schema", version.schema().toString());
    }

    private static String error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message).toString();
    }

    private static void send(Context ctx, Object body) {
        try {
            ctx.contentType(CONTENT_TYPE).result(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        app.stop();
    }
}
