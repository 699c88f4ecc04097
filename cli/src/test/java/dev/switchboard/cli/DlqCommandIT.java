package dev.switchboard.cli;

import dev.switchboard.avro.AuditEvent;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dead-letter workflow as an operator runs it: garbage and a failed request appear in
 * {@code dlq list}; {@code replay --dry-run} changes nothing; a replay after the provider recovers
 * answers the request; the same replay again replays nothing; a request replayed too often is parked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DlqCommandIT {

    private static final Pattern REQUEST = Pattern.compile("request\\s+(\\S+)\\n");

    @TempDir
    static Path dataDir;
    static CliStack cli;
    static KafkaClients clients;
    static Codec codec;
    static String failedRequest;

    @BeforeAll
    static void start() {
        cli = new CliStack(dataDir);
        clients = new KafkaClients(cli.settings.get(SwitchboardConfig.BOOTSTRAP_SERVERS));
        codec = new Codec(new SchemaRegistryClient(cli.settings.get(SwitchboardConfig.SCHEMA_REGISTRY_URL)));
    }

    @AfterAll
    static void stop() {
        cli.close();
    }

    static void fail(String provider, boolean failing) {
        cli.stack.simulator().setFaults(provider, new Faults(failing ? 1.0 : 0.0, 0, 1, 2, Map.of(503, 1.0)));
    }

    static List<LlmReply> replies(String requestId) {
        return TopicReader.readToEnd(clients, List.of(Topics.REPLIES.name()),
                        r -> requestId.equals(new String(r.key(), StandardCharsets.UTF_8)))
                .stream().map(r -> codec.decode(Topics.REPLIES, r.value())).toList();
    }

    @Test
    @Order(1)
    void garbageAndFailedRequestsAreListed() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("it-garbage")) {
            producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), "junk".getBytes(StandardCharsets.UTF_8),
                    new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 1, 2, 3})).get();
        }
        fail("sim-flaky", true);
        CliStack.Run send = cli.run("send", "What is 4+4?", "--provider", "sim-flaky", "--tenant", "ops-test");
        assertThat(send.exitCode()).isEqualTo(1);
        Matcher m = REQUEST.matcher(send.out());
        assertThat(m.find()).isTrue();
        failedRequest = m.group(1);

        CliStack.Run list = await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("dlq", "list", "--wide"),
                r -> r.out().contains("UNKNOWN_MAGIC_BYTE") && r.out().contains(failedRequest));
        assertThat(list.exitCode()).isEqualTo(0);
        assertThat(list.out()).containsPattern("planner\\s+UNKNOWN_MAGIC_BYTE\\s+llm.requests/");
        assertThat(list.out()).contains("Details: bin/switchboard dlq show OFFSET");
        assertThat(list.out()).containsPattern("provider-worker\\s+SERVER_ERROR\\s+llm.tasks.sim-flaky/\\d/\\d+\\s+"
                + failedRequest + "\\s+ops-test\\s+1\\s+no");
        assertThat(cli.run("dlq", "list", "--tenant", "ops-test").out()).doesNotContain("UNKNOWN_MAGIC_BYTE").contains(failedRequest);
        assertThat(cli.run("dlq", "list", "--stage", "planner").out()).contains("UNKNOWN_MAGIC_BYTE").doesNotContain(failedRequest);
        assertThat(cli.run("dlq", "list", "--since", "1h", "--error-class", "server_error").out()).contains(failedRequest);
        assertThat(cli.run("dlq", "list", "--until", "2000-01-01").out()).startsWith("No dead letters match.");

        // Without --wide the list fits 120 columns and keeps the ids whole; --output json has every field of every row.
        String narrow = cli.run("dlq", "list").out();
        assertThat(narrow.lines()).allMatch(line -> line.length() <= 120);
        assertThat(narrow).startsWith("OFFSET").containsPattern("SERVER_ERROR\\s+" + failedRequest + "\\s+no\\s+")
                .contains("; every column: --wide");
        CliStack.Run json = cli.run("dlq", "list", "--provider", "sim-flaky", "--output", "json");
        assertThat(json.exitCode()).isEqualTo(0);
        com.fasterxml.jackson.databind.JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("request").asText()).isEqualTo(failedRequest);
        assertThat(rows.get(0).get("stage").asText()).isEqualTo("provider-worker");
        assertThat(rows.get(0).get("error_class").asText()).isEqualTo("SERVER_ERROR");
        assertThat(rows.get(0).get("tenant").asText()).isEqualTo("ops-test");
        assertThat(rows.get(0).get("replayed").asText()).isEqualTo("no");
        assertThat(cli.run("dlq", "list", "--output", "yaml").err()).contains("--output must be one of table, json; got 'yaml'");
    }

    @Test
    @Order(2)
    void showExplainsOneDeadLetterWithoutPrintingThePrompt() {
        String list = cli.run("dlq", "list", "--provider", "sim-flaky").out();
        String offset = list.lines().filter(l -> l.contains(failedRequest)).findFirst().orElseThrow().split("\\s+")[0];

        CliStack.Run show = cli.run("dlq", "show", offset);

        assertThat(show.exitCode()).isEqualTo(0);
        assertThat(show.out()).containsPattern("error class\\s+SERVER_ERROR");
        assertThat(show.out()).containsPattern("original\\s+llm.tasks.sim-flaky partition");
        assertThat(show.out()).contains("\"content\": \"…\"").doesNotContain("What is 4+4?");
        assertThat(cli.run("dlq", "show", offset, "--content").out()).contains("What is 4+4?");
        assertThat(cli.run("dlq", "show", "9/999").exitCode()).isEqualTo(1);
    }

    @Test
    @Order(3)
    void dryRunShowsReasonsAndPublishesNothing() {
        CliStack.Run dry = cli.run("dlq", "replay", "--dry-run");

        assertThat(dry.out()).startsWith("Selected 2 dead letter(s): 2 to replay to their original topics, 0 to park; 0 already replayed.");
        assertThat(dry.out()).containsPattern("SERVER_ERROR\\s+1\\s+#+").containsPattern("UNKNOWN_MAGIC_BYTE\\s+1\\s+#+");
        assertThat(dry.out()).contains("Dry run: nothing was published.");
        assertThat(cli.run("dlq", "replay", "--dry-run").out()).startsWith("Selected 2 dead letter(s)");
    }

    @Test
    @Order(4)
    void replayAfterRecoveryAnswersTheRequestAndASecondReplayDoesNothing() {
        fail("sim-flaky", false);

        CliStack.Run replay = cli.run("dlq", "replay", "--provider", "sim-flaky", "--rate", "20/s");

        assertThat(replay.exitCode()).isEqualTo(0);
        assertThat(replay.out()).contains("Replayed 1, parked 0. Audit record written to llm.audit.");
        List<LlmReply> answers = await().atMost(Duration.ofSeconds(30)).until(() -> replies(failedRequest),
                l -> l.stream().anyMatch(r -> r.getStatus() == ReplyStatus.SUCCEEDED));
        assertThat(answers).extracting(LlmReply::getStatus).containsExactly(ReplyStatus.FAILED, ReplyStatus.SUCCEEDED);
        assertThat(answers.get(1).getContent()).isEqualTo("4 + 4 = 8.");

        CliStack.Run again = cli.run("dlq", "replay", "--provider", "sim-flaky");
        assertThat(again.out()).startsWith("Selected 0 dead letter(s): 0 to replay to their original topics, 0 to park; 1 already replayed.");
        assertThat(cli.run("dlq", "list", "--provider", "sim-flaky", "--wide").out()).containsPattern(failedRequest + "\\s+ops-test\\s+1\\s+yes");
        String trace = cli.run("trace", failedRequest).out();
        assertThat(trace.lines()).allMatch(line -> line.length() <= 120);
        assertThat(cli.run("trace", failedRequest, "--wide").out())
                .containsPattern("reply FAILED from sim-flaky, attempts 1, SERVER_ERROR")
                .containsPattern("reply SUCCEEDED from sim-flaky, attempts 1\\s+#1");
    }

    @Test
    @Order(5)
    void aRequestReplayedTooOftenIsParked() {
        fail("sim-strong", true);
        CliStack.Run send = cli.run("send", "Hello", "--provider", "sim-strong", "--set", "dlq.max.replays=1");
        Matcher m = REQUEST.matcher(send.out());
        assertThat(m.find()).isTrue();
        String request = m.group(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("dlq", "list", "--provider", "sim-strong").out().contains(request));

        // Replayed once, it fails again and comes back to the DLQ with replay count 1 ...
        assertThat(cli.run("dlq", "replay", "--provider", "sim-strong", "--set", "dlq.max.replays=1").out())
                .contains("Replayed 1, parked 0.");
        await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("dlq", "list", "--provider", "sim-strong").out()
                .lines().filter(l -> l.contains(request)).count() == 2);
        // ... and with dlq.max.replays=1 it is parked, not replayed a second time.
        CliStack.Run second = cli.run("dlq", "replay", "--provider", "sim-strong", "--set", "dlq.max.replays=1");
        assertThat(second.out()).startsWith("Selected 1 dead letter(s): 0 to replay to their original topics, 1 to park; 1 already replayed.")
                .contains("Replayed 0, parked 1.");
        fail("sim-strong", false);
    }

    @Test
    @Order(6)
    void everyReplayRunIsAudited() {
        List<AuditEvent> all = TopicReader.readToEnd(clients, List.of(Topics.AUDIT.name()), r -> true).stream()
                .map(r -> codec.decode(Topics.AUDIT, r.value())).toList();
        // Besides what was in force at start (the configuration; the policy of the edge, the planner and the simulator's
        // fault endpoint) ...
        assertThat(all).extracting(AuditEvent::getAction).filteredOn(a -> !a.equals("dlq.replay"))
                .containsExactlyInAnyOrder("config.load", "policy.load", "policy.load", "policy.load");
        // ... the replays that published something: sim-flaky, sim-strong, sim-strong parked (a dry run and an empty run write none).
        List<AuditEvent> events = all.stream().filter(e -> e.getAction().equals("dlq.replay")).toList();
        assertThat(events).hasSize(3);
        assertThat(events).extracting(e -> e.getDetails().get("replayed")).containsExactlyInAnyOrder("1", "1", "0");
        assertThat(events).extracting(e -> e.getDetails().get("parked")).containsExactlyInAnyOrder("0", "0", "1");
        assertThat(events).allSatisfy(e -> assertThat(e.getOutcome()).isEqualTo("SUCCEEDED"));
    }
}
