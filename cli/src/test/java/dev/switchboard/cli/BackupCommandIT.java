package dev.switchboard.cli;

import dev.switchboard.avro.DeadLetter;
import dev.switchboard.avro.ExecutionPlan;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.DeadLetters;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stack's topics backed up (full, then incremental), the stack thrown away, and a new stack
 * restored from the backups: the records are the same, byte for byte but the schema id; no service
 * processes a restored record again; a dead letter still replays; the audit chain still verifies.
 */
class BackupCommandIT {

    private static final Pattern REQUEST = Pattern.compile("request\\s+(\\S+)\\n");
    private static final List<String> KEPT = List.of(Topics.REQUESTS.name(), Topics.PLANS.name(), Topics.REPLIES.name(),
            Topics.ATTEMPTS.name(), Topics.DLQ.name(), Topics.AUDIT.name(), "llm.tasks.sim-fast", "llm.tasks.sim-flaky");

    @TempDir
    Path dir;

    /** A session id per partition of llm.requests (3), so that new requests pass behind every restored one. */
    private static List<String> sessionPerPartition() {
        List<String> sessions = new ArrayList<>(List.of("", "", ""));
        for (int i = 0; sessions.contains(""); i++) {
            String s = "dr-" + i;
            int p = Utils.toPositive(Utils.murmur2(s.getBytes(StandardCharsets.UTF_8))) % 3;
            if (sessions.get(p).isEmpty()) {
                sessions.set(p, s);
            }
        }
        return sessions;
    }

    @Test
    void aStackRestoredFromAFullAndAnIncrementalBackupHoldsTheSameRecordsAndProcessesNoneTwice() throws Exception {
        Path full = dir.resolve("full");
        Path incremental = dir.resolve("incremental");
        List<String> sessions = sessionPerPartition();
        Map<String, List<String>> before;
        String failedRequest;
        String ledgerBefore;
        try (CliStack a = new CliStack(dir.resolve("a"))) {
            for (String session : sessions) {
                assertThat(a.run("send", "What is 2+2?", "-p", "sim-fast", "--session", session).exitCode()).isEqualTo(0);
            }
            // Bytes that are no Avro at all: a dead letter whose original bytes must come back as they were.
            KafkaClients clientsA = new KafkaClients(a.settings.get(SwitchboardConfig.BOOTSTRAP_SERVERS));
            try (KafkaProducer<byte[], byte[]> producer = clientsA.producer("it-garbage")) {
                producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), "junk".getBytes(StandardCharsets.UTF_8),
                        new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef})).get();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> TopicReader.readToEnd(clientsA, List.of(Topics.DLQ.name()), r -> true).size() == 1);
            // Replayed, the bytes are dead-lettered again, twice: the ledger names the first two dead letters by offset.
            for (int replays = 1; replays <= 2; replays++) {
                assertThat(a.run("dlq", "replay", "--error-class", "TOO_SHORT").out()).contains("Replayed 1, parked 0.");
                int expected = 1 + replays;
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> TopicReader.readToEnd(clientsA, List.of(Topics.DLQ.name()), r -> true).size() == expected);
            }
            // Retention takes the first: the backup starts after it, the restored dead letters at offset 0.
            ConsumerRecord<byte[], byte[]> first = TopicReader.readToEnd(clientsA, List.of(Topics.DLQ.name()), r -> true).stream()
                    .min(java.util.Comparator.comparingLong(ConsumerRecord::offset)).orElseThrow();
            try (org.apache.kafka.clients.admin.Admin admin = clientsA.admin("it-retention")) {
                admin.deleteRecords(Map.of(new org.apache.kafka.common.TopicPartition(Topics.DLQ.name(), first.partition()),
                        org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(first.offset() + 1))).all().get();
            }
            ledgerBefore = replayedColumn(a.run("dlq", "list", "--error-class", "TOO_SHORT", "--wide").out());
            assertThat(ledgerBefore).isEqualTo("yes no");

            a.stack.simulator().setFaults("sim-flaky", new Faults(1.0, 0, 1, 2, Map.of(503, 1.0)));
            CliStack.Run failed = a.run("send", "What is 4+4?", "-p", "sim-flaky");
            assertThat(failed.exitCode()).isEqualTo(1);
            Matcher m = REQUEST.matcher(failed.out());
            assertThat(m.find()).isTrue();
            failedRequest = m.group(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> TopicReader.readToEnd(clientsA, List.of(Topics.DLQ.name()), r -> true).size() == 3);

            CliStack.Run created = a.run("backup", "create", full.toString());
            assertThat(created.exitCode()).as(created.err()).isEqualTo(0);
            // 3 answered requests, 1 failed, 1 undecodable and its 2 replays; read by the planner's group.
            assertThat(created.out()).containsPattern("llm.requests\\s+3\\s+7\\s+1\\n").containsPattern("llm.dlq\\s+3\\s+3\\s+");

            assertThat(a.run("send", "What is 3+3?", "-p", "sim-fast").exitCode()).isEqualTo(0);
            CliStack.Run more = a.run("backup", "create", incremental.toString(), "--since", full.toString());
            assertThat(more.exitCode()).as(more.err()).isEqualTo(0);
            assertThat(more.out()).containsPattern("llm.requests\\s+3\\s+1\\s+1\\n").contains("(after " + full + ")");
            before = records(clientsA, new Codec(new SchemaRegistryClient(a.settings.get(SwitchboardConfig.SCHEMA_REGISTRY_URL))), null);
        }

        CliStack.Run verified = CliStack.run(Map.of(), "backup", "verify", incremental.toString());
        assertThat(verified.exitCode()).isEqualTo(0);
        assertThat(verified.out()).containsPattern("\\d+ parts, \\d+ records, all intact");

        try (CliStack b = new CliStack(dir.resolve("b"), false, incremental)) {
            KafkaClients clientsB = new KafkaClients(b.settings.get(SwitchboardConfig.BOOTSTRAP_SERVERS));
            Codec codecB = new Codec(new SchemaRegistryClient(b.settings.get(SwitchboardConfig.SCHEMA_REGISTRY_URL)));
            java.util.Set<String> chainsA = before.get(Topics.AUDIT.name()).stream().map(r -> r.split(" ")[1])
                    .collect(java.util.stream.Collectors.toSet());
            assertThat(before.get(Topics.AUDIT.name())).isNotEmpty();
            assertThat(records(clientsB, codecB, chainsA)).isEqualTo(before);

            // A request behind every restored one in llm.requests: once each is answered, the planner has passed them all.
            for (String session : sessions) {
                assertThat(b.run("send", "What is 5+5?", "-p", "sim-fast", "--session", session).exitCode()).isEqualTo(0);
            }
            List<String> planned = TopicReader.readToEnd(clientsB, List.of(Topics.PLANS.name()), r -> true).stream()
                    .map(r -> codecB.decode(Topics.PLANS, r.value())).map(ExecutionPlan::getRequestId).toList();
            assertThat(planned).hasSize(before.get(Topics.PLANS.name()).size() + 3).doesNotHaveDuplicates();
            assertThat(TopicReader.readToEnd(clientsB, List.of(Topics.REPLIES.name()), r -> true))
                    .hasSize(before.get(Topics.REPLIES.name()).size() + 3);

            // The ledger still names the dead letter replayed before the backup, whatever its offset now.
            assertThat(replayedColumn(b.run("dlq", "list", "--error-class", "TOO_SHORT", "--wide").out())).isEqualTo(ledgerBefore);
            // The dead letter written before the backup replays on the restored stack.
            b.stack.simulator().setFaults("sim-flaky", new Faults(0.0, 0, 1, 2, Map.of(503, 1.0)));
            CliStack.Run replay = b.run("dlq", "replay", "--provider", "sim-flaky");
            assertThat(replay.exitCode()).isEqualTo(0);
            assertThat(replay.out()).contains("Replayed 1, parked 0.");
            List<LlmReply> answers = await().atMost(Duration.ofSeconds(30)).until(() -> TopicReader.readToEnd(clientsB,
                            List.of(Topics.REPLIES.name()), r -> failedRequest.equals(new String(r.key(), StandardCharsets.UTF_8)))
                    .stream().map(r -> codecB.decode(Topics.REPLIES, r.value())).toList(), l -> l.size() == 2);
            assertThat(answers).extracting(LlmReply::getStatus).containsExactly(ReplyStatus.FAILED, ReplyStatus.SUCCEEDED);

            CliStack.Run audit = b.run("audit", "verify");
            assertThat(audit.exitCode()).as(audit.out()).isEqualTo(0);
            assertThat(audit.out()).contains("intact");

            // A stack that holds records is refused, naming the topic.
            CliStack.Run again = b.run("backup", "restore", incremental.toString());
            assertThat(again.exitCode()).isEqualTo(2);
            assertThat(again.err()).contains("A restore needs an empty stack, but llm.");
        }
    }

    @Test
    void aDamagedBackupDoesNotVerifyAndIsNotRestored() throws Exception {
        Path backup = dir.resolve("backup");
        try (CliStack a = new CliStack(dir.resolve("a"))) {
            assertThat(a.run("send", "What is 2+2?", "-p", "sim-fast").exitCode()).isEqualTo(0);
            assertThat(a.run("backup", "create", backup.toString()).exitCode()).isEqualTo(0);
            Path part;
            try (Stream<Path> files = Files.walk(backup.resolve("topics").resolve(Topics.REQUESTS.name()))) {
                // The largest: the partition that holds the request.
                part = files.filter(f -> f.toString().endsWith(".avro")).max(java.util.Comparator.comparingLong(f -> f.toFile().length()))
                        .orElseThrow();
            }
            Files.write(part, new byte[] {1}, StandardOpenOption.APPEND);
            CliStack.Run verified = CliStack.run(Map.of(), "backup", "verify", backup.toString());
            assertThat(verified.exitCode()).isEqualTo(1);
            assertThat(verified.out()).containsPattern("llm.requests\\s+" + part.getFileName().toString().replace(".avro", "")
                    + "\\s+1\\s+checksum differs from the manifest's").contains("1 damaged");

            CliStack.Run restore = a.run("backup", "restore", backup.toString());
            assertThat(restore.exitCode()).isEqualTo(2);
            assertThat(restore.err()).contains("does not verify (1 parts): llm.requests-");
            CliStack.Run again = a.run("backup", "create", backup.toString());
            assertThat(again.exitCode()).isEqualTo(2);
            assertThat(again.err()).contains("holds a backup already");
        }
    }

    /** The REPLAYED column of {@code dlq list --wide}, in the order listed, e.g. "yes no". */
    private static String replayedColumn(String list) {
        return list.lines().filter(l -> l.contains("TOO_SHORT")).map(l -> l.contains("  yes  ") ? "yes" : "no")
                .collect(java.util.stream.Collectors.joining(" "));
    }

    /**
     * Per kept topic, its records in partition order as partition, key, value without the schema id
     * (which a new registry may change; so are a dead letter's original bytes) and headers; offsets are left out (transaction markers take
     * offsets the restore does not). Of {@code llm.audit}, only the chains {@code auditChains} names
     * when it is not null: a new stack's own processes audit their start in chains of their own.
     */
    private static Map<String, List<String>> records(KafkaClients clients, Codec codec, java.util.Set<String> auditChains) {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (String topic : KEPT) {
            List<String> records = new ArrayList<>();
            List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>(TopicReader.readToEnd(clients, List.of(topic), x -> auditChains == null
                    || !topic.equals(Topics.AUDIT.name()) || auditChains.contains(new String(x.key(), StandardCharsets.UTF_8))));
            read.sort(java.util.Comparator.comparingInt(ConsumerRecord::partition));
            for (ConsumerRecord<byte[], byte[]> r : read) {
                byte[] v = r.value();
                byte[] body = v != null && v.length > 5 && v[0] == 0 ? Arrays.copyOfRange(v, 5, v.length) : v;
                if (topic.equals(Topics.DLQ.name()) && body != null) {
                    // A dead letter's original bytes name their schema by id too: compare them without it.
                    DeadLetter letter = codec.decode(Topics.DLQ, v);
                    byte[] original = letter.getValue() == null ? null : DeadLetters.bytes(letter.getValue());
                    if (original != null && original.length > 5 && original[0] == 0) {
                        Arrays.fill(original, 1, 5, (byte) 0);
                        letter.setValue(java.nio.ByteBuffer.wrap(original));
                    }
                    body = letter.toString().getBytes(StandardCharsets.UTF_8);
                }
                StringBuilder headers = new StringBuilder();
                for (Header h : r.headers()) {
                    headers.append(h.key()).append('=').append(h.value() == null ? "null" : HexFormat.of().formatHex(h.value())).append(';');
                }
                records.add(r.partition() + " " + (r.key() == null ? "null" : new String(r.key(), StandardCharsets.UTF_8))
                        + " " + (body == null ? "null" : HexFormat.of().formatHex(body)) + " " + headers);
            }
            out.put(topic, records);
        }
        return out;
    }
}
