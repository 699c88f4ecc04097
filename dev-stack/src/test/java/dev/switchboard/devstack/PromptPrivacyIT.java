package dev.switchboard.devstack;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.Messages;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A prompt never reaches a log line at INFO or above, an exception's message, or an error body,
 * on any way a request can be refused or fail: a bad token, a role or a data classification the
 * policy refuses, an invalid request, every provider failing. Everything the stack logs while
 * those run is captured and searched for the prompt's secret.
 */
class PromptPrivacyIT {

    private static final String SECRET = "card 4111-1111-1111-1111 of Ada Lovelace";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dataDir;

    static StackFixture it;
    static ListAppender<ILoggingEvent> logs;

    @BeforeAll
    static void startStack() {
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        // No provider keeps no data: personal data has nowhere to go.
        it = new StackFixture(dataDir, Map.of(SwitchboardConfig.PLANNER_STRATEGY, "static",
                SwitchboardConfig.EDGE_REQUEST_TIMEOUT_MS, "8000", "provider.sim-strong.attributes", ""));
    }

    @AfterAll
    static void stopStack() throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        if (it != null) {
            it.close();
        }
    }

    private static HttpResponse<String> chat(String token, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + it.stack.healthPort() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static LlmReply viaKafka(String token, Map<String, String> attributes) throws Exception {
        LlmRequest request = LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("acme")
                .setAttributes(attributes).setMessages(List.of(Messages.of(ChatRole.USER, SECRET)))
                .setCreatedAtMs(System.currentTimeMillis()).build();
        ProducerRecord<byte[], byte[]> record = it.codec.record(Topics.REQUESTS, request.getRequestId(), request);
        if (token != null) {
            Credentials.attach(record.headers(), token);
        }
        it.producer.send(record).get();
        return it.reply(request.getRequestId());
    }

    @Test
    void noRefusalOrFailureLogsOrAnswersWithThePrompt() throws Exception {
        String user = TokenClient.token(it.config.security(), Map.of("tenant", "acme"));
        String analyst = TokenClient.token(it.config.security(), Map.of("tenant", "acme", "roles", "analyst"));
        String body = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"" + SECRET + "\"}]}";
        List<String> bodies = new ArrayList<>();

        HttpResponse<String> noToken = chat("not-a-jwt", body, Map.of());
        HttpResponse<String> role = chat(analyst, body, Map.of());
        HttpResponse<String> classification = chat(user, body, Map.of("x-switchboard-data-classification", "secret"));
        HttpResponse<String> invalid = chat(user, "{\"model\":\"auto\",\"temperature\":7,\"messages\":[{\"role\":\"user\",\"content\":\""
                + SECRET + "\"}]}", Map.of());
        for (String provider : List.of("sim-fast", "sim-strong", "sim-flaky")) {
            it.stack.simulator().setFaults(provider, new Faults(1.0, 0, 2, 10, Map.of(500, 1.0)));
        }
        HttpResponse<String> allFailing = chat(user, body, Map.of());
        LlmReply kafkaFailing = viaKafka(user, Map.of());
        it.healProviders();
        LlmReply kafkaNoToken = viaKafka(null, Map.of());
        LlmReply kafkaForbidden = viaKafka(analyst, Map.of());
        LlmReply kafkaPii = viaKafka(user, Map.of("data_classification", "pii"));

        assertThat(List.of(noToken.statusCode(), role.statusCode(), classification.statusCode(), invalid.statusCode(),
                allFailing.statusCode())).containsExactly(401, 403, 400, 400, 503);
        for (HttpResponse<String> response : List.of(noToken, role, classification, invalid, allFailing)) {
            bodies.add(response.body());
        }
        assertThat(List.of(kafkaFailing, kafkaNoToken, kafkaForbidden, kafkaPii)).extracting(LlmReply::getStatus)
                .containsOnly(ReplyStatus.FAILED);
        assertThat(List.of(kafkaFailing, kafkaNoToken, kafkaForbidden, kafkaPii)).extracting(r -> r.getError().getErrorClass())
                .containsExactly("SERVER_ERROR", "UNAUTHENTICATED", "FORBIDDEN", "FORBIDDEN");
        for (LlmReply reply : List.of(kafkaFailing, kafkaNoToken, kafkaForbidden, kafkaPii)) {
            bodies.add(reply.getError().getMessage());
        }
        assertThat(bodies).allSatisfy(text -> assertThat(text).doesNotContain("4111").doesNotContain("Lovelace"));

        List<String> logged = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(logs.list)) {
            logged.add(event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                logged.add(String.valueOf(t.getMessage()));
            }
        }
        assertThat(logged).as("log lines captured while requests were refused and failed").hasSizeGreaterThan(5);
        assertThat(logged).allSatisfy(line -> assertThat(line).doesNotContain("4111").doesNotContain("Lovelace"));
    }
}
