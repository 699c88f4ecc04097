package dev.switchboard.devstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.avro.AgentStep;
import dev.switchboard.avro.AgentStepKind;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.devstack.simulator.ProviderSimulator.ScriptRule;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.schemas.Messages;
import dev.switchboard.tools.agent.AgentService;
import dev.switchboard.tools.agent.ChatTool;
import dev.switchboard.tools.agent.PipelineCalls;
import dev.switchboard.tools.knowledge.Documents;
import dev.switchboard.tools.knowledge.Embeddings;
import dev.switchboard.tools.knowledge.KnowledgeBase;
import dev.switchboard.tools.knowledge.KnowledgeBaseTool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The built-in tools alone, and a zero-shot ReAct agent through the real pipeline: each of its model
 * calls a request of its own (planned, run by a worker pool, answered on llm.replies.agents), the
 * knowledge_base tool over documents on llm.knowledge, the chat tool asking another model, and every
 * step an event on llm.agent-steps. The simulated models are scripted: the same conversation gets
 * the same replies, whichever provider the planner picks.
 */
class AgentIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String QUESTION = "What is Acme's refund window?";
    static final String WEATHER = "What is the weather in Oslo?";
    static final String ANSWER = "You can return an item within 30 days of purchase [refunds.md#0].";

    @TempDir
    static Path dataDir;
    static StackFixture it;
    static Embeddings embeddings = new Embeddings();

    /** A customer-service conversation: look the policy up, have another model phrase it, answer with the citation. */
    static List<ScriptRule> script() {
        return List.of(
                ScriptRule.of("\\A" + java.util.regex.Pattern.quote(QUESTION),
                        "Thought: The handbook will say.\nAction: knowledge_base\nAction Input: {\"query\": \"Acme refund window\"}"),
                ScriptRule.of("\\AObservation: \\[refunds\\.md#0\\]",
                        "Thought: I have the policy; a customer-friendly sentence would help.\nAction: chat\n"
                                + "Action Input: {\"question\": \"Say for a customer: returns are accepted within 30 days of purchase.\"}"),
                ScriptRule.of("\\ASay for a customer:", "You can return an item within 30 days of purchase."),
                ScriptRule.of("\\AObservation: You can return an item", "Thought: I now know the final answer\nFinal Answer: " + ANSWER),
                ScriptRule.of("\\AObservation: tool chat refused", "Thought: I cannot ask.\nFinal Answer: Refunds: 30 days [refunds.md#0]."),
                ScriptRule.of("\\A" + java.util.regex.Pattern.quote(WEATHER), "Thought: The weather service knows.\nAction: weather\n"
                        + "Action Input: {\"city\": \"Oslo\"}"),
                ScriptRule.of("\\AObservation: tool weather failed", "Thought: It may have been busy; again.\nAction: weather\n"
                        + "Action Input: {\"city\": \"Oslo\"}"),
                ScriptRule.of("\\AObservation: tool weather circuit_open", "Thought: I now know the final answer\n"
                        + "Final Answer: The weather service is unavailable."));
    }

    static void addDocuments(StackFixture fixture) throws Exception {
        List<String[]> documents = List.of(
                new String[] {"refunds.md", "# Refunds\n\nAcme accepts returns within 30 days of purchase, with the receipt. "
                        + "The money is back on the card within 5 business days.", ""},
                new String[] {"shipping.md", "# Shipping\n\nAcme ships orders within 2 business days. Delivery in the EU takes 3 to 5 days.", ""},
                new String[] {"staff.md", "# Staff discounts\n\nStaff may return items within 90 days of purchase.", "staff"});
        for (String[] d : documents) {
            List<String> tenants = d[2].isEmpty() ? List.of() : List.of(d[2]);
            for (var sent : KnowledgeBase.publish(fixture.producer, fixture.codec,
                    Documents.chunks(d[0], "docs/" + d[0], d[1], tenants, "it", System.currentTimeMillis(), embeddings), List.of())) {
                sent.get();
            }
        }
    }

    @BeforeAll
    static void start() throws Exception {
        // The bundled access policy, and a support role that may chat and search the documents but use no other tool.
        Path policy = dataDir.resolve("policy.csv");
        try (var bundled = AgentIT.class.getClassLoader().getResourceAsStream("rbac/policy.csv")) {
            java.nio.file.Files.writeString(policy, new String(bundled.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    + "\np, support, chat, requests, own\np, support, use, tier:standard, own\np, support, use, tool:knowledge_base, own\n");
        }
        it = new StackFixture(dataDir, Map.of(SwitchboardConfig.PLANNER_STRATEGY, "static",
                SwitchboardConfig.SECURITY_RBAC_POLICY, policy.toString()));
        for (String p : List.of("sim-fast", "sim-strong", "sim-flaky")) {
            it.stack.simulator().setScript(p, script());
        }
        addDocuments(it);
        AgentService agent = it.stack.workers().agent().orElseThrow();
        await().atMost(StackFixture.WAIT).until(() -> agent.knowledge().documents().size() == 3
                && agent.registry().get("chat").isPresent() && agent.registry().get("knowledge_base").isPresent());
    }

    @AfterAll
    static void stop() throws Exception {
        it.close();
    }

    @Test
    void knowledgeBaseFindsThePassageWithItsCitationAndKeepsOtherTenantsDocumentsOut() throws Exception {
        KnowledgeBaseTool tool = new KnowledgeBaseTool(KnowledgeBase.read(it.clients, it.codec), embeddings);

        String found = tool.call("acme", JSON.readTree("{\"query\": \"How long do I have to return something?\", \"max_results\": 3}"), "k1");

        assertThat(found).startsWith("[refunds.md#0] (relevance ");
        assertThat(found).contains("within 30 days of purchase").contains("[shipping.md#0]").doesNotContain("staff.md");
        assertThat(tool.call("staff", JSON.readTree("{\"query\": \"staff returns\", \"max_results\": 1}"), "k2"))
                .startsWith("[staff.md#0]").contains("90 days");
    }

    @Test
    void chatAsksAnotherModelThroughThePipelineOnceForOneKey() throws Exception {
        SwitchboardConfig config = it.config;
        try (PipelineCalls pipeline = new PipelineCalls(it.clients, it.codec, it.producer, "it-chat",
                tenant -> TokenClient.token(config.security(), Map.of("tenant", tenant)))) {
            ChatTool chat = new ChatTool(pipeline, Duration.ofSeconds(30));
            String key = "it-" + UUID.randomUUID();

            String first = chat.call("acme", JSON.readTree("{\"question\": \"Say for a customer: hello\", \"provider\": \"sim-strong\"}"), key);
            String again = chat.call("acme", JSON.readTree("{\"question\": \"Say for a customer: hello\", \"provider\": \"sim-strong\"}"), key);

            assertThat(first).isEqualTo("You can return an item within 30 days of purchase.");
            assertThat(again).isEqualTo(first);
            LlmReply reply = it.await(Topics.AGENT_REPLIES, r -> r.getRequestId().equals("chat." + key));
            assertThat(reply.getProvider()).isEqualTo("sim-strong");
            byte[] requestKey = ("chat." + key).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(dev.switchboard.platform.kafka.TopicReader.readToEnd(it.clients, List.of(Topics.REQUESTS.name()),
                    r -> java.util.Arrays.equals(r.key(), requestKey))).hasSize(1);
        }
    }

    @Test
    void anAgentLooksUpTheKnowledgeBaseThenAsksAnotherModelAndAnswersWithTheCitation() throws Exception {
        LlmRequest request = agentRequest(List.of());
        it.send(request);

        LlmReply reply = it.reply(request.getRequestId());

        assertThat(reply.getStatus()).isEqualTo(ReplyStatus.SUCCEEDED);
        assertThat(reply.getContent()).isEqualTo(ANSWER);
        assertThat(reply.getProvider()).isEqualTo(Topics.AGENT_PROVIDER);
        List<AgentStep> steps = steps(request.getRequestId(), 8);
        assertThat(steps).extracting(AgentStep::getKind).containsExactly(AgentStepKind.THOUGHT, AgentStepKind.ACTION,
                AgentStepKind.OBSERVATION, AgentStepKind.THOUGHT, AgentStepKind.ACTION, AgentStepKind.OBSERVATION, AgentStepKind.THOUGHT,
                AgentStepKind.ANSWER);
        assertThat(steps).extracting(AgentStep::getStep).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(steps.get(1).getTool()).isEqualTo("knowledge_base");
        assertThat(steps.get(2).getStatus()).isEqualTo("SUCCEEDED");
        assertThat(steps.get(2).getText()).startsWith("[refunds.md#0]").contains("30 days");
        assertThat(steps.get(4).getTool()).isEqualTo("chat");
        assertThat(steps.get(4).getIdempotencyKey()).isEqualTo(request.getRequestId() + ".t4");
        assertThat(steps.get(5).getText()).isEqualTo("You can return an item within 30 days of purchase.");
        // Each model call and the chat tool's question were requests of their own through the pipeline.
        for (String id : List.of(".m0", ".m3", ".m6")) {
            assertThat(it.await(Topics.AGENT_REPLIES, r -> r.getRequestId().equals(request.getRequestId() + id)).getStatus())
                    .isEqualTo(ReplyStatus.SUCCEEDED);
        }
        assertThat(it.await(Topics.PLANS, p -> p.getRequestId().equals("chat." + request.getRequestId() + ".t4")).getTenantId())
                .isEqualTo("acme");
        assertThat(steps.get(0).getModelRequestId()).isEqualTo(request.getRequestId() + ".m0");
        assertThat(steps.get(0).getCostUsd()).isPositive();
    }

    @Test
    void aToolTheRequestDoesNotAllowIsRefusedAndTheAgentReadsWhy() throws Exception {
        LlmRequest request = agentRequest(List.of("knowledge_base"));
        it.send(request);

        LlmReply reply = it.reply(request.getRequestId());

        assertThat(reply.getContent()).isEqualTo("Refunds: 30 days [refunds.md#0].");
        List<AgentStep> steps = steps(request.getRequestId(), 8);
        assertThat(steps.get(5).getStatus()).isEqualTo("REFUSED");
        assertThat(steps.get(5).getText()).isEqualTo("tool chat refused: it is not one of the tools you have; use one of those listed");
    }

    @Test
    void aToolTheMakersRolesMayNotUseIsNotOfferedAndIsRefusedWithThePolicysRule() throws Exception {
        LlmRequest request = agentRequest(List.of());
        String support = TokenClient.token(it.config.security(), Map.of("tenant", "acme", "roles", "support", "subject", "sam"));
        it.producer.send(dev.switchboard.platform.auth.Credentials.withToken(
                it.codec.record(Topics.REQUESTS, request.getRequestId(), request), support)).get();

        LlmReply reply = it.reply(request.getRequestId());

        assertThat(reply.getContent()).isEqualTo("Refunds: 30 days [refunds.md#0].");
        List<AgentStep> steps = steps(request.getRequestId(), 8);
        assertThat(steps.get(4).getTool()).isEqualTo("chat");
        assertThat(steps.get(5).getStatus()).isEqualTo("REFUSED");
        assertThat(steps.get(5).getText()).isEqualTo("tool chat refused: tool chat: no rule lets role(s) [support] use tool:chat in their tenant");
        assertThat(systemPrompt(request.getRequestId() + ".m0")).contains("knowledge_base: ").doesNotContain("chat: ");
        // The run's roles are the token's, whatever the request claimed.
        LlmRequest claiming = LlmRequest.newBuilder(agentRequest(List.of())).setAttributes(Map.of("mode", "agent", Topics.AGENT_ROLES_ATTRIBUTE,
                "admin")).build();
        it.producer.send(dev.switchboard.platform.auth.Credentials.withToken(
                it.codec.record(Topics.REQUESTS, claiming.getRequestId(), claiming), support)).get();
        assertThat(it.reply(claiming.getRequestId()).getContent()).isEqualTo("Refunds: 30 days [refunds.md#0].");
        assertThat(it.await(Topics.PLANS, p -> p.getRequestId().equals(claiming.getRequestId())).getRequest().getAttributes())
                .containsEntry(Topics.AGENT_ROLES_ATTRIBUTE, "support");
    }

    /** The first (system) message of the model call {@code modelRequestId} as it was published on llm.requests. */
    private static String systemPrompt(String modelRequestId) {
        byte[] key = modelRequestId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        LlmRequest asked = it.codec.decode(Topics.REQUESTS, dev.switchboard.platform.kafka.TopicReader.readToEnd(it.clients,
                List.of(Topics.REQUESTS.name()), r -> java.util.Arrays.equals(r.key(), key)).getFirst().value());
        return asked.getMessages().getFirst().getContent();
    }

    @Test
    void aToolThatKeepsFailingOpensItsCircuitAndLaterRunsAreNotOfferedItNorCallIt() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/weather", exchange -> {
            calls.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.start();
        try {
            AgentService agent = it.stack.workers().agent().orElseThrow();
            dev.switchboard.tools.ToolRegistry.publish(it.producer, it.codec, dev.switchboard.avro.ToolDefinition.newBuilder()
                    .setName("weather").setVersion(1).setDescription("Today's weather in a city")
                    .setParameters("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}")
                    .setKind(dev.switchboard.avro.ToolKind.HTTP).setUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/weather")
                    .setOwner("it").setEnabled(true).setTenants(List.of()).setTimeoutMs(5_000).setUpdatedAtMs(1L).build()).get();
            await().atMost(StackFixture.WAIT).until(() -> agent.registry().get("weather").isPresent());

            LlmRequest first = request(WEATHER, List.of("weather", "knowledge_base"));
            it.send(first);
            assertThat(it.reply(first.getRequestId()).getContent()).isEqualTo("The weather service is unavailable.");
            List<AgentStep> firstSteps = steps(first.getRequestId(), 8);
            // Three tries of the first call, one of the second: four failures in a row open the circuit (ToolCaller.Settings.DEFAULT).
            assertThat(firstSteps).filteredOn(s -> s.getKind() == AgentStepKind.OBSERVATION).extracting(AgentStep::getStatus)
                    .containsExactly("FAILED", "CIRCUIT_OPEN");
            assertThat(calls.get()).isEqualTo(4);
            assertThat(agent.caller().circuit("weather")).isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN);

            // A new run is not offered the tool; when the model asks for it all the same, it is not called.
            LlmRequest second = request(WEATHER, List.of("weather", "knowledge_base"));
            it.send(second);
            assertThat(it.reply(second.getRequestId()).getContent()).isEqualTo("The weather service is unavailable.");
            String systemPrompt = systemPrompt(second.getRequestId() + ".m0");
            assertThat(systemPrompt).contains("knowledge_base: ").doesNotContain("weather");
            assertThat(steps(second.getRequestId(), 5)).filteredOn(s -> s.getKind() == AgentStepKind.OBSERVATION)
                    .extracting(AgentStep::getStatus).containsExactly("CIRCUIT_OPEN");
            assertThat(calls.get()).isEqualTo(4);
            // The open circuit is reported where operators look: the stack's /health/ready.
            String token = TokenClient.token(it.config.security(), Map.of("roles", "ops"));
            var ready = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://localhost:" + it.stack.healthPort() + "/health/ready"))
                    .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            var body = JSON.readTree(ready.body());
            assertThat(body.at("/components/agent/toolCircuits/weather").asText()).isEqualTo("OPEN");
            assertThat(body.at("/components/agent/toolCircuits/chat").asText()).isEqualTo("CLOSED");
        } finally {
            server.stop(0);
        }
    }

    static LlmRequest request(String question, List<String> tools) {
        return LlmRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setTenantId("acme")
                .setMessages(List.of(Messages.of(ChatRole.USER, question))).setTools(tools)
                .setAttributes(Map.of("mode", "agent")).setCreatedAtMs(System.currentTimeMillis()).build();
    }

    static LlmRequest agentRequest(List<String> tools) {
        return request(QUESTION, tools);
    }

    private static List<AgentStep> steps(String requestId, int atLeast) {
        return await().atMost(StackFixture.WAIT).until(() -> it.collector(Topics.AGENT_STEPS).values(s -> s.getRequestId().equals(requestId)),
                s -> s.size() >= atLeast).stream().sorted(java.util.Comparator.comparingInt(AgentStep::getStep)).toList();
    }
}
