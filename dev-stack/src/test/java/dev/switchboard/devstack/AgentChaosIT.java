package dev.switchboard.devstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.avro.AgentStep;
import dev.switchboard.avro.AgentStepKind;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.avro.ToolKind;
import dev.switchboard.devstack.simulator.ProviderSimulator.ScriptRule;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.TopicReader;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.Messages;
import dev.switchboard.tools.ToolRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent runtime's process is killed (kill -9) while one of its runs waits on a tool call; a new
 * process takes the run over, resumes it from its steps on llm.agent-steps, and completes it. The
 * tool, an HTTP service that honours the Idempotency-Key header as payment APIs do, counts what it
 * executes: the refund is issued once, though it was asked for twice.
 */
class AgentChaosIT {

    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final String ORDER = "Issue a refund for order 42";
    private static final String ANSWER = "Order 42 is refunded (refund R-42-1).";

    @TempDir
    Path dataDir;

    /** A refund service: executes a refund once per idempotency key, and answers a repeated key with the first result. */
    private static final class RefundService implements AutoCloseable {
        final HttpServer server;
        final Map<String, CompletableFuture<String>> results = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
        final AtomicInteger executed = new AtomicInteger();
        final CountDownLatch called = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        RefundService() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/refunds", this::handle);
            server.start();
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
                requests.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                CompletableFuture<String> mine = new CompletableFuture<>();
                CompletableFuture<String> first = results.putIfAbsent(key, mine);
                String result;
                if (first == null) {
                    int n = executed.incrementAndGet();
                    called.countDown();
                    // The refund takes until the test has killed the process that asked for it.
                    release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    result = "{\"refund\":\"R-42-" + n + "\",\"status\":\"issued\"}";
                    mine.complete(result);
                } else {
                    result = first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
                byte[] body = result.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (Exception e) {
                // The caller is gone (killed): the refund stays executed and recorded under its key.
            }
        }

        ToolDefinition definition() {
            return ToolDefinition.newBuilder().setName("issue_refund").setVersion(1).setDescription("Refunds an order in full")
                    .setParameters("{\"type\":\"object\",\"properties\":{\"order\":{\"type\":\"string\"}},\"required\":[\"order\"]}")
                    .setKind(ToolKind.HTTP).setUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/refunds").setOwner("payments")
                    .setEnabled(true).setTenants(List.of()).setTimeoutMs((int) WAIT.toMillis()).setUpdatedAtMs(System.currentTimeMillis()).build();
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
        }
    }

    @Test
    void anAgentRunWhoseProcessIsKilledMidToolCallCompletesAndTheToolRunsOnce() throws Exception {
        Map<String, String> settings = Map.of(
                SwitchboardConfig.PLANNER_STRATEGY, "static",
                SwitchboardConfig.SECURITY_ENABLED, "false",
                // The agent runtime runs only in the worker processes this test starts and kills.
                SwitchboardConfig.AGENT_ENABLED, "false");
        try (StackFixture it = new StackFixture(dataDir, settings); RefundService refunds = new RefundService()) {
            List<ScriptRule> script = List.of(
                    ScriptRule.of("\\A" + ORDER, "Thought: The refund service does this.\nAction: issue_refund\nAction Input: {\"order\": \"42\"}"),
                    ScriptRule.of("\\AObservation: \\{\"refund\":\"R-42-1\"", "Thought: I now know the final answer\nFinal Answer: " + ANSWER));
            for (String p : List.of("sim-fast", "sim-strong", "sim-flaky")) {
                it.stack.simulator().setScript(p, script);
            }
            ToolRegistry.publish(it.producer, it.codec, refunds.definition()).get();
            Path workerConfig = workerConfig(it.config);
            LlmRequest request = LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("acme")
                    .setMessages(List.of(Messages.of(ChatRole.USER, ORDER))).setTools(List.of("issue_refund"))
                    .setAttributes(Map.of("mode", "agent")).setCreatedAtMs(System.currentTimeMillis()).build();

            Process first = startWorkerProcess(workerConfig, "first");
            Process second = null;
            try {
                it.send(request);
                assertThat(refunds.called.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the first process calls the tool").isTrue();
                first.destroyForcibly().waitFor();
                refunds.release.countDown();
                second = startWorkerProcess(workerConfig, "second");

                LlmReply reply = await().atMost(WAIT).until(() -> it.collector(Topics.REPLIES)
                        .values(r -> r.getRequestId().equals(request.getRequestId())), r -> !r.isEmpty()).getFirst();

                assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
                assertThat(reply.getContent()).isEqualTo(ANSWER);
                String key = request.getRequestId() + ".t1";
                assertThat(refunds.executed.get()).as("refunds executed").isEqualTo(1);
                assertThat(refunds.requests).containsOnlyKeys(key);
                assertThat(refunds.requests.get(key).get()).as("calls made with the key, by the killed process and its successor")
                        .isEqualTo(2);
                List<AgentStep> steps = await().atMost(StackFixture.WAIT).until(() -> it.collector(Topics.AGENT_STEPS)
                                .values(s -> s.getRequestId().equals(request.getRequestId())), s -> s.size() >= 5)
                        .stream().sorted(Comparator.comparingInt(AgentStep::getStep)).toList();
                assertThat(steps).extracting(AgentStep::getKind).containsExactly(AgentStepKind.THOUGHT, AgentStepKind.ACTION,
                        AgentStepKind.OBSERVATION, AgentStepKind.THOUGHT, AgentStepKind.ANSWER);
                assertThat(steps.get(1).getIdempotencyKey()).isEqualTo(key);
                assertThat(steps.get(2).getText()).isEqualTo("{\"refund\":\"R-42-1\",\"status\":\"issued\"}");
                assertThat(steps.subList(0, 2)).extracting(AgentStep::getWorker).containsOnly("agent@" + first.pid());
                long secondPid = second.pid();
                assertThat(steps.subList(2, 5)).extracting(AgentStep::getWorker).containsOnly("agent@" + secondPid);
                // The model call made before the kill was not asked again.
                byte[] firstCall = (request.getRequestId() + ".m0").getBytes(StandardCharsets.UTF_8);
                assertThat(TopicReader.readToEnd(it.clients, List.of(Topics.REQUESTS.name()), r -> Arrays.equals(r.key(), firstCall)))
                        .hasSize(1);
            } finally {
                first.destroyForcibly().waitFor();
                if (second != null) {
                    second.destroy();
                    second.waitFor();
                }
            }
        }
    }

    private Path workerConfig(SwitchboardConfig config) throws IOException {
        return WorkerProcess.config(dataDir, "agent-workers", config, Map.of(
                "security.enabled", "false",
                "agent.enabled", "true",
                "workers.providers", "sim-fast",
                "health.port", "0"));
    }

    private Process startWorkerProcess(Path config, String name) throws IOException {
        return WorkerProcess.start(config, "agent-worker-" + name);
    }
}
