package dev.switchboard.devstack;

import dev.switchboard.analytics.AnalyticsService;
import dev.switchboard.analytics.clickhouse.ClickHouseConnection;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.registry.SchemaRegistryServer;
import dev.switchboard.devstack.registry.SchemaStore;
import dev.switchboard.devstack.simulator.ProviderSimulator;
import dev.switchboard.planner.PlannerService;
import dev.switchboard.platform.ServiceContext;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.provider.WorkersService;
import dev.switchboard.router.RouterService;
import dev.switchboard.schemas.Messages;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The end-to-end path on the official {@code apache/kafka} and {@code clickhouse/clickhouse-server}
 * images (the versions docker-compose.yml runs) instead of the in-process broker and the Debian
 * ClickHouse: the registry, the simulator and the planner, router, workers and analytics run here,
 * against the containers; the analytics migrations apply on the current ClickHouse and its
 * leaderboard counts the request. Runs where a Docker engine does; skipped, and reported as skipped,
 * where none does.
 */
@Testcontainers(disabledWithoutDocker = true)
class ApacheKafkaImageIT {

    /** The broker image, pinned: Kafka 4.x in KRaft mode, as the README asks of a cluster. */
    static final String IMAGE = "apache/kafka:4.3.1";
    /** ClickHouse's current release line, as docker-compose.yml runs it. */
    static final String CLICKHOUSE_IMAGE = "clickhouse/clickhouse-server:25.8";

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer(IMAGE);

    @Container
    static final GenericContainer<?> CLICKHOUSE = new GenericContainer<>(CLICKHOUSE_IMAGE)
            .withEnv("CLICKHOUSE_SKIP_USER_SETUP", "1")
            .withExposedPorts(8123)
            .waitingFor(Wait.forHttp("/ping").forPort(8123));

    @TempDir
    Path dataDir;

    @Test
    void aRequestIsPlannedCalledAndAnsweredOnTheApacheKafkaImage() throws Exception {
        Map<String, String> settings = TestStack.settings(dataDir, Map.of(SwitchboardConfig.SECURITY_ENABLED, "false"));
        settings.put(SwitchboardConfig.BOOTSTRAP_SERVERS, KAFKA.getBootstrapServers());
        settings.put(SwitchboardConfig.ANALYTICS_ENABLED, "true");
        settings.put(SwitchboardConfig.CLICKHOUSE_ENABLED, "true");
        String clickhouseUrl = "http://" + CLICKHOUSE.getHost() + ":" + CLICKHOUSE.getMappedPort(8123);
        settings.put(SwitchboardConfig.CLICKHOUSE_URL, clickhouseUrl);
        SwitchboardConfig config = SwitchboardConfig.withOverrides(settings);
        KafkaClients clients = TestStack.clients(config);
        try (SchemaStore store = new SchemaStore(clients);
             SchemaRegistryServer registry = new SchemaRegistryServer(store, config.registryPort()).start()) {
            ServiceContext.connect(config);
            Codec codec = TestStack.codec(config);
            try (ProviderSimulator simulator = new ProviderSimulator(config.simulatedProviders(), config.simulatorSeed(),
                         config.simulatorPort(), ProviderSimulator.Responder.DEFAULT).start();
                 PlannerService planner = new PlannerService(config, clients, codec).start();
                 RouterService router = new RouterService(config, clients, codec).start();
                 WorkersService workers = new WorkersService(config, clients, codec).start();
                 AnalyticsService analytics = new AnalyticsService(config, clients, codec).start();
                 ClickHouseConnection clickhouse = new ClickHouseConnection(clickhouseUrl, "default", "");
                 KafkaProducer<byte[], byte[]> producer = clients.producer("it-apache-kafka-image")) {
                Duration wait = Duration.ofSeconds(60);
                assertThat(planner.awaitAssignment(wait)).isTrue();
                assertThat(router.awaitAssignment(wait)).isTrue();
                assertThat(workers.awaitStarted(wait)).isTrue();
                assertThat(analytics.awaitClickHouseSchema(wait)).isTrue();

                LlmRequest request = LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("acme")
                        .setMessages(List.of(Messages.of(ChatRole.USER, "What is 2+2?"))).setPreferredProviders(List.of("sim-fast"))
                        .setCreatedAtMs(System.currentTimeMillis()).build();
                producer.send(TestStack.requestRecord(config, codec, request.getRequestId(), request)).get();

                TopicCollector<LlmReply> replies = new TopicCollector<>(Topics.REPLIES, clients, codec);
                try (replies) {
                    LlmReply reply = await().atMost(Duration.ofSeconds(30)).until(
                            () -> replies.values(r -> r.getRequestId().equals(request.getRequestId())), l -> !l.isEmpty()).getFirst();
                    assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
                    assertThat(reply.getProvider()).isEqualTo("sim-fast");
                    assertThat(reply.getContent()).isEqualTo("2 + 2 = 4.");
                }
                // The attempt reaches the current ClickHouse, and its leaderboard (a view) counts it.
                await().atMost(Duration.ofSeconds(60)).until(() -> clickhouse.query("SELECT attempts FROM switchboard.provider_leaderboard "
                        + "WHERE provider = 'sim-fast'").stream().anyMatch(r -> r.get("attempts").asLong() == 1));
                assertThat(clickhouse.query("SELECT status, tenant_id FROM switchboard.attempts FINAL WHERE request_id = '"
                        + request.getRequestId() + "'").getFirst().toString()).isEqualTo("{\"status\":\"SUCCEEDED\",\"tenant_id\":\"acme\"}");
            }
        }
    }
}
