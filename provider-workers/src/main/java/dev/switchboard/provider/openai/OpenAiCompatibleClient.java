package dev.switchboard.provider.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.GenerationParameters;
import dev.switchboard.avro.ToolCall;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.provider.ProviderClient;
import dev.switchboard.provider.http.ProviderHttpClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Any OpenAI-compatible chat-completions API (OpenAI, the provider simulator, vLLM, Groq, ...),
 * through langchain4j's {@link OpenAiChatModel}. langchain4j's own retries are off: a failure goes
 * to the next provider of the plan instead.
 */
public final class OpenAiCompatibleClient extends ProviderClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChatModel model;
    private final StreamingChatModel streaming;

    public OpenAiCompatibleClient(ProviderSpec spec) {
        super(spec);
        Duration connectTimeout = spec.timeout().compareTo(Duration.ofSeconds(5)) < 0 ? spec.timeout() : Duration.ofSeconds(5);
        this.model = OpenAiChatModel.builder()
                .baseUrl(spec.baseUrl())
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .timeout(spec.timeout())
                .maxRetries(0)
                .httpClientBuilder(new ProviderHttpClient.Builder()
                        .connectTimeout(connectTimeout)
                        .readTimeout(spec.timeout()))
                .build();
        this.streaming = OpenAiStreamingChatModel.builder()
                .baseUrl(spec.baseUrl())
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .timeout(spec.timeout())
                .httpClientBuilder(new ProviderHttpClient.Builder()
                        .connectTimeout(connectTimeout)
                        .readTimeout(spec.timeout()))
                .build();
    }

    @Override
    protected Completion doComplete(String modelName, List<ChatMessage> messages, GenerationParameters parameters,
                                    Consumer<String> partials) {
        List<dev.langchain4j.data.message.ChatMessage> converted = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            converted.add(convert(message));
        }
        ChatRequest request = ChatRequest.builder().messages(converted).parameters(parameters(modelName, parameters)).build();
        ChatResponse response = partials == null ? model.chat(request) : stream(request, partials);
        TokenUsage usage = response.tokenUsage();
        AiMessage answer = response.aiMessage();
        List<ToolCall> toolCalls = answer.hasToolExecutionRequests()
                ? answer.toolExecutionRequests().stream()
                        .map(call -> new ToolCall(call.id(), call.name(), call.arguments() == null ? "{}" : call.arguments()))
                        .toList()
                : List.of();
        return new Completion(
                answer.text(),
                response.modelName(),
                usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount(),
                usage == null || usage.outputTokenCount() == null ? 0 : usage.outputTokenCount(),
                finishReason(response.finishReason(), !toolCalls.isEmpty()),
                toolCalls);
    }

    /** A streamed call, waited for on the calling (virtual) thread; a failure is thrown as the call would throw it. */
    private ChatResponse stream(ChatRequest request, Consumer<String> partials) {
        StreamedResponse streamed = new StreamedResponse(partials);
        streaming.chat(request, streamed);
        ChatResponse response;
        try {
            response = streamed.done().get(spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new dev.langchain4j.exception.TimeoutException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while streaming from " + spec.name(), e);
        }
        if (response.finishReason() == null) {
            // A stream cut off (the provider died, the connection broke) ends without a finish reason:
            // what came is part of an answer, and must not pass for the whole.
            throw new java.io.UncheckedIOException(new java.io.IOException(
                    spec.name() + "'s stream ended before the answer did (no finish_reason)"));
        }
        return response;
    }

    private static dev.langchain4j.data.message.ChatMessage convert(ChatMessage message) {
        String content = message.getContent();
        return switch (message.getRole()) {
            case SYSTEM -> SystemMessage.from(content);
            case USER -> message.getName() == null ? UserMessage.from(content) : UserMessage.from(message.getName(), content);
            case ASSISTANT -> message.getToolCalls().isEmpty() ? AiMessage.from(content)
                    : AiMessage.builder().text(content == null || content.isEmpty() ? null : content)
                            .toolExecutionRequests(message.getToolCalls().stream()
                                    .map(call -> ToolExecutionRequest.builder().id(call.getId()).name(call.getName())
                                            .arguments(call.getArguments()).build())
                                    .toList())
                            .build();
            // A tool result from a producer that sent no call id (older requests) can only be user content.
            case TOOL -> message.getToolCallId() == null ? UserMessage.from(content)
                    : ToolExecutionResultMessage.from(message.getToolCallId(), message.getName(), content);
        };
    }

    /**
     * The request's parameters as langchain4j's OpenAI parameters. tools, tool_choice,
     * response_format and seed go as the client sent them (JSON), so a JSON schema or a tool's
     * parameter schema reaches the provider exactly, not re-modelled.
     */
    private static OpenAiChatRequestParameters parameters(String modelName, GenerationParameters p) {
        OpenAiChatRequestParameters.Builder builder = OpenAiChatRequestParameters.builder().modelName(modelName);
        if (p == null) {
            return builder.build();
        }
        builder.temperature(p.getTemperature()).topP(p.getTopP()).maxOutputTokens(p.getMaxTokens()).user(p.getUser());
        if (!p.getStop().isEmpty()) {
            builder.stopSequences(p.getStop());
        }
        Map<String, Object> raw = new LinkedHashMap<>();
        putJson(raw, "response_format", p.getResponseFormat());
        putJson(raw, "tools", p.getTools());
        putJson(raw, "tool_choice", p.getToolChoice());
        if (p.getSeed() != null) {
            raw.put("seed", p.getSeed());
        }
        if (!raw.isEmpty()) {
            builder.customParameters(raw);
        }
        return builder.build();
    }

    private static void putJson(Map<String, Object> raw, String name, String json) {
        if (json == null) {
            return;
        }
        try {
            raw.put(name, JSON.readValue(json, Object.class));
        } catch (JsonProcessingException e) {
            // The edge checks these fields; a producer writing Avro directly may not have.
            throw new IllegalArgumentException("parameters." + name + " is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** langchain4j's finish reason in OpenAI's words. */
    static String finishReason(FinishReason reason, boolean toolCalls) {
        if (reason == null) {
            return toolCalls ? "tool_calls" : "stop";
        }
        return switch (reason) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case TOOL_EXECUTION -> "tool_calls";
            case CONTENT_FILTER -> "content_filter";
            case OTHER -> toolCalls ? "tool_calls" : "stop";
        };
    }
}
