package dev.switchboard.router.edge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.avro.ErrorInfo;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.avro.ToolCall;

import java.time.Duration;

/** Replies in OpenAI's shapes: a chat completion, its stream chunks, and the error of a failed request. */
final class Completions {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Completions() {
    }

    static String id(String requestId) {
        return "chatcmpl-" + requestId;
    }

    /** A succeeded reply as {@code chat.completion}, with what Switchboard adds under {@code switchboard}. */
    static ObjectNode completion(LlmReply reply) {
        ObjectNode body = head(reply, "chat.completion");
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        message(choice.putObject("message"), reply);
        choice.put("finish_reason", finishReason(reply));
        usage(body, reply);
        body.set("switchboard", extension(reply));
        return body;
    }

    /**
     * A succeeded reply as the chunks of a stream: one with the whole message, one with the finish
     * reason and usage.
     */
    static ObjectNode[] chunks(LlmReply reply) {
        ObjectNode first = head(reply, "chat.completion.chunk");
        ObjectNode delta = first.putArray("choices").addObject().put("index", 0).putObject("delta");
        delta.put("role", "assistant");
        if (reply.getContent() != null) {
            delta.put("content", reply.getContent());
        }
        if (!reply.getToolCalls().isEmpty()) {
            ArrayNode calls = delta.putArray("tool_calls");
            for (int i = 0; i < reply.getToolCalls().size(); i++) {
                call(calls.addObject().put("index", i), reply.getToolCalls().get(i));
            }
        }
        ((ObjectNode) first.get("choices").get(0)).putNull("finish_reason");
        ObjectNode last = head(reply, "chat.completion.chunk");
        last.putArray("choices").addObject().put("index", 0).put("finish_reason", finishReason(reply)).putObject("delta");
        usage(last, reply);
        last.set("switchboard", extension(reply));
        return new ObjectNode[]{first, last};
    }

    /** A chunk adding {@code content} to the message, as pieces stream in; the first names the role. */
    static ObjectNode deltaChunk(String requestId, String model, long createdAtMs, boolean first, String content) {
        ObjectNode chunk = JSON.objectNode().put("id", id(requestId)).put("object", "chat.completion.chunk")
                .put("created", createdAtMs / 1000).put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (first) {
            delta.put("role", "assistant");
        }
        delta.put("content", content);
        choice.putNull("finish_reason");
        return chunk;
    }

    private static ObjectNode head(LlmReply reply, String object) {
        return JSON.objectNode().put("id", id(reply.getRequestId())).put("object", object)
                .put("created", reply.getCompletedAtMs() / 1000).put("model", reply.getModel() == null ? "" : reply.getModel());
    }

    private static void message(ObjectNode message, LlmReply reply) {
        message.put("role", "assistant");
        if (reply.getContent() == null) {
            message.putNull("content");
        } else {
            message.put("content", reply.getContent());
        }
        if (!reply.getToolCalls().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            reply.getToolCalls().forEach(call -> call(calls.addObject(), call));
        }
    }

    private static void call(ObjectNode node, ToolCall call) {
        node.put("id", call.getId()).put("type", "function");
        node.putObject("function").put("name", call.getName()).put("arguments", call.getArguments());
    }

    private static String finishReason(LlmReply reply) {
        if (reply.getFinishReason() != null) {
            return reply.getFinishReason();
        }
        return reply.getToolCalls().isEmpty() ? "stop" : "tool_calls";
    }

    private static void usage(ObjectNode body, LlmReply reply) {
        body.putObject("usage").put("prompt_tokens", reply.getInputTokens()).put("completion_tokens", reply.getOutputTokens())
                .put("total_tokens", reply.getInputTokens() + reply.getOutputTokens());
    }

    private static ObjectNode extension(LlmReply reply) {
        ObjectNode ext = JSON.objectNode().put("request_id", reply.getRequestId())
                .put("provider", reply.getProvider()).put("attempts", reply.getAttempts())
                .put("cost_usd", reply.getCostUsd()).put("latency_ms", reply.getLatencyMs());
        return ext;
    }

    /** What a request looks like to {@code GET /v1/requests/{id}}: its status and, when it has one, its completion or error. */
    static ObjectNode status(String requestId, LlmReply reply) {
        ObjectNode body = JSON.objectNode().put("id", requestId).put("object", "switchboard.request");
        if (reply == null) {
            return body.put("status", "pending");
        }
        if (reply.getStatus() == ReplyStatus.SUCCEEDED) {
            body.put("status", "succeeded");
            body.set("completion", completion(reply));
        } else {
            EdgeError error = error(reply);
            body.put("status", "failed").put("http_status", error.status);
            body.set("error", error.body().get("error"));
        }
        return body;
    }

    /**
     * A failed reply as an HTTP error: the request's own fault 400, a refusal by the access policy
     * 403, an unknown provider or model 404, a budget 429, the deadline 504, no provider able to answer 503, anything else 502.
     */
    static EdgeError error(LlmReply reply) {
        ErrorInfo info = reply.getError();
        String errorClass = info == null ? "UNKNOWN" : info.getErrorClass();
        String message = (info == null ? "The request failed" : info.getMessage())
                + " (request " + reply.getRequestId() + ", " + reply.getAttempts() + " attempt"
                + (reply.getAttempts() == 1 ? "" : "s") + ")";
        String code = errorClass.toLowerCase(java.util.Locale.ROOT);
        return switch (errorClass) {
            case "INVALID_REQUEST", "CONTENT_FILTERED" -> new EdgeError(400, "invalid_request_error", null, code, message, null);
            case "CONTEXT_LENGTH_EXCEEDED" -> new EdgeError(400, "invalid_request_error", "messages", "context_length_exceeded", message, null);
            case "FORBIDDEN" -> new EdgeError(403, "permission_error", null, "forbidden", message, null);
            case "UNKNOWN_PROVIDER", "MODEL_NOT_FOUND" -> new EdgeError(404, "invalid_request_error", "model", "model_not_found", message, null);
            case "BUDGET_EXCEEDED" -> new EdgeError(429, "insufficient_quota", null, code, message, Duration.ofSeconds(60));
            case "DEADLINE_EXCEEDED" -> new EdgeError(504, "timeout", null, code, message, null);
            case "NO_ELIGIBLE_PROVIDER", "EMPTY_PLAN", "TIMEOUT", "CONNECTION_ERROR", "RATE_LIMITED", "SERVER_ERROR",
                 "CIRCUIT_OPEN", "BULKHEAD_FULL" -> new EdgeError(503, "service_unavailable", null, code, message, null);
            default -> new EdgeError(502, "server_error", null, code, message, null);
        };
    }
}
