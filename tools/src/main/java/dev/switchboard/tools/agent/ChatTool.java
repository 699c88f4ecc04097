package dev.switchboard.tools.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.schemas.Messages;
import dev.switchboard.tools.BuiltinTool;
import dev.switchboard.tools.ToolCaller;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The built-in {@code chat} tool: asks another model a question through the pipeline itself, as a
 * request of the calling tenant with its own plan, budget and audit. The request's id is made from
 * the call's idempotency key, so a call tried again, or made again by a run that resumed, reads the
 * reply the first one got instead of asking again.
 */
public final class ChatTool implements BuiltinTool {

    public static final String NAME = "chat";
    private static final ToolDefinition DEFINITION = BuiltinTool.definition(NAME,
            "Ask another model a question and get its answer. Name a provider to ask that one; otherwise the router chooses.",
            "{\"type\":\"object\",\"properties\":{\"question\":{\"type\":\"string\",\"minLength\":1},"
                    + "\"provider\":{\"type\":\"string\",\"description\":\"The provider to ask (optional)\"}},\"required\":[\"question\"]}",
            120_000);

    private final PipelineCalls pipeline;
    private final Duration timeout;

    public ChatTool(PipelineCalls pipeline, Duration timeout) {
        this.pipeline = pipeline;
        this.timeout = timeout;
    }

    @Override
    public ToolDefinition definition() {
        return DEFINITION;
    }

    @Override
    public String call(String tenant, JsonNode arguments, String idempotencyKey) throws ToolCaller.ToolFailure, InterruptedException {
        String provider = arguments.path("provider").asText("");
        LlmRequest request = LlmRequest.newBuilder().setRequestId("chat." + idempotencyKey).setTenantId(tenant)
                .setMessages(List.of(Messages.of(dev.switchboard.avro.ChatRole.USER, arguments.path("question").asText())))
                .setPreferredProviders(provider.isBlank() ? List.of() : List.of(provider))
                .setAttributes(Map.of("tool.call", idempotencyKey))
                .setCreatedAtMs(System.currentTimeMillis()).build();
        LlmReply reply;
        try {
            reply = pipeline.call(request, timeout);
        } catch (TimeoutException e) {
            throw new ToolCaller.ToolFailure("chat: no answer within " + timeout.toSeconds() + " s", true);
        }
        if (reply.getStatus() != ReplyStatus.SUCCEEDED) {
            String why = reply.getError() == null ? "failed" : reply.getError().getErrorClass() + ": " + reply.getError().getMessage();
            // The pipeline has tried every provider the plan had: trying the same request again will not help.
            throw new ToolCaller.ToolFailure("chat: " + why, false);
        }
        return reply.getContent();
    }
}
