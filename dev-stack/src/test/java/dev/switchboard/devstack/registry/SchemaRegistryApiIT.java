package dev.switchboard.devstack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.devstack.InfraFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The Confluent REST API of the embedded registry, over real HTTP, as serializers and tools call it. */
class SchemaRegistryApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final String V1 = """
            {"type":"record","name":"Order","namespace":"it","fields":[{"name":"id","type":"string"}]}""";
    /** V1 with an optional field: BACKWARD compatible. Written with other spacing and attribute order. */
    private static final String V2 = """
            { "namespace" : "it", "type" : "record", "name" : "Order",
              "fields" : [ {"type":"string","name":"id"}, {"name":"note","type":["null","string"],"default":null} ] }""";
    /** A new required field without a default: a V3 reader cannot read V2 data. */
    private static final String INCOMPATIBLE = """
            {"type":"record","name":"Order","namespace":"it","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}""";

    @TempDir
    static Path dataDir;
    static InfraFixture infra;

    @BeforeAll
    static void start() {
        infra = new InfraFixture(dataDir);
    }

    @AfterAll
    static void stop() {
        infra.close();
    }

    record Response(int status, JsonNode body) {
    }

    static Response call(String method, String path, String schema) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(infra.registryUrl() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json");
        String body = schema == null ? null : JSON.createObjectNode().put("schema", schema).toString();
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), JSON.readTree(response.body()));
    }

    static Response put(String path, String json) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(infra.registryUrl() + path))
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), JSON.readTree(response.body()));
    }

    static String subject() {
        return "it-" + UUID.randomUUID() + "-value";
    }

    @Test
    void registerLookUpAndFetchVersions() throws Exception {
        String subject = subject();
        Response first = call("POST", "/subjects/" + subject + "/versions", V1);
        assertThat(first.status()).isEqualTo(200);
        int id1 = first.body().get("id").asInt();

        // Equal after parsing (other whitespace) → the same id, no new version.
        Response again = call("POST", "/subjects/" + subject + "/versions", V1.replace(":", " : "));
        assertThat(again.body().get("id").asInt()).isEqualTo(id1);
        int id2 = call("POST", "/subjects/" + subject + "/versions", V2).body().get("id").asInt();
        assertThat(id2).isNotEqualTo(id1);

        assertThat(call("GET", "/subjects/" + subject + "/versions", null).body().toString()).isEqualTo("[1,2]");
        JsonNode latest = call("GET", "/subjects/" + subject + "/versions/latest", null).body();
        assertThat(latest.get("version").asInt()).isEqualTo(2);
        assertThat(latest.get("id").asInt()).isEqualTo(id2);
        assertThat(latest.get("subject").asText()).isEqualTo(subject);
        assertThat(call("GET", "/subjects/" + subject + "/versions/1", null).body().get("id").asInt()).isEqualTo(id1);

        JsonNode byId = call("GET", "/schemas/ids/" + id2, null).body();
        assertThat(new org.apache.avro.Schema.Parser().parse(byId.get("schema").asText()))
                .isEqualTo(new org.apache.avro.Schema.Parser().parse(V2));

        JsonNode found = call("POST", "/subjects/" + subject, V2).body();
        assertThat(found.get("version").asInt()).isEqualTo(2);
        assertThat(found.get("id").asInt()).isEqualTo(id2);
        assertThat(call("GET", "/subjects", null).body().toString()).contains("\"" + subject + "\"");
    }

    @Test
    void theSameSchemaUnderAnotherSubjectKeepsItsId() throws Exception {
        String schema = LlmRequest.getClassSchema().toString();
        int a = call("POST", "/subjects/" + subject() + "/versions", schema).body().get("id").asInt();
        int b = call("POST", "/subjects/" + subject() + "/versions", schema).body().get("id").asInt();
        assertThat(b).isEqualTo(a);
    }

    @Test
    void incompatibleSchemaIsRejectedWithConfluentsError() throws Exception {
        String subject = subject();
        call("POST", "/subjects/" + subject + "/versions", V1);

        Response check = call("POST", "/compatibility/subjects/" + subject + "/versions/latest", INCOMPATIBLE);
        assertThat(check.status()).isEqualTo(200);
        assertThat(check.body().get("is_compatible").asBoolean()).isFalse();
        assertThat(call("POST", "/compatibility/subjects/" + subject + "/versions/latest", V2)
                .body().get("is_compatible").asBoolean()).isTrue();

        Response rejected = call("POST", "/subjects/" + subject + "/versions", INCOMPATIBLE);
        assertThat(rejected.status()).isEqualTo(409);
        assertThat(rejected.body().get("error_code").asInt()).isEqualTo(409);
        assertThat(rejected.body().get("message").asText())
                .startsWith("Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\"")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE");

        // With compatibility NONE for this subject only, the same schema is accepted as version 2.
        assertThat(put("/config/" + subject, "{\"compatibility\":\"NONE\"}").body().get("compatibility").asText())
                .isEqualTo("NONE");
        assertThat(call("GET", "/config/" + subject, null).body().get("compatibilityLevel").asText()).isEqualTo("NONE");
        assertThat(call("POST", "/subjects/" + subject + "/versions", INCOMPATIBLE).status()).isEqualTo(200);
        assertThat(call("GET", "/config", null).body().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    }

    @Test
    void unknownThingsAnswerConfluentsErrorCodes() throws Exception {
        Response noSubject = call("GET", "/subjects/nope-" + UUID.randomUUID() + "/versions", null);
        assertThat(noSubject.status()).isEqualTo(404);
        assertThat(noSubject.body().get("error_code").asInt()).isEqualTo(40401);

        String subject = subject();
        call("POST", "/subjects/" + subject + "/versions", V1);
        Response noVersion = call("GET", "/subjects/" + subject + "/versions/7", null);
        assertThat(noVersion.status()).isEqualTo(404);
        assertThat(noVersion.body().get("error_code").asInt()).isEqualTo(40402);

        Response noSchema = call("GET", "/schemas/ids/999999", null);
        assertThat(noSchema.status()).isEqualTo(404);
        assertThat(noSchema.body().get("error_code").asInt()).isEqualTo(40403);

        Response notRegistered = call("POST", "/subjects/" + subject, V2);
        assertThat(notRegistered.status()).isEqualTo(404);
        assertThat(notRegistered.body().get("error_code").asInt()).isEqualTo(40403);

        Response invalid = call("POST", "/subjects/" + subject + "/versions", "{\"type\":\"record\"}");
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.body().get("error_code").asInt()).isEqualTo(42201);

        Response badLevel = put("/config", "{\"compatibility\":\"SIDEWAYS\"}");
        assertThat(badLevel.status()).isEqualTo(422);
        assertThat(badLevel.body().get("error_code").asInt()).isEqualTo(42203);

        Response noSubjectConfig = call("GET", "/config/" + subject, null);
        assertThat(noSubjectConfig.status()).isEqualTo(404);
        assertThat(noSubjectConfig.body().get("error_code").asInt()).isEqualTo(40408);
        assertThat(call("GET", "/config/" + subject + "?defaultToGlobal=true", null).body().get("compatibilityLevel").asText())
                .isEqualTo("BACKWARD");
    }

    @Test
    void idsAndConfigSurviveARestartOfTheRegistry() throws Exception {
        String subject = subject();
        int id = call("POST", "/subjects/" + subject + "/versions", V1).body().get("id").asInt();
        put("/config/" + subject, "{\"compatibility\":\"FULL\"}");

        infra.startRegistry();

        assertThat(call("GET", "/schemas/ids/" + id, null).status()).isEqualTo(200);
        assertThat(call("POST", "/subjects/" + subject + "/versions", V1).body().get("id").asInt()).isEqualTo(id);
        assertThat(call("GET", "/config/" + subject, null).body().get("compatibilityLevel").asText()).isEqualTo("FULL");
        int next = call("POST", "/subjects/" + subject() + "/versions", INCOMPATIBLE.replace("Order", "Other")).body().get("id").asInt();
        assertThat(next).isGreaterThan(id);
    }
}
