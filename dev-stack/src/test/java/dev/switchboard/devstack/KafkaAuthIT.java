package dev.switchboard.devstack;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.avro.AuditEvent;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.Messages;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka path proves who made a request as the HTTP API does: a request on {@code llm.requests}
 * whose {@code authorization} header is missing, forged or another tenant's is answered FAILED,
 * dead-lettered and audited, and never reaches a provider.
 */
class KafkaAuthIT {

    @TempDir
    static Path dataDir;

    static StackFixture it;

    static Path policy;
    static String bundledPolicy;

    @BeforeAll
    static void startStack() throws Exception {
        // The bundled policy, from a file that a test changes while the stack runs.
        policy = dataDir.resolve("policy.csv");
        try (var in = KafkaAuthIT.class.getClassLoader().getResourceAsStream("rbac/policy.csv")) {
            bundledPolicy = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        java.nio.file.Files.writeString(policy, bundledPolicy);
        // sim-strong is the premium tier and the one provider that keeps no data.
        it = new StackFixture(dataDir, Map.of(dev.switchboard.platform.config.SwitchboardConfig.PLANNER_STRATEGY, "static",
                "provider.sim-strong.attributes", "tier:premium,zdr:true",
                dev.switchboard.platform.config.SwitchboardConfig.SECURITY_RBAC_POLICY, policy.toString()));
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
    }

    private static LlmRequest request(String tenant) {
        return LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setMessages(List.of(Messages.of(ChatRole.USER, "What is 4+4?"))).setCreatedAtMs(System.currentTimeMillis()).build();
    }

    private static String token(Map<String, String> fields) {
        return TokenClient.token(it.config.security(), fields);
    }

    /** Publishes {@code request} with {@code authorization} as its header (none when null). */
    private static void publish(LlmRequest request, String authorization) throws Exception {
        ProducerRecord<byte[], byte[]> record = it.codec.record(Topics.REQUESTS, request.getRequestId(), request);
        if (authorization != null) {
            Credentials.attach(record.headers(), authorization);
        }
        it.producer.send(record).get();
    }

    private static void assertRefused(LlmRequest request, String errorClass, String reason) {
        LlmReply reply = it.reply(request.getRequestId());
        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.FAILED);
        assertThat(reply.getAttempts()).isZero();
        assertThat(reply.getError().getErrorClass()).isEqualTo(errorClass);
        assertThat(reply.getError().getMessage()).doesNotContain("4+4");
        DeadLetter letter = it.await(Topics.DLQ, d -> request.getRequestId().equals(d.getRequestId()));
        assertThat(letter.getErrorClass()).isEqualTo(errorClass);
        AuditEvent audit = it.await(Topics.AUDIT, a -> request.getRequestId().equals(a.getDetails().get("requestId")));
        assertThat(audit.getAction()).isEqualTo("request.submit");
        assertThat(audit.getOutcome()).isEqualTo(errorClass);
        assertThat(audit.getDetails()).containsEntry("decision", "DENIED").containsEntry("reason", reason)
                .containsEntry("tenant", request.getTenantId());
        // Once the next request of the same producer is answered, the refused one has had its chance to be called.
        LlmRequest next = request("acme");
        try {
            it.send(next);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(it.reply(next.getRequestId()).getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(it.collector(Topics.ATTEMPTS).values(a -> a.getRequestId().equals(request.getRequestId())))
                .as("no provider was called for a refused request").isEmpty();
    }

    @Test
    void aRequestOfItsOwnTenantIsAnswered() throws Exception {
        LlmRequest request = request("acme");
        publish(request, token(Map.of("tenant", "acme")));

        assertThat(it.reply(request.getRequestId()).getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
    }

    @Test
    void aRequestWithoutATokenIsRefused() throws Exception {
        LlmRequest request = request("acme");
        publish(request, null);

        assertRefused(request, "UNAUTHENTICATED", "MISSING");
    }

    @Test
    void anUnsignedTokenIsRefused() throws Exception {
        LlmRequest request = request("acme");
        publish(request, new PlainJWT(claims("acme").build()).serialize());

        assertRefused(request, "UNAUTHENTICATED", "UNSIGNED");
    }

    @Test
    void aTokenSignedByAnotherKeyIsRefused() throws Exception {
        RSAKey forger = new RSAKeyGenerator(2048).keyID("switchboard").generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("switchboard").build(), claims("acme").build());
        jwt.sign(new RSASSASigner(forger));
        LlmRequest request = request("acme");
        publish(request, jwt.serialize());

        assertRefused(request, "UNAUTHENTICATED", "SIGNATURE");
    }

    @Test
    void aTokenOfAnotherTenantIsForbidden() throws Exception {
        LlmRequest request = request("acme");
        publish(request, token(Map.of("tenant", "globex")));

        assertRefused(request, "FORBIDDEN", "TENANT_MISMATCH");
        AuditEvent audit = it.await(Topics.AUDIT, a -> request.getRequestId().equals(a.getDetails().get("requestId")));
        assertThat(audit.getActor()).isEqualTo("switchboard-cli");
        assertThat(audit.getDetails()).containsEntry("principalTenant", "globex");
    }

    @Test
    void aRoleThePolicyDoesNotLetChatIsForbiddenInItsOwnTenant() throws Exception {
        LlmRequest request = request("acme");
        publish(request, token(Map.of("tenant", "acme", "roles", "analyst")));

        assertRefused(request, "FORBIDDEN", "ROLE");
        assertThat(it.reply(request.getRequestId()).getError().getMessage())
                .endsWith("no rule lets role(s) [analyst] chat requests in their tenant");
    }

    @Test
    void anOperatorMayRequestForAnyTenant() throws Exception {
        LlmRequest request = request("acme");
        publish(request, token(Map.of("tenant", "ops-team", "roles", "ops")));

        LlmReply reply = it.reply(request.getRequestId());
        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(reply.getTenantId()).isEqualTo("acme");
    }

    @Test
    void aUserWhoNamesAPremiumProviderIsForbiddenNamingTheRule() throws Exception {
        LlmRequest request = LlmRequest.newBuilder(request("acme")).setPreferredProviders(List.of("sim-strong")).build();
        publish(request, token(Map.of("tenant", "acme", "roles", "user")));

        assertRefused(request, "FORBIDDEN", "POLICY");
        String rule = "sim-strong: tier premium: no rule lets role(s) [user] use tier:premium in their tenant";
        assertThat(it.reply(request.getRequestId()).getError().getMessage()).endsWith(rule);
        AuditEvent audit = it.await(Topics.AUDIT, a -> request.getRequestId().equals(a.getDetails().get("requestId")));
        assertThat(audit.getDetails().get("rule")).endsWith(rule);
    }

    @Test
    void personalDataReachesOnlyTheProviderThatKeepsNothing() throws Exception {
        LlmRequest pii = LlmRequest.newBuilder(request("acme")).setAttributes(Map.of("data_classification", "pii")).build();
        publish(pii, token(Map.of("tenant", "acme", "roles", "tenant-admin")));

        LlmReply reply = it.reply(pii.getRequestId());
        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(reply.getProvider()).isEqualTo("sim-strong");
        // A user may not use the premium tier, so its personal data has nowhere to go.
        LlmRequest userPii = LlmRequest.newBuilder(request("acme")).setAttributes(Map.of("data_classification", "pii")).build();
        publish(userPii, token(Map.of("tenant", "acme", "roles", "user")));
        assertRefused(userPii, "FORBIDDEN", "POLICY");
        assertThat(it.reply(userPii.getRequestId()).getError().getMessage())
                .contains("sim-fast: data classified pii goes only to providers with zdr=true (rule p2, pii, zdr, true); zdr is unset");
    }

    @Test
    void aReplayedRequestNeedsATokenThatMayReplayDeadLetters() throws Exception {
        LlmRequest request = request("acme");
        ProducerRecord<byte[], byte[]> record = it.codec.record(Topics.REQUESTS, request.getRequestId(), request);
        Credentials.attach(record.headers(), token(Map.of("tenant", "acme", "roles", "user")));
        record.headers().add(dev.switchboard.platform.kafka.ReplayHeaders.COUNT, "1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        it.producer.send(record).get();

        assertRefused(request, "FORBIDDEN", "REPLAY");
        assertThat(it.reply(request.getRequestId()).getError().getMessage())
                .endsWith("no rule lets role(s) [user] replay dlq in their tenant");
    }

    @Test
    void theConfigurationAndPolicyInForceAtStartAreOnTheAuditTrail() throws Exception {
        AuditEvent config = it.await(Topics.AUDIT, a -> a.getAction().equals("config.load"));
        AuditEvent loaded = it.await(Topics.AUDIT, a -> a.getAction().equals("policy.load") && a.getActor().equals("planner"));

        assertThat(config.getDetails()).containsEntry("sha256", it.config.fingerprint().sha256());
        assertThat(config.getDetails().get("changedKeys")).contains("planner.strategy").contains("security.rbac.policy");
        assertThat(loaded.getTarget()).isEqualTo(policy.toString());
        assertThat(loaded.getOutcome()).isEqualTo("APPLIED");
        assertThat(loaded.getDetails()).containsEntry("sha256", sha256(bundledPolicy));
    }

    @Test
    void aChangedPolicyFileIsAuditedAndOneThatDoesNotParseIsRefused() throws Exception {
        String original = java.nio.file.Files.readString(policy);
        java.nio.file.Files.writeString(policy, "p, user\n");
        java.nio.file.Files.setLastModifiedTime(policy, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        // A decision makes the planner look at its policy file again, at most once a second.
        org.awaitility.Awaitility.await().atMost(StackFixture.WAIT).until(() -> {
            aRequestOfItsOwnTenantIsAnswered();
            return !it.collector(Topics.AUDIT).values(a -> a.getAction().equals("policy.reload") && a.getOutcome().equals("REJECTED"))
                    .isEmpty();
        });
        AuditEvent refused = it.await(Topics.AUDIT, a -> a.getAction().equals("policy.reload") && a.getOutcome().equals("REJECTED"));
        assertThat(refused.getActor()).isEqualTo("planner");
        assertThat(refused.getDetails()).containsEntry("decision", "REJECTED").containsEntry("sha256", sha256("p, user\n"));
        assertThat(refused.getDetails().get("reason")).contains("invalid policy size");

        String extended = original + "p, analyst, use, tier:standard, own\n";
        java.nio.file.Files.writeString(policy, extended);
        java.nio.file.Files.setLastModifiedTime(policy, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        org.awaitility.Awaitility.await().atMost(StackFixture.WAIT).until(() -> {
            aRequestOfItsOwnTenantIsAnswered();
            return it.collector(Topics.AUDIT).values(a -> a.getAction().equals("policy.reload") && a.getOutcome().equals("APPLIED"))
                    .stream().anyMatch(a -> a.getDetails().get("sha256").equals(sha256(extended)));
        });
    }

    private static String sha256(String text) {
        return dev.switchboard.platform.Sha256.hex(text);
    }

    @Test
    void requestsAreStampedByTheBrokerSoATokenIsJudgedByWhenItWasAppended() throws Exception {
        String type;
        try (var admin = it.clients.admin("it-auth")) {
            var configs = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, Topics.REQUESTS.name()))).all().get();
            type = configs.values().iterator().next().get("message.timestamp.type").value();
        }

        assertThat(type).isEqualTo("LogAppendTime");
    }

    private static JWTClaimsSet.Builder claims(String tenant) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(it.config.security().issuer()).audience("switchboard").subject("mallory")
                .expirationTime(Date.from(now.plusSeconds(300))).claim("tenant", tenant);
    }
}
