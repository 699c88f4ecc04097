package dev.switchboard.devstack;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.Messages;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A secured cluster: the embedded broker authenticates clients with SASL/OAUTHBEARER against the
 * stack's own OAuth2 issuer (the tokens the HTTP API and the planner accept) and authorizes them
 * with ACLs (KRaft's StandardAuthorizer, nothing allowed without an ACL). Switchboard's services run
 * through it as principal {@code User:switchboard}; an application may produce requests and read
 * its own reply topic and nothing else; an operator console may read dead letters.
 *
 * <p>The broker keeps a plaintext listener for itself (controller and inter-broker traffic, and the
 * test's ACL administration, as {@code User:ANONYMOUS}): on a real cluster that listener is secured too.
 */
class SecuredKafkaIT {

    private static final String APP_REPLIES = "llm.replies.billing";
    private static final String LOGIN = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required";

    @TempDir
    static Path dataDir;

    static StackFixture it;
    static String internal;
    static String tokenUrl;

    @BeforeAll
    static void startSecuredStack() throws Exception {
        Map<String, String> settings = TestStack.settings(dataDir, Map.of(SwitchboardConfig.PLANNER_STRATEGY, "static"));
        int sasl = Integer.parseInt(settings.get(SwitchboardConfig.KAFKA_PORT));
        int plaintext = FreePorts.any();
        String issuer = settings.get(SwitchboardConfig.SECURITY_ISSUER);
        tokenUrl = issuer + "/token";
        internal = "localhost:" + plaintext;
        // Kafka fetches only from identity-provider addresses the JVM allows.
        System.setProperty("org.apache.kafka.sasl.oauthbearer.allowed.urls", tokenUrl + "," + issuer + "/jwks");
        settings.putAll(oauthClient("switchboard"));
        settings.put("kafka.security.protocol", "SASL_PLAINTEXT");
        Map<String, String> broker = new HashMap<>();
        broker.put("listeners", "PLAINTEXT://localhost:" + plaintext + ",SASL_PLAINTEXT://localhost:" + sasl
                + ",CONTROLLER://localhost:" + settings.get(SwitchboardConfig.KAFKA_CONTROLLER_PORT));
        broker.put("advertised.listeners", "PLAINTEXT://localhost:" + plaintext + ",SASL_PLAINTEXT://localhost:" + sasl);
        broker.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
        broker.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "OAUTHBEARER");
        broker.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config", LOGIN + ";");
        broker.put("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler");
        broker.put("sasl.oauthbearer.jwks.endpoint.url", issuer + "/jwks");
        broker.put("sasl.oauthbearer.expected.issuer", issuer);
        broker.put("sasl.oauthbearer.expected.audience", "switchboard");
        broker.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        broker.put("allow.everyone.if.no.acl.found", "false");
        broker.put("super.users", "User:ANONYMOUS;User:switchboard");
        it = new StackFixture(SwitchboardConfig.withOverrides(settings),
                dev.switchboard.devstack.simulator.ProviderSimulator.Responder.DEFAULT, broker);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, internal))) {
            admin.createTopics(List.of(new NewTopic(APP_REPLIES, 1, (short) 1))).all().get();
            admin.createAcls(List.of(
                    // The billing application: produce requests, read its own replies in its own groups.
                    allow("billing-app", ResourceType.TOPIC, Topics.REQUESTS.name(), PatternType.LITERAL, AclOperation.WRITE),
                    allow("billing-app", ResourceType.TOPIC, APP_REPLIES, PatternType.LITERAL, AclOperation.READ),
                    allow("billing-app", ResourceType.GROUP, "billing-", PatternType.PREFIXED, AclOperation.READ),
                    // The operators' console: read dead letters, replay them as requests.
                    allow("ops-console", ResourceType.TOPIC, Topics.DLQ.name(), PatternType.LITERAL, AclOperation.READ),
                    allow("ops-console", ResourceType.TOPIC, Topics.REQUESTS.name(), PatternType.LITERAL, AclOperation.WRITE),
                    allow("ops-console", ResourceType.GROUP, "ops-", PatternType.PREFIXED, AclOperation.READ)))
                    .all().get();
        }
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
        System.clearProperty("org.apache.kafka.sasl.oauthbearer.allowed.urls");
    }

    /** Client settings of {@code clientId}: SASL/OAUTHBEARER with a client-credentials token from the stack's issuer. */
    private static Map<String, String> oauthClient(String clientId) {
        return Map.of(
                "kafka.sasl.mechanism", "OAUTHBEARER",
                "kafka.sasl.login.callback.handler.class", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
                "kafka.sasl.oauthbearer.token.endpoint.url", tokenUrl,
                "kafka.sasl.jaas.config", LOGIN + " clientId=\"" + clientId + "\" clientSecret=\"dev\" scope=\"switchboard\";");
    }

    /** Kafka client properties of {@code clientId} as Switchboard's configuration makes them. */
    private static Map<String, Object> clientProperties(String clientId) {
        Map<String, String> settings = new HashMap<>(oauthClient(clientId));
        settings.put("kafka.security.protocol", "SASL_PLAINTEXT");
        settings.put(SwitchboardConfig.SECURITY_ISSUER, it.config.security().issuer());
        return SwitchboardConfig.withOverrides(settings).security().kafkaClientProperties();
    }

    private static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + principal, "*", operation, AclPermissionType.ALLOW));
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String clientId, String group) {
        Map<String, Object> props = new HashMap<>(clientProperties(clientId));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, it.config.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static LlmRequest request(String replyTo) {
        return LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("acme").setReplyTo(replyTo)
                .setMessages(List.of(Messages.of(ChatRole.USER, "What is 6+6?"))).setCreatedAtMs(System.currentTimeMillis()).build();
    }

    @Test
    void anApplicationAuthenticatedByItsTokenGetsItsAnswerThroughTheSecuredPipeline() throws Exception {
        KafkaClients app = new KafkaClients(it.config.bootstrapServers(), clientProperties("billing-app"));
        LlmRequest request = request(APP_REPLIES);
        String recordToken = TokenClient.token(it.config.security(), Map.of("tenant", "acme"));
        try (KafkaProducer<byte[], byte[]> producer = app.producer("billing-app");
             KafkaConsumer<byte[], byte[]> replies = consumer("billing-app", "billing-replies")) {
            producer.send(Credentials.withToken(it.codec.record(Topics.REQUESTS, request.getRequestId(), request), recordToken)).get();
            replies.subscribe(List.of(APP_REPLIES));
            List<LlmReply> got = new ArrayList<>();
            await().atMost(StackFixture.WAIT).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : replies.poll(Duration.ofMillis(200))) {
                    got.add(it.codec.decode(Topics.replies(APP_REPLIES), record.value()));
                }
                return got.stream().anyMatch(r -> r.getRequestId().equals(request.getRequestId()));
            });
            LlmReply reply = got.stream().filter(r -> r.getRequestId().equals(request.getRequestId())).findFirst().orElseThrow();
            assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
            assertThat(reply.getTenantId()).isEqualTo("acme");
        }
    }

    @Test
    void anApplicationMayNotWriteAroundThePlannerNorReadOthersTopics() throws Exception {
        KafkaClients app = new KafkaClients(it.config.bootstrapServers(), clientProperties("billing-app"));
        try (KafkaProducer<byte[], byte[]> producer = app.producer("billing-app")) {
            ExecutionException plans = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>(Topics.PLANS.name(), "x".getBytes(), "x".getBytes())).get());
            assertThat(plans.getCause()).isInstanceOf(TopicAuthorizationException.class);
            assertThat(((TopicAuthorizationException) plans.getCause()).unauthorizedTopics()).containsExactly(Topics.PLANS.name());
        }
        for (String topic : List.of(Topics.REQUESTS.name(), Topics.REPLIES.name(), Topics.DLQ.name())) {
            try (KafkaConsumer<byte[], byte[]> consumer = consumer("billing-app", "billing-snoop")) {
                consumer.subscribe(List.of(topic));
                assertThatThrownBy(() -> {
                    for (int i = 0; i < 50; i++) {
                        consumer.poll(Duration.ofMillis(200));
                    }
                }).as(topic).isInstanceOf(TopicAuthorizationException.class);
            }
        }
    }

    @Test
    void theOperatorsConsoleMayReadDeadLetters() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer("ops-console", "ops-dlq")) {
            consumer.subscribe(List.of(Topics.DLQ.name()));
            await().atMost(StackFixture.WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200));
                return !consumer.assignment().isEmpty();
            });
            assertThat(consumer.assignment()).allMatch(tp -> tp.topic().equals(Topics.DLQ.name()));
        }
    }

    @Test
    void aClientThatSignsItsOwnTokenIsNotLetIn() {
        // Kafka's "unsecured" login makes an unsigned token claiming to be Switchboard itself.
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, it.config.bootstrapServers());
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "OAUTHBEARER");
        props.put("sasl.jaas.config", LOGIN + " unsecuredLoginStringClaim_sub=\"switchboard\";");
        try (Admin forger = Admin.create(props)) {
            assertThatThrownBy(() -> forger.listTopics().names().get())
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }
}
