package dev.switchboard.router.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;
import dev.switchboard.avro.GenerationParameters;
import dev.switchboard.avro.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An OpenAI chat-completions request body, checked field by field: each error names the field
 * ({@code messages[2].tool_call_id}) and says what it must be. Fields OpenAI defines that change
 * nothing here (logprobs, metadata, store, ...) are accepted and ignored; {@code n} other than 1 and
 * non-text content parts are refused rather than silently answered differently.
 *
 * @param model      the model asked for, as sent
 * @param stream     whether the client asked for server-sent events
 * @param json       whether response_format asks for JSON (json_object or json_schema)
 * @param parameters the generation settings, null when the request sets none
 */
record ChatCompletionRequest(String model, List<ChatMessage> messages, GenerationParameters parameters,
                             boolean stream, boolean json) {

    private static final Set<String> TOOL_CHOICES = Set.of("none", "auto", "required");

    static ChatCompletionRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw EdgeError.invalid(null, "The request body must be a JSON object");
        }
        JsonNode model = body.path("model");
        if (!model.isTextual() || model.asText().isBlank()) {
            throw EdgeError.invalid("model", "model is required: a model of GET /v1/models, provider/model, or auto");
        }
        List<ChatMessage> messages = messages(body.path("messages"));
        JsonNode n = body.path("n");
        if (!n.isMissingNode() && !n.isNull() && (!n.canConvertToInt() || n.asInt() != 1)) {
            throw EdgeError.invalid("n", "n must be 1: one choice per request");
        }
        boolean stream = bool(body, "stream");

        GenerationParameters.Builder p = GenerationParameters.newBuilder();
        boolean any = false;
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        Integer maxTokens = positiveInt(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(body, "max_tokens");
        }
        p.setTemperature(temperature).setTopP(topP).setMaxTokens(maxTokens);
        any |= temperature != null || topP != null || maxTokens != null;
        List<String> stop = stop(body.path("stop"));
        p.setStop(stop);
        any |= !stop.isEmpty();
        JsonNode seed = body.path("seed");
        if (!seed.isMissingNode() && !seed.isNull()) {
            if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
                throw EdgeError.invalid("seed", "seed must be an integer");
            }
            p.setSeed(seed.asLong());
            any = true;
        }
        JsonNode user = body.path("user");
        if (!user.isMissingNode() && !user.isNull()) {
            if (!user.isTextual()) {
                throw EdgeError.invalid("user", "user must be a string");
            }
            p.setUser(user.asText());
            any = true;
        }
        boolean json = false;
        JsonNode format = body.path("response_format");
        if (!format.isMissingNode() && !format.isNull()) {
            String type = format.path("type").asText("");
            switch (type) {
                case "text" -> {
                }
                case "json_object" -> json = true;
                case "json_schema" -> {
                    JsonNode schema = format.path("json_schema");
                    if (!schema.isObject() || !schema.path("name").isTextual()) {
                        throw EdgeError.invalid("response_format.json_schema",
                                "response_format of type json_schema needs json_schema: {name, schema}");
                    }
                    json = true;
                }
                default -> throw EdgeError.invalid("response_format.type",
                        "response_format.type must be text, json_object or json_schema");
            }
            p.setResponseFormat(format.toString());
            any = true;
        }
        JsonNode tools = body.path("tools");
        if (!tools.isMissingNode() && !tools.isNull()) {
            checkTools(tools);
            if (!tools.isEmpty()) {
                p.setTools(tools.toString());
                any = true;
            }
        }
        JsonNode toolChoice = body.path("tool_choice");
        if (!toolChoice.isMissingNode() && !toolChoice.isNull()) {
            boolean named = toolChoice.isObject() && "function".equals(toolChoice.path("type").asText())
                    && toolChoice.path("function").path("name").isTextual();
            if (!(toolChoice.isTextual() && TOOL_CHOICES.contains(toolChoice.asText())) && !named) {
                throw EdgeError.invalid("tool_choice",
                        "tool_choice must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": ...}}");
            }
            p.setToolChoice(toolChoice.toString());
            any = true;
        }
        return new ChatCompletionRequest(model.asText(), messages, any ? p.build() : null, stream, json);
    }

    private static List<ChatMessage> messages(JsonNode messages) {
        if (!messages.isArray() || messages.isEmpty()) {
            throw EdgeError.invalid("messages", "messages must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String at = "messages[" + i + "]";
            if (!message.isObject()) {
                throw EdgeError.invalid(at, at + " must be an object with role and content");
            }
            String roleName = message.path("role").asText("");
            ChatRole role = switch (roleName) {
                case "system", "developer" -> ChatRole.SYSTEM;
                case "user" -> ChatRole.USER;
                case "assistant" -> ChatRole.ASSISTANT;
                case "tool" -> ChatRole.TOOL;
                default -> throw EdgeError.invalid(at + ".role",
                        at + ".role must be system, developer, user, assistant or tool");
            };
            List<ToolCall> calls = role == ChatRole.ASSISTANT ? toolCalls(message.path("tool_calls"), at + ".tool_calls") : List.of();
            String content = content(message.path("content"), at + ".content", role == ChatRole.ASSISTANT && !calls.isEmpty());
            String toolCallId = null;
            if (role == ChatRole.TOOL) {
                JsonNode id = message.path("tool_call_id");
                if (!id.isTextual() || id.asText().isBlank()) {
                    throw EdgeError.invalid(at + ".tool_call_id", "A tool message needs tool_call_id: the id of the call it answers");
                }
                toolCallId = id.asText();
            }
            JsonNode name = message.path("name");
            out.add(new ChatMessage(role, content, calls, toolCallId, name.isTextual() ? name.asText() : null));
        }
        return out;
    }

    /** Text content, or text parts joined; null or absent only where tool calls stand in for it. */
    private static String content(JsonNode content, String at, boolean mayBeEmpty) {
        if (content.isTextual()) {
            return content.asText();
        }
        if ((content.isNull() || content.isMissingNode()) && mayBeEmpty) {
            return "";
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw EdgeError.invalid(at + "[" + j + "]", at + "[" + j + "] must be {\"type\": \"text\", \"text\": ...}: "
                            + "only text parts are supported, not " + (part.path("type").isTextual() ? part.path("type").asText() : "this part"));
                }
                text.append(part.path("text").asText());
            }
            return text.toString();
        }
        throw EdgeError.invalid(at, at + " must be a string or an array of text parts");
    }

    private static List<ToolCall> toolCalls(JsonNode calls, String at) {
        if (calls.isMissingNode() || calls.isNull()) {
            return List.of();
        }
        if (!calls.isArray()) {
            throw EdgeError.invalid(at, at + " must be an array");
        }
        List<ToolCall> out = new ArrayList<>();
        for (int j = 0; j < calls.size(); j++) {
            JsonNode call = calls.get(j);
            JsonNode function = call.path("function");
            if (!call.path("id").isTextual() || !function.path("name").isTextual()) {
                throw EdgeError.invalid(at + "[" + j + "]", at + "[" + j + "] needs id and function.name");
            }
            JsonNode arguments = function.path("arguments");
            out.add(new ToolCall(call.path("id").asText(), function.path("name").asText(),
                    arguments.isTextual() ? arguments.asText() : arguments.isMissingNode() ? "{}" : arguments.toString()));
        }
        return out;
    }

    private static void checkTools(JsonNode tools) {
        if (!tools.isArray()) {
            throw EdgeError.invalid("tools", "tools must be an array of {\"type\": \"function\", \"function\": {...}}");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            if (!"function".equals(tool.path("type").asText()) || !tool.path("function").path("name").isTextual()) {
                throw EdgeError.invalid("tools[" + i + "]", "tools[" + i + "] must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
            }
            JsonNode parameters = tool.path("function").path("parameters");
            if (!parameters.isMissingNode() && !parameters.isObject()) {
                throw EdgeError.invalid("tools[" + i + "].function.parameters", "tools[" + i + "].function.parameters must be a JSON schema object");
            }
        }
    }

    private static List<String> stop(JsonNode stop) {
        if (stop.isMissingNode() || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (stop.isArray() && stop.size() <= 4) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw EdgeError.invalid("stop", "stop must be a string or an array of up to 4 strings");
                }
                out.add(s.asText());
            }
            return out;
        }
        throw EdgeError.invalid("stop", "stop must be a string or an array of up to 4 strings");
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode value = body.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw EdgeError.invalid(field, field + " must be true or false");
        }
        return value.asBoolean();
    }

    private static Double number(JsonNode body, String field, double min, double max) {
        JsonNode value = body.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
            throw EdgeError.invalid(field, field + " must be a number from " + fmt(min) + " to " + fmt(max));
        }
        return value.asDouble();
    }

    private static Integer positiveInt(JsonNode body, String field) {
        JsonNode value = body.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1) {
            throw EdgeError.invalid(field, field + " must be a positive integer");
        }
        return value.asInt();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
