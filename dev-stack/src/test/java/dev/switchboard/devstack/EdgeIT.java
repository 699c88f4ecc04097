package dev.switchboard.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.devstack.simulator.Faults;
import dev.switchboard.provider.openai.StreamedResponse;
import dev.switchboard.platform.auth.TokenClient;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.router.edge.Edge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The OpenAI-compatible edge driven by real clients: langchain4j's OpenAI models (plain, streaming,
 * JSON mode, a tool call round trip) and plain HTTP for what SDKs hide (async requests, idempotent
 * retries, every error status), on the whole stack with a real broker and the simulator.
 */
class EdgeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;

    static Map<String, String> settings;
    static StackFixture it;
    static String base;
    /** A token of tenant default, from the stack's own issuer. */
    static String token;

    @BeforeAll
    static void startStack() {
        settings = TestStack.settings(dataDir, Map.of(
                SwitchboardConfig.PLANNER_STRATEGY, "static",
                SwitchboardConfig.EDGE_MAX_BODY_BYTES, "4096",
                SwitchboardConfig.EDGE_REQUEST_TIMEOUT_MS, "4000",
                SwitchboardConfig.BUDGETS_DAILY_USD, "broke:0",
                // The premium tier, and the one provider that keeps no data.
                "provider.sim-flaky.attributes", "tier:premium,zdr:true", "provider.sim-strong.attributes", ""));
        it = new StackFixture(SwitchboardConfig.withOverrides(settings), dev.switchboard.devstack.simulator.ProviderSimulator.Responder.DEFAULT);
        base = "http://localhost:" + it.stack.healthPort();
        token = tokenFor("default");
    }

    private static String tokenFor(String tenant) {
        return TokenClient.token(it.stack.config().security(), Map.of("tenant", tenant));
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (it != null) {
            it.close();
        }
    }

    @AfterEach
    void healProviders() {
        it.healProviders();
    }

    private static OpenAiChatModel.OpenAiChatModelBuilder model(String name) {
        return OpenAiChatModel.builder().baseUrl(base + "/v1").apiKey(token).modelName(name).timeout(Duration.ofSeconds(20))
                .maxRetries(0);
    }

    @Test
    void aPlainCompletionPassesEveryGenerationSettingToTheProvider() {
        OpenAiChatModel model = model("sim-fast-small").temperature(0.3).topP(0.9).maxTokens(40).seed(11)
                .stop(List.of("###")).user("user-7").build();

        ChatResponse response = model.chat(ChatRequest.builder().messages(UserMessage.from("What is 2+2?")).build());

        assertThat(response.aiMessage().text()).isEqualTo("2 + 2 = 4.");
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(3);
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(3);
        assertThat(response.modelName()).isEqualTo("sim-fast-small");
        JsonNode reached = it.stack.simulator().lastRequest("sim-fast");
        assertThat(reached.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(reached.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(reached.path("max_tokens").asInt()).isEqualTo(40);
        assertThat(reached.path("seed").asLong()).isEqualTo(11);
        assertThat(reached.path("stop").get(0).asText()).isEqualTo("###");
        assertThat(reached.path("user").asText()).isEqualTo("user-7");
    }

    @Test
    void maxTokensCutsTheAnswerAndSaysLength() throws Exception {
        JsonNode body = post("{\"model\":\"sim-fast-small\",\"max_tokens\":2,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story\"}]}", Map.of(), 200);

        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(2);
        assertThat(body.at("/choices/0/message/content").asText()).hasSize(8);
    }

    @Test
    void aStreamingClientGetsTheAnswerAndTheDoneEvent() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(base + "/v1").apiKey(token)
                .modelName("auto").timeout(Duration.ofSeconds(20)).build();
        StringBuilder partial = new StringBuilder();
        StreamedResponse done = new StreamedResponse(partial::append);

        model.chat(List.of(UserMessage.from("What is 1+1?")), done);

        ChatResponse response = done.done().get(20, TimeUnit.SECONDS);
        assertThat(partial.toString()).isEqualTo("1 + 1 = 2.");
        assertThat(response.aiMessage().text()).isEqualTo("1 + 1 = 2.");
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        HttpResponse<String> raw = HTTP.send(request("/v1/chat/completions", "{\"model\":\"auto\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 1+1?\"}]}", Map.of()), HttpResponse.BodyHandlers.ofString());
        assertThat(raw.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        assertThat(raw.body()).endsWith("data: [DONE]\n\n");
    }

    @Test
    void aFailoverBeforeTheFirstChunkIsInvisibleToAStreamingClient() throws Exception {
        it.stack.simulator().setFaults("sim-fast", new Faults(1.0, 0, 2, 10, Map.of(503, 1.0)));

        HttpResponse<String> raw = HTTP.send(request("/v1/chat/completions", "{\"model\":\"auto\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 4+4?\"}]}", Map.of()), HttpResponse.BodyHandlers.ofString());

        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(streamedText(raw.body())).isEqualTo("4 + 4 = 8.");
        assertThat(raw.body()).contains("\"provider\":\"sim-strong\"").contains("\"attempts\":2")
                .doesNotContain("\"error\"").endsWith("data: [DONE]\n\n");
    }

    @Test
    void theProvidersPiecesAreRelayedAsTheyComeNotAfterTheWholeAnswer() throws Exception {
        it.stack.simulator().setStreaming("sim-fast", 50, -1);
        try {
            OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(base + "/v1").apiKey(token)
                    .modelName("sim-fast-small").timeout(Duration.ofSeconds(20)).build();
                List<String> pieces = new java.util.concurrent.CopyOnWriteArrayList<>();
            StreamedResponse done = new StreamedResponse(pieces::add);

            model.chat(List.of(UserMessage.from("What is 12+30?")), done);

            assertThat(done.done().get(20, TimeUnit.SECONDS).aiMessage().text()).isEqualTo("12 + 30 = 42.");
            // The simulator streams word by word; each word reaches the client as a chunk of its own.
            assertThat(pieces).containsExactly("12 ", "+ ", "30 ", "= ", "42.");
        } finally {
            it.stack.simulator().setStreaming("sim-fast", 0, -1);
        }
    }

    @Test
    void aFailoverAfterTheFirstPiecesEndsTheStreamWithAnErrorEvent() throws Exception {
        it.stack.simulator().setStreaming("sim-fast", 20, 2);
        try {
            HttpResponse<String> raw = HTTP.send(request("/v1/chat/completions", "{\"model\":\"auto\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"What is 7+7?\"}]}", Map.of()), HttpResponse.BodyHandlers.ofString());

            assertThat(raw.statusCode()).isEqualTo(200);
            assertThat(streamedText(raw.body())).isEqualTo("7 + ");
            assertThat(raw.body()).contains("\"code\":\"provider_failed_mid_stream\"").doesNotContain("[DONE]");
            String id = raw.headers().firstValue(Edge.REQUEST_ID_HEADER).orElseThrow();
            JsonNode whole = await().atMost(Duration.ofSeconds(20)).until(() -> get("/v1/requests/" + id, 200),
                    b -> b.path("status").asText().equals("succeeded"));
            assertThat(whole.at("/completion/choices/0/message/content").asText()).isEqualTo("7 + 7 = 14.");
            assertThat(whole.at("/completion/switchboard/provider").asText()).isEqualTo("sim-strong");
        } finally {
            it.stack.simulator().setStreaming("sim-fast", 0, -1);
        }
    }

    /** The text of a stream: the content of every chunk's delta, in order. */
    private static String streamedText(String events) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String line : events.split("\n")) {
            if (line.startsWith("data: {")) {
                text.append(JSON.readTree(line.substring(6)).at("/choices/0/delta/content").asText(""));
            }
        }
        return text.toString();
    }

    @Test
    void jsonModeReachesAProviderThatCanAndComesBackAsJson() throws Exception {
        OpenAiChatModel model = model("auto").responseFormat(ResponseFormat.JSON).build();

        ChatResponse response = model.chat(ChatRequest.builder().messages(UserMessage.from("What is 3+2?")).build());

        assertThat(JSON.readTree(response.aiMessage().text()).path("answer").asText()).isEqualTo("3 + 2 = 5.");
        assertThat(it.stack.simulator().lastRequest("sim-fast").at("/response_format/type").asText()).isEqualTo("json_object");
    }

    @Test
    void modelSwitchboardAgentRunsAnAgentWithTheRegisteredToolsAndAnswersLikeAnyModel() throws Exception {
        dev.switchboard.tools.agent.AgentService agent = it.stack.workers().agent().orElseThrow();
        dev.switchboard.tools.knowledge.Embeddings embeddings = new dev.switchboard.tools.knowledge.Embeddings();
        for (var sent : dev.switchboard.tools.knowledge.KnowledgeBase.publish(it.producer, it.codec,
                dev.switchboard.tools.knowledge.Documents.chunks("refunds.md", "docs/refunds.md", "# Refunds\n\nAcme accepts returns "
                        + "within 30 days of purchase. The money is back within 5 days.", List.of(), "it", 1L, embeddings), List.of())) {
            sent.get();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> agent.knowledge().documents().size() == 1);
        // The agent's first search loads its embedding model (about a second): done here, outside the request's 4 s deadline.
        agent.caller().call(agent.registry().get("knowledge_base").orElseThrow(), "default", "{\"query\":\"refunds\"}", "edge-it-warm-up");

        JsonNode answered = post("{\"model\":\"switchboard/agent\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"How long do I have to return something?\"}]}", Map.of(), 200);
        JsonNode streamed = post("{\"model\":\"switchboard/agent\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                Map.of(), 400);
        JsonNode ownTools = post("{\"model\":\"switchboard/agent\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]}",
                Map.of(), 400);

        assertThat(answered.at("/choices/0/message/content").asText()).isEqualTo("Acme accepts returns within 30 days of purchase. [refunds.md#0]");
        assertThat(answered.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(answered.at("/switchboard/provider").asText()).isEqualTo("agent");
        assertThat(streamed.at("/error/param").asText()).isEqualTo("stream");
        assertThat(ownTools.at("/error/param").asText()).isEqualTo("tools");
        assertThat(ownTools.at("/error/message").asText()).contains("calls the tools registered on llm.tools");
    }

    @Test
    void theOfficialOpenAiSdkDoesAToolCallRoundTripWithItsOwnTool() {
        com.openai.client.OpenAIClient client = com.openai.client.okhttp.OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey(token)
                .maxRetries(0).build();
        try {
            com.openai.models.FunctionDefinition weather = com.openai.models.FunctionDefinition.builder().name("get_weather")
                    .description("Weather of a city")
                    .parameters(com.openai.models.FunctionParameters.builder()
                            .putAdditionalProperty("type", com.openai.core.JsonValue.from("object"))
                            .putAdditionalProperty("properties", com.openai.core.JsonValue.from(Map.of("city", Map.of("type", "string"))))
                            .putAdditionalProperty("required", com.openai.core.JsonValue.from(List.of("city"))).build())
                    .build();
            var ask = com.openai.models.chat.completions.ChatCompletionCreateParams.builder().model("sim-fast-small")
                    .addUserMessage("Lyon").addFunctionTool(weather);

            com.openai.models.chat.completions.ChatCompletion first = client.chat().completions().create(ask.build());

            var choice = first.choices().getFirst();
            assertThat(choice.finishReason()).isEqualTo(com.openai.models.chat.completions.ChatCompletion.Choice.FinishReason.TOOL_CALLS);
            var call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
            assertThat(call.function().name()).isEqualTo("get_weather");
            assertThat(call.function().arguments()).isEqualTo("{\"city\":\"Lyon\"}");

            // The client runs its tool and sends the result back with the conversation so far.
            com.openai.models.chat.completions.ChatCompletion second = client.chat().completions().create(ask
                    .addMessage(choice.message())
                    .addMessage(com.openai.models.chat.completions.ChatCompletionToolMessageParam.builder().toolCallId(call.id())
                            .content("rain, 12 C").build())
                    .build());

            assertThat(second.choices().getFirst().message().content()).contains("The tool returned: rain, 12 C");
            assertThat(second.choices().getFirst().finishReason())
                    .isEqualTo(com.openai.models.chat.completions.ChatCompletion.Choice.FinishReason.STOP);
            JsonNode reached = it.stack.simulator().lastRequest("sim-fast").path("messages");
            assertThat(reached.get(1).at("/tool_calls/0/id").asText()).isEqualTo(call.id());
            assertThat(reached.get(1).at("/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
            assertThat(reached.get(2).path("tool_call_id").asText()).isEqualTo(call.id());
            assertThat(reached.get(2).path("content").asText()).isEqualTo("rain, 12 C");
        } finally {
            client.close();
        }
    }

    @Test
    void aToolCallGoesToTheClientAndItsResultBackToTheModel() {
        OpenAiChatModel model = model("sim-fast-small").build();
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Weather of a city")
                .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build()).build();
        UserMessage question = UserMessage.from("Paris");

        ChatResponse first = model.chat(ChatRequest.builder().messages(question).toolSpecifications(weather).build());

        assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(first.aiMessage().toolExecutionRequests()).hasSize(1);
        ToolExecutionRequest call = first.aiMessage().toolExecutionRequests().getFirst();
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");

        ChatResponse second = model.chat(ChatRequest.builder().toolSpecifications(weather)
                .messages(question, first.aiMessage(), ToolExecutionResultMessage.from(call, "sunny, 21 C")).build());

        assertThat(second.aiMessage().text()).isEqualTo("The tool returned: sunny, 21 C");
        JsonNode reached = it.stack.simulator().lastRequest("sim-fast").path("messages");
        assertThat(reached.get(1).at("/tool_calls/0/id").asText()).isEqualTo(call.id());
        assertThat(reached.get(2).path("role").asText()).isEqualTo("tool");
        assertThat(reached.get(2).path("tool_call_id").asText()).isEqualTo(call.id());
    }

    @Test
    void anAsyncRequestIsAnsweredLaterAtItsId() throws Exception {
        HttpResponse<String> accepted = HTTP.send(request("/v1/chat/completions",
                "{\"model\":\"sim-strong\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 9*9?\"}]}",
                Map.of("Prefer", "respond-async")), HttpResponse.BodyHandlers.ofString());

        assertThat(accepted.statusCode()).isEqualTo(202);
        String id = accepted.headers().firstValue(Edge.REQUEST_ID_HEADER).orElseThrow();
        assertThat(accepted.headers().firstValue("Location")).contains("/v1/requests/" + id);
        assertThat(JSON.readTree(accepted.body()).path("status").asText()).isEqualTo("pending");
        JsonNode done = await().atMost(Duration.ofSeconds(20)).until(() -> get("/v1/requests/" + id, 200),
                b -> b.path("status").asText().equals("succeeded"));
        assertThat(done.at("/completion/choices/0/message/content").asText()).isEqualTo("9 * 9 = 81.");
        assertThat(done.at("/completion/switchboard/provider").asText()).isEqualTo("sim-strong");
        HttpResponse<String> otherTenant = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/requests/" + id))
                .header("Authorization", "Bearer " + tokenFor("someone-else")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(otherTenant.statusCode()).isEqualTo(404);
        assertThat(otherTenant.body()).doesNotContain("9 * 9");
        // An admin may read any tenant's request, by the access policy.
        String admin = TokenClient.token(it.stack.config().security(), Map.of("tenant", "ops-team", "roles", "admin"));
        assertThat(getFrom(base, "/v1/requests/" + id, 200, admin).at("/completion/choices/0/message/content").asText())
                .isEqualTo("9 * 9 = 81.");
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyCallsTheProviderOnceAndGetsTheSameAnswer() throws Exception {
        String body = "{\"model\":\"sim-fast\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 6*7?\"}]}";
        Map<String, String> key = Map.of("Idempotency-Key", "order-42");
        long callsBefore = it.stack.simulator().completions();

        HttpResponse<String> first = HTTP.send(request("/v1/chat/completions", body, key), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> retry = HTTP.send(request("/v1/chat/completions", body, key), HttpResponse.BodyHandlers.ofString());

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(JSON.readTree(retry.body()).at("/choices/0/message/content").asText()).isEqualTo("6 * 7 = 42.");
        assertThat(retry.headers().firstValue(Edge.REQUEST_ID_HEADER)).isEqualTo(first.headers().firstValue(Edge.REQUEST_ID_HEADER));
        assertThat(it.stack.simulator().completions() - callsBefore).isEqualTo(1);

        JsonNode reused = post(body.replace("6*7", "6*8"), key, 422);
        assertThat(reused.at("/error/code").asText()).isEqualTo("idempotency_key_reused");
    }

    @Test
    void aSecondEdgeAndARestartedOneAnswerLookupsOfRequestsMadeThroughAnother() throws Exception {
        HttpResponse<String> accepted = HTTP.send(request("/v1/chat/completions",
                "{\"model\":\"sim-fast\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 5+5?\"}]}",
                Map.of("Prefer", "respond-async")), HttpResponse.BodyHandlers.ofString());
        String id = accepted.headers().firstValue(Edge.REQUEST_ID_HEADER).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/v1/requests/" + id, 200).path("status").asText().equals("succeeded"));

        Map<String, String> otherSettings = new java.util.HashMap<>(settings);
        otherSettings.put(SwitchboardConfig.HEALTH_PORT, "0");
        SwitchboardConfig other = SwitchboardConfig.withOverrides(otherSettings);
        try (Edge second = new Edge(other, it.clients, it.codec, List.of()).start()) {
            assertThat(second.awaitReady(Duration.ofSeconds(20))).isTrue();
            JsonNode found = getFrom("http://localhost:" + second.port(), "/v1/requests/" + id, 200);
            assertThat(found.at("/completion/choices/0/message/content").asText()).isEqualTo("5 + 5 = 10.");
        }
    }

    @Test
    void feedbackIsPublishedForThePlannerAndAnalytics() throws Exception {
        it.collector(Topics.FEEDBACK);

        HttpResponse<String> response = HTTP.send(request("/v1/feedback",
                "{\"request_id\":\"req-fb-1\",\"kind\":\"accuracy\",\"score\":0.75,\"comment\":\"close\"}",
                bearer(tokenFor("acme"))), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(202);
        Feedback published = it.await(Topics.FEEDBACK, f -> f.getRequestId().equals("req-fb-1"));
        assertThat(published.getKind()).isEqualTo(FeedbackKind.ACCURACY);
        assertThat(published.getScore()).isEqualTo(0.75);
        assertThat(published.getTenantId()).isEqualTo("acme");
        assertThat(post("/v1/feedback", "{\"request_id\":\"x\",\"kind\":\"accuracy\",\"score\":2}", Map.of(), 400)
                .at("/error/param").asText()).isEqualTo("score");
    }

    @Test
    void modelsListsTheCatalogue() throws Exception {
        JsonNode models = get("/v1/models", 200);

        assertThat(models.path("object").asText()).isEqualTo("list");
        assertThat(models.path("data").findValuesAsText("id"))
                .containsExactly("auto", "switchboard/agent", "sim-fast/sim-fast-small", "sim-strong/sim-strong-large", "sim-flaky/sim-flaky-medium");
    }

    @Test
    void badRequestsGetOpenAiErrorsNamingTheField() throws Exception {
        assertThat(post("{\"model\":\"auto\",", Map.of(), 400).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(post("{\"model\":\"auto\",\"messages\":[]}", Map.of(), 400).at("/error/param").asText()).isEqualTo("messages");
        assertThat(post("{\"model\":\"auto\",\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", Map.of(), 400)
                .at("/error/param").asText()).isEqualTo("temperature");
        assertThat(post("{\"model\":\"auto\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", Map.of(), 400)
                .at("/error/param").asText()).isEqualTo("messages[0].tool_call_id");
        assertThat(post("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", Map.of(), 400)
                .at("/error/param").asText()).isEqualTo("messages[0].content[0]");

        JsonNode unknown = post("{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", Map.of(), 404);
        assertThat(unknown.at("/error/code").asText()).isEqualTo("model_not_found");

        JsonNode tooLarge = post("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(5000) + "\"}]}", Map.of(), 413);
        assertThat(tooLarge.at("/error/code").asText()).isEqualTo("request_too_large");
        assertThat(get("/v1/requests/no-such-request", 404).at("/error/code").asText()).isEqualTo("request_not_found");
    }

    @Test
    void everyEndpointButLivenessWantsAValidBearerToken() throws Exception {
        String body = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 1+1?\"}]}";
        HttpRequest noToken = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> missing = HTTP.send(noToken, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> forged = HTTP.send(request("/v1/chat/completions", body,
                bearer(token.substring(0, token.lastIndexOf('.') + 1) + "c2lnbmF0dXJl")), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> models = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> live = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health/live")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"switchboard\"");
        assertThat(JSON.readTree(missing.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
        assertThat(JSON.readTree(forged.body()).at("/error/message").asText()).isEqualTo("The token's signature does not verify");
        assertThat(models.statusCode()).isEqualTo(401);
        assertThat(live.statusCode()).isEqualTo(200);
        dev.switchboard.avro.AuditEvent refusedModels = it.await(Topics.AUDIT, a -> a.getTarget().equals("/v1/models"));
        assertThat(refusedModels.getAction()).isEqualTo("http.get");
        assertThat(refusedModels.getOutcome()).isEqualTo("UNAUTHENTICATED");
        assertThat(refusedModels.getDetails()).containsEntry("decision", "DENIED").containsEntry("reason", "MISSING");
        assertThat(it.await(Topics.AUDIT, a -> "SIGNATURE".equals(a.getDetails().get("reason"))).getTarget())
                .isEqualTo("/v1/chat/completions");
    }

    @Test
    void aRoleThePolicyDoesNotLetChatOrSendFeedbackGets403NamingTheRule() throws Exception {
        String analyst = TokenClient.token(it.stack.config().security(), Map.of("tenant", "default", "roles", "analyst"));

        JsonNode chat = post("/v1/chat/completions", "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 7+7?\"}]}",
                bearer(analyst), 403);
        JsonNode feedback = post("/v1/feedback", "{\"request_id\":\"x\",\"kind\":\"accuracy\",\"score\":1}", bearer(analyst), 403);

        assertThat(chat.at("/error/code").asText()).isEqualTo("forbidden");
        assertThat(chat.at("/error/message").asText())
                .isEqualTo("Forbidden: no rule lets role(s) [analyst] chat requests in their tenant");
        assertThat(chat.toString()).doesNotContain("7+7");
        assertThat(feedback.at("/error/message").asText())
                .isEqualTo("Forbidden: no rule lets role(s) [analyst] send feedback in their tenant");
        dev.switchboard.avro.AuditEvent denied = it.await(Topics.AUDIT, a -> a.getTarget().equals("/v1/feedback"));
        assertThat(denied.getOutcome()).isEqualTo("FORBIDDEN");
        assertThat(denied.getActor()).isEqualTo("switchboard-cli");
        assertThat(denied.getDetails()).containsEntry("tenant", "default")
                .containsEntry("reason", "no rule lets role(s) [analyst] send feedback in their tenant");
    }

    @Test
    void theTiersAndDataClassificationOfThePolicyDecideWhichModelsARequestMayReach() throws Exception {
        String admin = TokenClient.token(it.stack.config().security(), Map.of("tenant", "default", "roles", "tenant-admin"));
        String body = "{\"model\":\"sim-flaky\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 9+9?\"}]}";
        String auto = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"My email is a@b.c\"}]}";
        Map<String, String> pii = Map.of("x-switchboard-data-classification", "pii");

        JsonNode premium = post("/v1/chat/completions", body, Map.of(), 403);
        JsonNode asAdmin = post("/v1/chat/completions", body, bearer(admin), 200);
        JsonNode personal = post("/v1/chat/completions", auto, pii, 403);
        java.util.Map<String, String> adminPii = new java.util.HashMap<>(bearer(admin));
        adminPii.putAll(pii);
        JsonNode personalAsAdmin = post("/v1/chat/completions", auto, adminPii, 200);
        JsonNode unknown = post("/v1/chat/completions", auto, Map.of("x-switchboard-data-classification", "secret"), 400);

        assertThat(premium.at("/error/code").asText()).isEqualTo("forbidden");
        assertThat(premium.at("/error/message").asText())
                .contains("sim-flaky: tier premium: no rule lets role(s) [user] use tier:premium in their tenant");
        assertThat(premium.toString()).doesNotContain("9+9");
        assertThat(asAdmin.path("model").asText()).isEqualTo("sim-flaky-medium");
        assertThat(personal.at("/error/message").asText())
                .contains("sim-fast: data classified pii goes only to providers with zdr=true (rule p2, pii, zdr, true); zdr is unset");
        assertThat(personal.toString()).doesNotContain("a@b.c");
        assertThat(personalAsAdmin.path("model").asText()).isEqualTo("sim-flaky-medium");
        assertThat(unknown.at("/error/message").asText())
                .contains("attribute data_classification is 'secret', which the access policy does not name; known: [internal, pii, public]");
    }

    @Test
    void aQualityOrCostTargetHeaderRoutesTheRequestToItsTargetAndABadOneIsRefusedNamingIt() throws Exception {
        String auto = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 4+4?\"}]}";

        JsonNode held = post("/v1/chat/completions", auto, Map.of("x-switchboard-quality-target", "0.9"), 200);
        JsonNode frugal = post("/v1/chat/completions", auto, Map.of("x-switchboard-cost-target", "0.001"), 200);
        JsonNode tooMuch = post("/v1/chat/completions", auto, Map.of("x-switchboard-quality-target", "1.5"), 400);
        JsonNode both = post("/v1/chat/completions", auto,
                Map.of("x-switchboard-quality-target", "0.9", "x-switchboard-cost-target", "0.001"), 400);

        assertThat(held.at("/choices/0/message/content").asText()).isNotEmpty();
        assertThat(frugal.at("/choices/0/message/content").asText()).isNotEmpty();
        assertThat(tooMuch.at("/error/message").asText()).contains("attribute quality_target is '1.5'; expected a share in (0, 1], e.g. 0.95");
        assertThat(both.at("/error/message").asText())
                .contains("attributes quality_target and cost_target are both set; a request holds one target");
    }

    @Test
    void changingAProvidersFaultsIsAnOperatorsActionAndAudited() throws Exception {
        String url = "http://localhost:" + it.stack.simulator().port() + "/sim-strong/admin/faults";
        String ops = TokenClient.token(it.stack.config().security(), Map.of("tenant", "default", "roles", "ops"));
        java.util.function.Function<String, HttpResponse<String>> put = bearerToken -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofString("{\"errorRate\": 0.5}"));
            if (bearerToken != null) {
                request.header("Authorization", "Bearer " + bearerToken);
            }
            try {
                return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };

        HttpResponse<String> anonymous = put.apply(null);
        HttpResponse<String> user = put.apply(token);
        assertThat(it.stack.simulator().faults("sim-strong").errorRate()).isZero();
        HttpResponse<String> operator = put.apply(ops);

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"switchboard\"");
        assertThat(user.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(user.body()).path("error").asText())
                .isEqualTo("Forbidden: no rule lets role(s) [user] change faults in their tenant");
        assertThat(operator.statusCode()).as(operator.body()).isEqualTo(200);
        assertThat(it.stack.simulator().faults("sim-strong").errorRate()).isEqualTo(0.5);
        dev.switchboard.avro.AuditEvent applied = it.await(Topics.AUDIT, a -> a.getAction().equals("faults.change")
                && a.getOutcome().equals("APPLIED"));
        assertThat(applied.getActor()).isEqualTo("switchboard-cli");
        assertThat(applied.getTarget()).isEqualTo("sim-strong");
        assertThat(applied.getDetails().get("faults")).contains("\"errorRate\":0.5");
        assertThat(it.await(Topics.AUDIT, a -> a.getAction().equals("faults.change") && a.getOutcome().equals("FORBIDDEN"))
                .getDetails()).containsEntry("reason", "no rule lets role(s) [user] change faults in their tenant");
    }

    @Test
    void aTenantOverItsBudgetGets429WithRetryAfter() throws Exception {
        HttpResponse<String> response = HTTP.send(request("/v1/chat/completions",
                "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 1+2?\"}]}",
                bearer(tokenFor("broke"))), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(JSON.readTree(response.body()).at("/error/code").asText()).isEqualTo("budget_exceeded");
    }

    @Test
    void noProviderAbleToAnswerIs503() throws Exception {
        it.stack.simulator().setFaults("sim-fast", new Faults(1.0, 0, 2, 10, Map.of(500, 1.0)));

        JsonNode body = post("{\"model\":\"sim-fast\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 1+3?\"}]}", Map.of(), 503);

        assertThat(body.at("/error/code").asText()).isEqualTo("server_error");
        assertThat(body.at("/error/message").asText()).contains("1 attempt");
    }

    @Test
    void aRequestPastItsDeadlineIs504() throws Exception {
        it.stack.simulator().setFaults("sim-strong", new Faults(0, 0, 6000, 6000, Map.of(500, 1.0)));

        JsonNode body = post("{\"model\":\"sim-strong\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 2+3?\"}]}", Map.of(), 504);

        assertThat(body.at("/error/type").asText()).isEqualTo("timeout");
    }

    private static HttpRequest request(String path, String body, Map<String, String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (!headers.containsKey("Authorization")) {
            builder.header("Authorization", "Bearer " + token);
        }
        headers.forEach(builder::header);
        return builder.build();
    }

    private static JsonNode post(String body, Map<String, String> headers, int status) throws Exception {
        return post("/v1/chat/completions", body, headers, status);
    }

    private static JsonNode post(String path, String body, Map<String, String> headers, int status) throws Exception {
        HttpResponse<String> response = HTTP.send(request(path, body, headers), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    private static JsonNode get(String path, int status) throws Exception {
        return getFrom(base, path, status);
    }

    private static JsonNode getFrom(String root, String path, int status) throws Exception {
        return getFrom(root, path, status, token);
    }

    private static JsonNode getFrom(String root, String path, int status, String bearer) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(root + path))
                        .header("Authorization", "Bearer " + bearer).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }
}
