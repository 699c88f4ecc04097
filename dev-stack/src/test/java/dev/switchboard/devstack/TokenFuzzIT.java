package dev.switchboard.devstack;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.avro.AuditEvent;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.Messages;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of bad token, on both ways in: over HTTP it gets 401 and on {@code llm.requests} a
 * FAILED {@code UNAUTHENTICATED} reply, never a provider call, and on both an audit record naming
 * the reason. The forgeries are made with the stack's own issuer key where a real attacker would
 * not have it, so that each case fails for its one reason only.
 */
class TokenFuzzIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dataDir;

    static StackFixture it;
    static RSAKey issuerKey;
    static String issuerKid;

    @BeforeAll
    static void startStack() throws Exception {
        it = new StackFixture(dataDir, Map.of(SwitchboardConfig.PLANNER_STRATEGY, "static"));
        String real = TokenClient.token(it.config.security(), Map.of("tenant", "acme"));
        issuerKid = SignedJWT.parse(real).getHeader().getKeyID();
        issuerKey = RSAKey.parse(Files.readString(it.config.dataDir().resolve("idp").resolve("signing-key.json")));
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
    }

    /** A bad token (null: none at all) and the reason it must be refused for. */
    record Case(String name, String token, String reason) {
        @Override
        public String toString() {
            return name + " → " + reason;
        }
    }

    static Stream<Case> badTokens() throws Exception {
        Instant now = Instant.now();
        RSAKey other = new RSAKeyGenerator(2048).keyID(issuerKid).generate();
        RSAKey rotatedAway = new RSAKeyGenerator(2048).keyID("retired-" + UUID.randomUUID()).generate();
        String good = sign(issuerKey, issuerKid, claims(now).build());
        String[] parts = good.split("\\.");
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(issuerKid).build(), claims(now).build());
        hmac.sign(new MACSigner(issuerKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
        return Stream.of(
                new Case("missing", null, "MISSING"),
                new Case("malformed", "not-a-jwt", "MALFORMED"),
                new Case("alg none", new PlainJWT(claims(now).build()).serialize(), "UNSIGNED"),
                new Case("HS256 with the public key", hmac.serialize(), "ALGORITHM"),
                new Case("tampered payload", parts[0] + "." + Base64URL.encode(claims(now).claim("tenant", "globex").build().toString())
                        + "." + parts[2], "SIGNATURE"),
                new Case("another key under the issuer's kid", sign(other, issuerKid, claims(now).build()), "SIGNATURE"),
                new Case("wrong issuer", sign(issuerKey, issuerKid, claims(now).issuer("http://evil.example/switchboard").build()), "ISSUER"),
                new Case("wrong audience", sign(issuerKey, issuerKid, claims(now).audience("another-api").build()), "AUDIENCE"),
                new Case("expired", sign(issuerKey, issuerKid, claims(now).expirationTime(Date.from(now.minusSeconds(120))).build()),
                        "EXPIRED"),
                new Case("not yet valid", sign(issuerKey, issuerKid, claims(now).notBeforeTime(Date.from(now.plusSeconds(600))).build()),
                        "NOT_YET_VALID"),
                new Case("unknown kid", sign(issuerKey, "no-such-key", claims(now).build()), "UNKNOWN_KEY"),
                new Case("a rotated-out key", sign(rotatedAway, rotatedAway.getKeyID(), claims(now).build()), "UNKNOWN_KEY"));
    }

    private static JWTClaimsSet.Builder claims(Instant now) {
        return new JWTClaimsSet.Builder().issuer(it.config.security().issuer()).audience(it.config.security().audience())
                .subject("mallory").issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300))).claim("tenant", "acme")
                .claim("roles", List.of("user"));
    }

    private static String sign(RSAKey key, String kid, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    @ParameterizedTest(name = "HTTP: {0}")
    @MethodSource("badTokens")
    void overHttpEachIs401AndAudited(Case bad) throws Exception {
        // A path of its own, so that the audit record found is this case's.
        String path = "/v1/requests/fuzz-" + UUID.randomUUID();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + it.stack.healthPort() + path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (bad.token() != null) {
            request.header("Authorization", "Bearer " + bad.token());
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
        AuditEvent audit = it.await(Topics.AUDIT, a -> a.getTarget().equals(path));
        assertThat(audit.getOutcome()).isEqualTo("UNAUTHENTICATED");
        assertThat(audit.getDetails()).containsEntry("decision", "DENIED").containsEntry("reason", bad.reason());
    }

    @ParameterizedTest(name = "Kafka: {0}")
    @MethodSource("badTokens")
    void onKafkaEachIsFailedUnauthenticatedNeverCalledAndAudited(Case bad) throws Exception {
        LlmRequest request = LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, "What is 5+5?"))).setCreatedAtMs(System.currentTimeMillis()).build();
        ProducerRecord<byte[], byte[]> record = it.codec.record(Topics.REQUESTS, request.getRequestId(), request);
        if (bad.token() != null) {
            Credentials.attach(record.headers(), bad.token());
        }
        it.producer.send(record).get();

        LlmReply reply = it.reply(request.getRequestId());
        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.FAILED);
        assertThat(reply.getAttempts()).isZero();
        assertThat(reply.getError().getErrorClass()).isEqualTo("UNAUTHENTICATED");
        assertThat(reply.getError().getMessage()).doesNotContain("5+5");
        AuditEvent audit = it.await(Topics.AUDIT, a -> request.getRequestId().equals(a.getDetails().get("requestId")));
        assertThat(audit.getOutcome()).isEqualTo("UNAUTHENTICATED");
        assertThat(audit.getDetails()).containsEntry("decision", "DENIED").containsEntry("reason", bad.reason());
        assertThat(it.collector(Topics.ATTEMPTS).values(a -> a.getRequestId().equals(request.getRequestId()))).isEmpty();
    }
}
