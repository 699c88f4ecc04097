package dev.switchboard.devstack;

import dev.switchboard.avro.ChatRole;
import dev.switchboard.schemas.Messages;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing is lost under faults. The oracle, as in Kafka's own transaction tests: the set of
 * requestIds with a terminal reply equals the set sent. Duplicate terminal replies (allowed: at
 * least once) are counted and reported; each carries its request's id, so a consumer can drop it.
 */
class ChaosIT {

    private static final int REQUESTS = 1_000;
    private static final Duration WAIT = Duration.ofSeconds(180);

    @TempDir
    Path dataDir;

    /** Plan sim-flaky → sim-fast → sim-strong; sim-flaky fails 40 % and runs in its own process. */
    private Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        // The flaky provider first, always (not as learned routing would choose): every third task fails over.
        s.put(SwitchboardConfig.PLANNER_STRATEGY, "static");
        s.put(SwitchboardConfig.PLANNER_RANKING, "sim-flaky,sim-fast,sim-strong");
        s.put("provider.sim-flaky.timeout.ms", "1000");
        s.put(SwitchboardConfig.WORKER_MAX_IN_FLIGHT, "64");
        // This suite is about loss, not circuits: keep sim-flaky's circuit closed at 40 % failures.
        s.put(SwitchboardConfig.CIRCUIT_FAILURE_RATE, "95");
        return s;
    }

    @Test
    void aWorkerProcessKilledMidRunLosesNothing() throws Exception {
        Map<String, String> settings = settings();
        settings.put(SwitchboardConfig.WORKER_PROVIDERS, "sim-fast,sim-strong");
        SwitchboardConfig config = TestStack.config(dataDir, settings);
        try (DevStack stack = DevStack.start(config, false)) {
            stack.simulator().setFaults("sim-flaky", new Faults(0.30, 0.10, 5, 30, Map.of(500, 0.5, 503, 0.5)));
            Path workerConfig = workerConfig(config);
            Process first = startWorkerProcess(workerConfig, "first");
            try (Run run = new Run(config)) {
                run.sendAll();
                await().atMost(WAIT).until(() -> run.answered() >= REQUESTS / 3);
                first.destroyForcibly().waitFor();
                int answeredAtKill = run.answered();
                Process second = startWorkerProcess(workerConfig, "second");
                try {
                    run.awaitAll();
                    run.report("worker killed at " + answeredAtKill + " answers");
                } finally {
                    second.destroy();
                    second.waitFor();
                }
                assertThat(answeredAtKill).isLessThan(REQUESTS);
            }
        }
    }

    @Test
    void aBrokerRestartedMidRunLosesNothing() throws Exception {
        SwitchboardConfig config = TestStack.config(dataDir, settings());
        try (DevStack stack = DevStack.start(config, false)) {
            stack.simulator().setFaults("sim-flaky", new Faults(0.30, 0.10, 5, 30, Map.of(500, 0.5, 503, 0.5)));
            try (Run run = new Run(config)) {
                run.sendAll();
                await().atMost(WAIT).until(() -> run.answered() >= REQUESTS / 3);
                stack.kafka().close();
                int answeredAtRestart = run.answered();
                stack.kafka().start();
                run.awaitAll();
                run.report("broker restarted at " + answeredAtRestart + " answers");
            }
        }
    }

    /** 1,000 requests sent, and their replies collected. */
    private static final class Run implements AutoCloseable {
        final SwitchboardConfig config;
        final Codec codec;
        final KafkaProducer<byte[], byte[]> producer;
        final TopicCollector<LlmReply> replies;
        final Set<String> sent = new HashSet<>();

        Run(SwitchboardConfig config) {
            this.config = config;
            KafkaClients clients = TestStack.clients(config);
            codec = TestStack.codec(config);
            producer = clients.producer("chaos");
            replies = new TopicCollector<>(Topics.REPLIES, clients, codec);
        }

        void sendAll() {
            for (int i = 0; i < REQUESTS; i++) {
                LlmRequest request = LlmRequest.newBuilder()
                        .setRequestId(UUID.randomUUID().toString())
                        .setTenantId("chaos")
                        .setMessages(List.of(Messages.of(ChatRole.USER, "What is " + i + "+1?")))
                        .setCreatedAtMs(System.currentTimeMillis())
                        .build();
                sent.add(request.getRequestId());
                producer.send(TestStack.requestRecord(config, codec, request.getRequestId(), request));
            }
            producer.flush();
        }

        int answered() {
            return (int) replies.values(r -> true).stream().map(LlmReply::getRequestId).distinct().count();
        }

        void awaitAll() {
            await().atMost(WAIT).until(() -> answered() == REQUESTS);
        }

        void report(String what) {
            List<LlmReply> all = replies.values(r -> true);
            Map<String, Long> perRequest = all.stream().collect(Collectors.groupingBy(LlmReply::getRequestId, Collectors.counting()));
            long duplicates = all.size() - perRequest.size();
            long failovers = all.stream().filter(r -> r.getAttempts() > 1).map(LlmReply::getRequestId).distinct().count();
            System.out.printf("ChaosIT (%s): sent %d, answered %d distinct, %d duplicate terminal replies, %d answered after failover%n",
                    what, sent.size(), perRequest.size(), duplicates, failovers);
            assertThat(perRequest.keySet()).isEqualTo(sent);
            assertThat(all).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED));
            assertThat(failovers).isGreaterThan(REQUESTS / 5);
        }

        @Override
        public void close() {
            replies.close();
            producer.close();
        }
    }

    private Path workerConfig(SwitchboardConfig config) throws IOException {
        return WorkerProcess.config(dataDir, "workers", config, Map.of(
                "workers.providers", "sim-flaky",
                "workers.max.in.flight", "64",
                "workers.circuit.failure.rate.threshold", "95",
                "provider.sim-flaky.timeout.ms", "1000"));
    }

    private Process startWorkerProcess(Path config, String name) throws IOException {
        return WorkerProcess.start(config, "worker-" + name);
    }
}
