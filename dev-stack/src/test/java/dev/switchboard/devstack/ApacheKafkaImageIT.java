package dev.switchboard.devstack;

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
 * The end-to-end path on the official {@code apache/kafka} image instead of the in-process broker:
 * the registry, the simulator and the planner, router and workers run here, against the container.
 * Runs where a Docker engine does; skipped, and reported as skipped, where none does.
 */
@Testcontainers(disabledWithoutDocker = true)
class ApacheKafkaImageIT {

    /** The broker image, pinned: Kafka 4.x in KRaft mode, as the README asks of a cluster. */
    static final String IMAGE = "apache/kafka:4.1.1";

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer(IMAGE);

    @TempDir
    Path dataDir;

    @Test
    void aRequestIsPlannedCalledAndAnsweredOnTheApacheKafkaImage() throws Exception {
        Map<String, String> settings = TestStack.settings(dataDir, Map.of(SwitchboardConfig.SECURITY_ENABLED, "false"));
        settings.put(SwitchboardConfig.BOOTSTRAP_SERVERS, KAFKA.getBootstrapServers());
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
                 KafkaProducer<byte[], byte[]> producer = clients.producer("it-apache-kafka-image")) {
                Duration wait = Duration.ofSeconds(60);
                assertThat(planner.awaitAssignment(wait)).isTrue();
                assertThat(router.awaitAssignment(wait)).isTrue();
                assertThat(workers.awaitStarted(wait)).isTrue();

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
            }
        }
    }
}
