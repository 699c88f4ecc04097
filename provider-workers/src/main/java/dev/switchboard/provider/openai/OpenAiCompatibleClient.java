package dev.switchboard.provider.openai;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.output.TokenUsage;
import dev.switchboard.avro.ChatMessage;
import dev.switchboard.platform.config.ProviderSpec;
import dev.switchboard.provider.ProviderClient;
import dev.switchboard.provider.http.ProviderHttpClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Any OpenAI-compatible chat-completions API (OpenAI, the provider simulator, vLLM, Groq, ...),
 * through langchain4j's {@link OpenAiChatModel}. langchain4j's own retries are off: a failure goes
 * to the next provider of the plan instead.
 */
public final class OpenAiCompatibleClient extends ProviderClient {

    private final ChatModel model;

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
    }

    @Override
    protected Completion doComplete(String modelName, List<ChatMessage> messages) {
        List<dev.langchain4j.data.message.ChatMessage> converted = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            converted.add(switch (message.getRole()) {
                case SYSTEM -> SystemMessage.from(message.getContent());
                case ASSISTANT -> AiMessage.from(message.getContent());
                // Tool results need the id of the tool call they answer, which requests do not carry
                // yet; until they do, a tool result is passed on as user content.
                case USER, TOOL -> UserMessage.from(message.getContent());
            });
        }
        ChatResponse response = model.chat(ChatRequest.builder().modelName(modelName).messages(converted).build());
        TokenUsage usage = response.tokenUsage();
        return new Completion(
                response.aiMessage().text(),
                response.modelName(),
                usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount(),
                usage == null || usage.outputTokenCount() == null ? 0 : usage.outputTokenCount());
    }
}
