package dev.switchboard.planner.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.openai.OpenAiChatModel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The planning model behind an OpenAI-compatible endpoint, through langchain4j, in JSON mode:
 * {@code {"taskType": "...", "requiredTools": [...], "promptImprovements": [...]}}. An answer that
 * is not that JSON is an error, and the caller falls back to the heuristic analysis.
 */
public final class OpenAiPlanningModel implements PlanningModel {

    static final String INSTRUCTIONS = """
            You analyse a user's request to an LLM before it is routed. Answer with one JSON object only:
            {"taskType": one of "code", "math", "multiple_choice", "extraction", "summarization", "translation", "question", "chat",
             "requiredTools": names of tools the request needs (for example "web_search", "calculator", "code_interpreter"), or [],
             "promptImprovements": short suggestions that would make the request clearer, or []}""";
    static final String REFINE = """
            You improve system prompts. Given the best and the worst system prompt for one kind of task and their mean
            feedback scores (0..1), write a new system prompt likely to score better than both. Answer with one JSON object:
            {"systemPrompt": "..."}""";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ChatModel model;

    public OpenAiPlanningModel(String baseUrl, String apiKey, String modelName, Duration timeout) {
        this.model = OpenAiChatModel.builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey)
                .modelName(modelName)
                .timeout(timeout)
                .maxRetries(0)
                .responseFormat(ResponseFormat.JSON)
                .build();
    }

    @Override
    public Advice advise(String prompt) throws Exception {
        JsonNode answer = ask(INSTRUCTIONS, prompt);
        JsonNode type = answer.path("taskType");
        if (!type.isTextual() || type.asText().isBlank()) {
            throw new IllegalArgumentException("the planning model's answer has no taskType");
        }
        return new Advice(type.asText().toLowerCase(Locale.ROOT), strings(answer.path("requiredTools")),
                strings(answer.path("promptImprovements")));
    }

    @Override
    public String refine(String taskType, String best, double bestScore, String worst, double worstScore) throws Exception {
        String brief = String.format(Locale.ROOT, "Task type: %s%nBest (mean score %.3f):%n%s%nWorst (mean score %.3f):%n%s",
                taskType, bestScore, best, worstScore, worst);
        JsonNode prompt = ask(REFINE, brief).path("systemPrompt");
        if (!prompt.isTextual() || prompt.asText().isBlank()) {
            throw new IllegalArgumentException("the planning model's answer has no systemPrompt");
        }
        return prompt.asText();
    }

    private JsonNode ask(String instructions, String text) throws Exception {
        String content = model.chat(ChatRequest.builder()
                .messages(SystemMessage.from(instructions), UserMessage.from(text)).build()).aiMessage().text();
        try {
            return JSON.readTree(content == null ? "" : content);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Never the content itself in the message: it may echo the user's prompt.
            throw new IllegalArgumentException("the planning model's answer is not JSON (" + (content == null ? 0 : content.length())
                    + " characters)");
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(n -> {
                if (n.isTextual() && !n.asText().isBlank()) {
                    out.add(n.asText());
                }
            });
        }
        return out;
    }
}
