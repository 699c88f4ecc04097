package dev.switchboard.devstack.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.platform.config.SimulatedProviderSpec;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** See the package documentation. */
public final class ProviderSimulator implements AutoCloseable {

    /** How long a simulated timeout hangs: longer than any client timeout of the defaults. */
    static final long HANG_MS = 120_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ARITHMETIC = Pattern.compile(
            "(?i)what\\s+is\\s+(-?\\d+(?:\\.\\d+)?)\\s*([-+*/x])\\s*(-?\\d+(?:\\.\\d+)?)\\s*\\??");

    private final Map<String, Simulated> providers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "simulator-timer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong completions = new AtomicLong();
    private final Responder responder;
    private final Javalin app;
    private volatile AdminGuard guard = AdminGuard.OPEN;

    /**
     * Who may change a provider's faults over HTTP: {@link #authorize} names the caller or refuses
     * it, {@link #applied} hears of each change made. {@link #OPEN} lets anyone (no security).
     */
    public interface AdminGuard {
        /** The caller named by {@code authorization} (the header, or null), when it may change {@code provider}'s faults. */
        String authorize(String authorization, String provider) throws Refused;

        /** {@code actor} changed {@code provider}'s faults to {@code faults}. */
        void applied(String actor, String provider, String faults);

        AdminGuard OPEN = new AdminGuard() {
            @Override
            public String authorize(String authorization, String provider) {
                return "anyone";
            }

            @Override
            public void applied(String actor, String provider, String faults) {
            }
        };
    }

    /** A refused fault change: the HTTP status (401, 403) and why, never the caller's token. */
    public static final class Refused extends Exception {
        private final int status;

        public Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /**
     * What a simulated provider answers: the text and the token counts its usage reports. The
     * default solves simple arithmetic and acknowledges anything else; a benchmark plugs in
     * recorded outcomes.
     */
    @FunctionalInterface
    public interface Responder {
        Answer answer(String provider, String model, String lastUserMessage, int promptChars);

        record Answer(String content, int promptTokens, int completionTokens) {
        }

        Responder DEFAULT = (provider, model, prompt, promptChars) -> {
            String text = ProviderSimulator.answer(provider, prompt);
            return new Answer(text, Math.max(1, (promptChars + 3) / 4), Math.max(1, (text.length() + 3) / 4));
        };
    }

    private static final class Simulated {
        final String name;
        final String model;
        final Random random;
        final LatencySequence latencies;
        volatile Faults faults;
        volatile JsonNode lastRequest;
        /** Streamed answers: the wait between chunks, and after how many chunks the stream breaks (-1: never). */
        volatile long chunkDelayMs;
        volatile int failAfterChunks = -1;
        /** Scripted answers, first match wins (empty: none). */
        volatile List<ScriptRule> script = List.of();

        Simulated(String name, String model, long seed, Faults faults) {
            this.name = name;
            this.model = model;
            this.random = new Random(seed ^ name.hashCode());
            this.latencies = new LatencySequence(seed ^ name.hashCode());
            this.faults = faults;
        }
    }

    /** One call's fate, drawn in order from the provider's seeded stream. */
    private record Draw(long latencyMs, boolean timeout, int errorStatus) {
    }

    /**
     * A scripted answer: when the last message's content matches {@code when} (a regular expression,
     * found anywhere in it), the provider answers {@code reply} as it is. So a test scripts a model's
     * side of a conversation (an agent's Thought, Action and Final Answer) deterministically.
     */
    public record ScriptRule(java.util.regex.Pattern when, String reply) {
        public static ScriptRule of(String when, String reply) {
            return new ScriptRule(java.util.regex.Pattern.compile(when, java.util.regex.Pattern.DOTALL), reply);
        }
    }

    public ProviderSimulator(List<SimulatedProviderSpec> specs, long seed, int port) {
        this(specs, seed, port, Responder.DEFAULT);
    }

    public ProviderSimulator(List<SimulatedProviderSpec> specs, long seed, int port, Responder responder) {
        this.responder = responder;
        for (SimulatedProviderSpec spec : specs) {
            providers.put(spec.name(), new Simulated(spec.name(), spec.model(), seed, new Faults(spec.errorRate(),
                    spec.timeoutRate(), spec.latencyP50Ms(), spec.latencyP99Ms(), spec.errorMix())));
        }
        this.app = Javalin.create(config -> {
            dev.switchboard.router.edge.Connectors.listen(config, port);
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.routes.post("/{provider}/v1/chat/completions", this::complete);
            config.routes.get("/{provider}/admin/faults", ctx -> send(ctx, 200, faultsBody(provider(ctx).faults)));
            config.routes.put("/{provider}/admin/faults", this::putFaults);
            config.routes.put("/{provider}/admin/script", this::putScript);
            config.routes.get("/admin/providers", ctx -> send(ctx, 200, providers.keySet().stream().sorted().toList()));
        });
    }

    /** Guards {@code PUT /<name>/admin/faults} with {@code guard} (set before {@link #start}). */
    public ProviderSimulator guard(AdminGuard guard) {
        this.guard = guard;
        return this;
    }

    public ProviderSimulator start() {
        app.start();
        return this;
    }

    public int port() {
        return app.port();
    }

    /** Calls answered successfully so far. */
    public long completions() {
        return completions.get();
    }

    /** Changes a provider's behaviour, as {@code PUT /<name>/admin/faults} does. */
    public void setFaults(String provider, Faults faults) {
        Simulated simulated = providers.get(provider);
        if (simulated == null) {
            throw new IllegalArgumentException("No simulated provider '" + provider + "'");
        }
        simulated.faults = faults;
    }

    /** Scripts a provider's answers (empty: none), as {@code PUT /<name>/admin/script} does. */
    public void setScript(String provider, List<ScriptRule> script) {
        Simulated simulated = providers.get(provider);
        if (simulated == null) {
            throw new IllegalArgumentException("No simulated provider '" + provider + "'");
        }
        simulated.script = List.copyOf(script);
    }

    public Faults faults(String provider) {
        return providers.get(provider).faults;
    }

    private Simulated provider(Context ctx) {
        Simulated simulated = providers.get(ctx.pathParam("provider"));
        if (simulated == null) {
            throw new NotFound("Unknown simulated provider '" + ctx.pathParam("provider") + "'; simulated: "
                    + providers.keySet().stream().sorted().toList());
        }
        return simulated;
    }

    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    private void complete(Context ctx) {
        Simulated simulated;
        try {
            simulated = provider(ctx);
        } catch (NotFound e) {
            send(ctx, 404, openAiError(e.getMessage(), "invalid_request_error", "model_not_found"));
            return;
        }
        String auth = ctx.header("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || auth.length() <= "Bearer ".length()) {
            send(ctx, 401, openAiError("Missing API key: send 'Authorization: Bearer <key>'", "invalid_request_error", "invalid_api_key"));
            return;
        }
        JsonNode request;
        try {
            request = JSON.readTree(ctx.body());
        } catch (IOException e) {
            send(ctx, 400, openAiError("The request body is not JSON", "invalid_request_error", null));
            return;
        }
        JsonNode messages = request == null ? null : request.path("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            send(ctx, 400, openAiError("'messages' must be a non-empty array", "invalid_request_error", null));
            return;
        }
        Draw draw = draw(simulated);
        long delay = draw.timeout() ? HANG_MS : draw.latencyMs();
        if (request.path("stream").asBoolean(false)) {
            stream(ctx, simulated, draw, delay, request, messages);
            return;
        }
        if (delay == 0) {
            // No wait: answered on the request's own thread, without a hand-off to the timer and back.
            answer(ctx, simulated, draw, request, messages);
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        ctx.future(() -> done);
        timer.schedule(() -> {
            try {
                answer(ctx, simulated, draw, request, messages);
            } finally {
                done.complete(null);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void answer(Context ctx, Simulated simulated, Draw draw, JsonNode request, JsonNode messages) {
        if (draw.errorStatus() > 0) {
            if (draw.errorStatus() == 429) {
                ctx.header("Retry-After", Integer.toString(simulated.faults.retryAfterSeconds()));
            }
            String code = draw.errorStatus() < 500 && draw.errorStatus() != 429 ? simulated.faults.errorCode() : null;
            send(ctx, draw.errorStatus(), openAiError("Simulated " + draw.errorStatus() + " from " + simulated.name,
                    draw.errorStatus() == 429 ? "rate_limit_exceeded"
                            : draw.errorStatus() < 500 ? "invalid_request_error" : "server_error", code));
        } else {
            send(ctx, 200, completion(simulated, request, messages));
            completions.incrementAndGet();
        }
    }

    /**
     * A streamed answer, as OpenAI streams: server-sent chunks of a few words each (the first with
     * the role), tool calls in one chunk, a last chunk with the finish reason and usage, then
     * {@code [DONE]}. The drawn latency passes before the first chunk; the provider's chunk delay
     * between chunks. With {@code failAfterChunks} set the connection breaks after that many.
     * Runs on the request's virtual thread, so the waits block only it.
     */
    private void stream(Context ctx, Simulated simulated, Draw draw, long delay, JsonNode request, JsonNode messages) {
        sleep(delay);
        if (draw.errorStatus() > 0) {
            answer(ctx, simulated, draw, request, messages);
            return;
        }
        ObjectNode whole = completion(simulated, request, messages);
        JsonNode choice = whole.path("choices").get(0);
        JsonNode message = choice.path("message");
        java.util.List<ObjectNode> chunks = new java.util.ArrayList<>();
        if (message.path("tool_calls").isArray()) {
            ObjectNode delta = chunk(whole, chunks).putObject("delta").put("role", "assistant");
            ArrayNode calls = delta.putArray("tool_calls");
            for (int i = 0; i < message.path("tool_calls").size(); i++) {
                calls.add(((ObjectNode) message.path("tool_calls").get(i).deepCopy()).put("index", i));
            }
        } else {
            String content = message.path("content").asText("");
            for (String piece : content.split("(?<= )")) {
                ObjectNode delta = chunk(whole, chunks).putObject("delta");
                if (chunks.size() == 1) {
                    delta.put("role", "assistant");
                }
                delta.put("content", piece);
            }
        }
        ObjectNode last = chunk(whole, chunks);
        last.putObject("delta");
        last.put("finish_reason", choice.path("finish_reason").asText());
        chunks.getLast().set("usage", whole.path("usage"));
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setHeader("Cache-Control", "no-cache");
        try {
            // The servlet stream itself: Javalin's own may hold the bytes back to decide on compression.
            java.io.OutputStream out = ctx.res().getOutputStream();
            int failAfter = simulated.failAfterChunks;
            for (int i = 0; i < chunks.size(); i++) {
                if (failAfter >= 0 && i == failAfter) {
                    out.flush();
                    // Breaks the connection mid-stream, as a provider that dies does.
                    throw new IllegalStateException("Simulated stream break after " + failAfter + " chunks from " + simulated.name);
                }
                if (i > 0) {
                    sleep(simulated.chunkDelayMs);
                }
                out.write(("data: " + JSON.writeValueAsString(chunks.get(i)) + "\n\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.flush();
            }
            out.write("data: [DONE]\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.flush();
            completions.incrementAndGet();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A new chunk of {@code whole}'s stream, added to {@code chunks}; returns its only choice. */
    private static ObjectNode chunk(ObjectNode whole, java.util.List<ObjectNode> chunks) {
        ObjectNode chunk = JSON.createObjectNode().put("id", whole.path("id").asText()).put("object", "chat.completion.chunk")
                .put("created", whole.path("created").asLong()).put("model", whole.path("model").asText());
        chunks.add(chunk);
        return chunk.putArray("choices").addObject().put("index", 0);
    }

    private static void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How a provider streams: the wait between chunks, and after how many chunks its streams break (-1: never). */
    public void setStreaming(String provider, long chunkDelayMs, int failAfterChunks) {
        Simulated simulated = providers.get(provider);
        if (simulated == null) {
            throw new IllegalArgumentException("No simulated provider '" + provider + "'");
        }
        simulated.chunkDelayMs = chunkDelayMs;
        simulated.failAfterChunks = failAfterChunks;
    }

    private static Draw draw(Simulated simulated) {
        Faults faults = simulated.faults;
        synchronized (simulated.random) {
            double fate = simulated.random.nextDouble();
            double statusDraw = simulated.random.nextDouble();
            long latency = faults.latencyMs(simulated.latencies.next());
            if (fate < faults.timeoutRate()) {
                return new Draw(latency, true, 0);
            }
            if (fate < faults.timeoutRate() + faults.errorRate()) {
                return new Draw(latency, false, faults.errorStatus(statusDraw));
            }
            return new Draw(latency, false, 0);
        }
    }

    private ObjectNode completion(Simulated simulated, JsonNode request, JsonNode messages) {
        simulated.lastRequest = request;
        int promptChars = 0;
        String lastUser = "";
        JsonNode last = messages.get(messages.size() - 1);
        for (JsonNode message : messages) {
            String content = message.path("content").asText("");
            promptChars += content.length();
            if ("user".equals(message.path("role").asText())) {
                lastUser = content;
            }
        }
        // Like OpenAI's, the simulator answers as the model asked for; a request naming none gets the provider's.
        String model = request.path("model").asText("");
        model = model.isBlank() ? simulated.model : model;
        ObjectNode body = JSON.createObjectNode()
                .put("id", "chatcmpl-sim-" + completions.get())
                .put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", model);
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        int promptTokens = Math.max(1, (promptChars + 3) / 4);
        int completionTokens;
        String lastContent = last.path("content").asText("");
        ScriptRule scripted = simulated.script.stream().filter(r -> r.when().matcher(lastContent).find()).findFirst().orElse(null);
        final String question = lastUser;
        String scriptedReply = scripted != null ? scripted.reply() : SimulatedReAct.reply(messages,
                () -> responder.answer(simulated.name, request.path("model").asText(simulated.model), question, 0).content()).orElse(null);
        JsonNode toolCall = scriptedReply != null ? null : toolCall(request, last, lastUser);
        if (scriptedReply != null) {
            message.put("content", scriptedReply);
            choice.put("finish_reason", "stop");
            completionTokens = Math.max(1, (scriptedReply.length() + 3) / 4);
        } else if (toolCall != null) {
            message.putNull("content");
            message.putArray("tool_calls").add(toolCall);
            choice.put("finish_reason", "tool_calls");
            completionTokens = Math.max(1, (toolCall.toString().length() + 3) / 4);
        } else {
            String answer;
            if ("tool".equals(last.path("role").asText())) {
                answer = "The tool returned: " + last.path("content").asText("");
                completionTokens = Math.max(1, (answer.length() + 3) / 4);
            } else {
                Responder.Answer reply = responder.answer(simulated.name, model, lastUser, promptChars);
                answer = reply.content();
                promptTokens = reply.promptTokens();
                completionTokens = reply.completionTokens();
            }
            String format = request.path("response_format").path("type").asText("text");
            if ((format.equals("json_object") || format.equals("json_schema")) && !isJsonObject(answer)) {
                answer = JSON.createObjectNode().put("answer", answer).toString();
            }
            String finish = "stop";
            for (JsonNode stop : request.path("stop").isTextual() ? List.of(request.path("stop")) : iterable(request.path("stop"))) {
                int at = answer.indexOf(stop.asText());
                if (!stop.asText().isEmpty() && at >= 0) {
                    answer = answer.substring(0, at);
                }
            }
            int maxTokens = request.path("max_completion_tokens").asInt(request.path("max_tokens").asInt(0));
            if (maxTokens > 0 && completionTokens > maxTokens) {
                answer = answer.substring(0, Math.min(answer.length(), maxTokens * 4));
                completionTokens = maxTokens;
                finish = "length";
            }
            message.put("content", answer);
            choice.put("finish_reason", finish);
        }
        body.putObject("usage")
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        return body;
    }

    /** Whether a responder's answer is a JSON object already (a planning model's analysis, say): JSON mode leaves it so. */
    private static boolean isJsonObject(String text) {
        try {
            return JSON.readTree(text).isObject();
        } catch (IOException e) {
            return false;
        }
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> items = new java.util.ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    /**
     * The call a simulated model makes when the request offers tools and the last message is the
     * user's: the tool {@code tool_choice} names, else the first, with the user's message as its
     * first parameter. Null when it answers in text.
     */
    private static JsonNode toolCall(JsonNode request, JsonNode last, String lastUser) {
        JsonNode tools = request.path("tools");
        JsonNode choice = request.path("tool_choice");
        if (!tools.isArray() || tools.isEmpty() || !"user".equals(last.path("role").asText())
                || "none".equals(choice.asText())) {
            return null;
        }
        JsonNode function = tools.get(0).path("function");
        String named = choice.path("function").path("name").asText("");
        for (JsonNode tool : tools) {
            if (tool.path("function").path("name").asText().equals(named)) {
                function = tool.path("function");
            }
        }
        ObjectNode arguments = JSON.createObjectNode();
        java.util.Iterator<String> parameters = function.path("parameters").path("properties").fieldNames();
        if (parameters.hasNext()) {
            arguments.put(parameters.next(), lastUser);
        }
        ObjectNode call = JSON.createObjectNode().put("id", "call_sim_" + Integer.toHexString(lastUser.hashCode())).put("type", "function");
        call.putObject("function").put("name", function.path("name").asText()).put("arguments", arguments.toString());
        return call;
    }

    /** The last request body a provider answered (or was about to answer), for tests that check what reached it; null before any. */
    public JsonNode lastRequest(String provider) {
        return providers.get(provider).lastRequest;
    }

    /** A deterministic answer: simple arithmetic is solved, anything else acknowledged. */
    static String answer(String provider, String prompt) {
        Matcher m = ARITHMETIC.matcher(prompt.trim());
        if (m.matches()) {
            double a = Double.parseDouble(m.group(1));
            double b = Double.parseDouble(m.group(3));
            Double result = switch (m.group(2)) {
                case "+" -> a + b;
                case "-" -> a - b;
                case "*", "x" -> a * b;
                case "/" -> b == 0 ? null : a / b;
                default -> null;
            };
            if (result != null) {
                String value = result == Math.rint(result) && Math.abs(result) < 1e15
                        ? Long.toString(result.longValue()) : Double.toString(result);
                return m.group(1) + " " + m.group(2) + " " + m.group(3) + " = " + value + ".";
            }
        }
        return "This is " + provider + ", a simulated provider. I read your " + prompt.length()
                + "-character message; a real model would answer it here.";
    }

    /** {@code PUT /<name>/admin/script}: a JSON array of {"when": regex, "reply": text}; [] clears the script. */
    private void putScript(Context ctx) {
        Simulated simulated;
        try {
            simulated = provider(ctx);
            guard.authorize(ctx.header("Authorization"), simulated.name);
        } catch (NotFound e) {
            send(ctx, 404, Map.of("error", e.getMessage()));
            return;
        } catch (Refused e) {
            send(ctx, e.status(), Map.of("error", e.getMessage()));
            return;
        }
        List<ScriptRule> script = new java.util.ArrayList<>();
        try {
            JsonNode body = JSON.readTree(ctx.body());
            if (body == null || !body.isArray()) {
                throw new IllegalArgumentException("The body must be a JSON array of {\"when\": regex, \"reply\": text}");
            }
            for (JsonNode rule : body) {
                if (!rule.path("when").isTextual() || !rule.path("reply").isTextual()) {
                    throw new IllegalArgumentException("Each rule needs \"when\" (a regular expression) and \"reply\" (text)");
                }
                script.add(ScriptRule.of(rule.path("when").asText(), rule.path("reply").asText()));
            }
        } catch (IOException | IllegalArgumentException e) {
            send(ctx, 400, Map.of("error", e instanceof IOException ? "The body is not JSON" : e.getMessage()));
            return;
        }
        simulated.script = List.copyOf(script);
        send(ctx, 200, Map.of("provider", simulated.name, "rules", script.size()));
    }

    private void putFaults(Context ctx) {
        Simulated simulated;
        try {
            simulated = provider(ctx);
        } catch (NotFound e) {
            send(ctx, 404, Map.of("error", e.getMessage()));
            return;
        }
        String actor;
        try {
            actor = guard.authorize(ctx.header("Authorization"), simulated.name);
        } catch (Refused e) {
            if (e.status() == 401) {
                ctx.header("WWW-Authenticate", "Bearer realm=\"switchboard\"");
            }
            send(ctx, e.status(), Map.of("error", e.getMessage()));
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body());
        } catch (IOException e) {
            send(ctx, 400, Map.of("error", "The body is not JSON"));
            return;
        }
        if (body == null || !body.isObject()) {
            send(ctx, 400, Map.of("error", "The body must be a JSON object with errorRate, timeoutRate, latencyMs {p50, p99}, errorMix, "
                    + "retryAfterSeconds, errorCode, streamChunkDelayMs, streamFailAfterChunks"));
            return;
        }
        Faults current = simulated.faults;
        try {
            JsonNode latency = body.path("latencyMs");
            Map<Integer, Double> mix = current.errorMix();
            if (body.has("errorMix")) {
                Map<Integer, Double> parsed = new java.util.LinkedHashMap<>();
                body.get("errorMix").properties().forEach(e -> {
                    try {
                        parsed.put(Integer.parseInt(e.getKey()), e.getValue().asDouble());
                    } catch (NumberFormatException ex) {
                        throw new IllegalArgumentException("errorMix key '" + e.getKey() + "' is not an HTTP status");
                    }
                });
                mix = parsed;
            }
            Faults updated = new Faults(
                    number(body, "errorRate", current.errorRate()),
                    number(body, "timeoutRate", current.timeoutRate()),
                    number(latency, "p50", current.latencyP50Ms()),
                    number(latency, "p99", Math.max(current.latencyP99Ms(), number(latency, "p50", current.latencyP50Ms()))),
                    mix, (int) number(body, "retryAfterSeconds", current.retryAfterSeconds()),
                    body.has("errorCode") ? (body.get("errorCode").isNull() ? null : body.get("errorCode").asText()) : current.errorCode());
            long chunkDelay = (long) number(body, "streamChunkDelayMs", simulated.chunkDelayMs);
            int failAfter = (int) number(body, "streamFailAfterChunks", simulated.failAfterChunks);
            if (chunkDelay < 0) {
                throw new IllegalArgumentException("streamChunkDelayMs must be >= 0, got " + chunkDelay);
            }
            simulated.faults = updated;
            simulated.chunkDelayMs = chunkDelay;
            simulated.failAfterChunks = failAfter;
            ObjectNode now = faultsBody(updated).put("streamChunkDelayMs", chunkDelay).put("streamFailAfterChunks", failAfter);
            guard.applied(actor, simulated.name, now.toString());
            send(ctx, 200, now);
        } catch (IllegalArgumentException e) {
            send(ctx, 400, Map.of("error", e.getMessage()));
        }
    }

    private static double number(JsonNode node, String field, double fallback) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException(field + " must be a number, got " + value);
        }
        return value.asDouble();
    }

    private static ObjectNode faultsBody(Faults faults) {
        ObjectNode body = JSON.createObjectNode()
                .put("errorRate", faults.errorRate())
                .put("timeoutRate", faults.timeoutRate());
        body.putObject("latencyMs").put("p50", faults.latencyP50Ms()).put("p99", faults.latencyP99Ms());
        ObjectNode mix = body.putObject("errorMix");
        new java.util.TreeMap<>(faults.errorMix()).forEach((status, weight) -> mix.put(Integer.toString(status), weight));
        body.put("retryAfterSeconds", faults.retryAfterSeconds());
        if (faults.errorCode() == null) {
            body.putNull("errorCode");
        } else {
            body.put("errorCode", faults.errorCode());
        }
        return body;
    }

    private static ObjectNode openAiError(String message, String type, String code) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error").put("message", message).put("type", type);
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return body;
    }

    private static void send(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        app.stop();
        timer.shutdownNow();
    }
}
