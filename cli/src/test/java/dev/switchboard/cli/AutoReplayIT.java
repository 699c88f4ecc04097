package dev.switchboard.cli;

import dev.switchboard.avro.AuditEvent;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.dlq.DeadLetterLog;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.provider.AutoReplay;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
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
 * Automatic replay (dlq.auto.replay.enabled): a request that failed because its provider failed is
 * replayed once that provider has answered again, and only then; a dead letter whose cause does not
 * pass (bytes that are no Avro) never is; nothing is replayed twice; each replay is audited.
 */
class AutoReplayIT {

    private static final Pattern REQUEST = Pattern.compile("request\\s+(\\S+)\\n");
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aDeadLetterOfAFailedProviderIsReplayedOnceThatProviderAnswersAgainAndOnlyThen() throws Exception {
        try (CliStack a = new CliStack(dir, false, null, Map.of(SwitchboardConfig.AUTO_REPLAY_ENABLED, "true",
                SwitchboardConfig.AUTO_REPLAY_INTERVAL_MS, "300"))) {
            KafkaClients clients = new KafkaClients(a.settings.get(SwitchboardConfig.BOOTSTRAP_SERVERS));
            Codec codec = new Codec(new SchemaRegistryClient(a.settings.get(SwitchboardConfig.SCHEMA_REGISTRY_URL)));
            DeadLetterLog ledger = new DeadLetterLog(clients, codec);
            AutoReplay replay = a.stack.autoReplay();
            assertThat(replay).isNotNull();

            // Bytes that are no Avro: a dead letter no provider's recovery clears.
            try (KafkaProducer<byte[], byte[]> producer = clients.producer("it-garbage")) {
                producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), "junk".getBytes(StandardCharsets.UTF_8),
                        new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef})).get();
            }
            // A request sim-flaky fails with 503 on every attempt.
            a.stack.simulator().setFaults("sim-flaky", new Faults(1.0, 0, 1, 2, Map.of(503, 1.0)));
            CliStack.Run failed = a.run("send", "What is 4+4?", "-p", "sim-flaky");
            assertThat(failed.exitCode()).isEqualTo(1);
            Matcher m = REQUEST.matcher(failed.out());
            assertThat(m.find()).isTrue();
            String failedRequest = m.group(1);
            await().atMost(WAIT).until(() -> ledger.entries().size() == 2);
            assertThat(ledger.entries()).extracting(e -> e.letter().getErrorClass()).containsExactlyInAnyOrder("TOO_SHORT", "SERVER_ERROR");

            // While it fails, and after it stops failing but before it has answered anyone, nothing is replayed.
            awaitRounds(replay, 3);
            assertThat(ledger.replayed()).isEmpty();
            a.stack.simulator().setFaults("sim-flaky", new Faults(0.0, 0, 1, 2, Map.of(503, 1.0)));
            awaitRounds(replay, 3);
            assertThat(ledger.replayed()).isEmpty();

            // sim-flaky answers a request: the failed one is replayed to it and answered.
            assertThat(a.run("send", "What is 3+3?", "-p", "sim-flaky").exitCode()).isEqualTo(0);
            List<LlmReply> answers = await().atMost(WAIT).until(() -> replies(clients, codec, failedRequest), l -> l.size() == 2);
            assertThat(answers).extracting(LlmReply::getStatus).containsExactly(ReplyStatus.FAILED, ReplyStatus.SUCCEEDED);
            String serverError = ledger.entries().stream().filter(e -> e.letter().getErrorClass().equals("SERVER_ERROR"))
                    .findFirst().orElseThrow().id();
            assertThat(ledger.replayed()).containsExactly(serverError);

            // Audited as the automatic replay's, and nothing more is replayed in later rounds.
            List<AuditEvent> audited = TopicReader.readToEnd(clients, List.of(Topics.AUDIT.name()), r -> true).stream()
                    .map(r -> codec.decode(Topics.AUDIT, r.value())).filter(e -> e.getAction().equals("dlq.replay")).toList();
            assertThat(audited).hasSize(1);
            assertThat(audited.getFirst().getActor()).isEqualTo(AutoReplay.ACTOR);
            assertThat(audited.getFirst().getDetails()).containsEntry("replayed", "1").containsEntry("reasons", "{SERVER_ERROR=1}");
            awaitRounds(replay, 3);
            assertThat(ledger.replayed()).containsExactly(serverError);
            assertThat(replies(clients, codec, failedRequest)).hasSize(2);
            assertThat(replay.replayed()).isEqualTo(1);
        }
    }

    private static void awaitRounds(AutoReplay replay, int more) {
        long target = replay.rounds() + more;
        await().atMost(WAIT).until(() -> replay.rounds() >= target);
    }

    private static List<LlmReply> replies(KafkaClients clients, Codec codec, String requestId) {
        return TopicReader.readToEnd(clients, List.of(Topics.REPLIES.name()), r -> requestId.equals(new String(r.key(), StandardCharsets.UTF_8)))
                .stream().map(r -> codec.decode(Topics.REPLIES, r.value())).toList();
    }
}
