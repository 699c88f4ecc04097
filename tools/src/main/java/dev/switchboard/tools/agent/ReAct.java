package dev.switchboard.tools.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.avro.ToolDefinition;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The zero-shot ReAct format (Yao et al., 2022, as LangChain's zero-shot agent words it): the
 * system prompt that lists the tools and the format, and reading a model's reply as an action or
 * a final answer. Hand-written: langchain4j's AiServices run tools in process, with no step an
 * event of its own, which is what a run that resumes elsewhere needs.
 */
public final class ReAct {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FINAL = Pattern.compile("(?s)Final Answer:\\s*(.+)");
    private static final Pattern ACTION = Pattern.compile("(?s)Action:\\s*([A-Za-z0-9_-]+)\\s*\\n\\s*Action Input:\\s*(\\{.*\\})");

    /** What a reply asks for: a tool call, an answer, or neither (the reply broke the format). */
    public sealed interface Move {
    }

    public record Call(String tool, String arguments) implements Move {
    }

    public record Answer(String text) implements Move {
    }

    public record Unreadable(String why) implements Move {
    }

    private ReAct() {
    }

    /** The system prompt: the tools, with their arguments' schemas, and the format. */
    public static String systemPrompt(List<ToolDefinition> tools) {
        StringBuilder prompt = new StringBuilder("Answer the user's question as well as you can. You have these tools:\n\n");
        for (ToolDefinition tool : tools) {
            prompt.append(tool.getName()).append(": ").append(tool.getDescription()).append(" Arguments (JSON Schema): ")
                    .append(tool.getParameters()).append('\n');
        }
        prompt.append("""

                Use this format:

                Thought: what you should do next
                Action: the tool to use, one of [%s]
                Action Input: the tool's arguments, as one JSON object

                You will then be given "Observation: " and the tool's result. Repeat Thought, Action and Action Input as \
                often as you need. When you know the answer:

                Thought: I now know the final answer
                Final Answer: the answer to the question, citing the sources the tools gave
                """.formatted(String.join(", ", tools.stream().map(ToolDefinition::getName).toList())));
        return prompt.toString();
    }

    /** How an observation is given back to the model. */
    public static String observation(String text) {
        return "Observation: " + text;
    }

    /** What {@code reply} asks for; a final answer wins over an action in the same reply. */
    public static Move read(String reply) {
        if (reply == null || reply.isBlank()) {
            return new Unreadable("the reply was empty");
        }
        Matcher answer = FINAL.matcher(reply);
        if (answer.find()) {
            return new Answer(answer.group(1).strip());
        }
        Matcher action = ACTION.matcher(reply);
        if (!action.find()) {
            return new Unreadable("the reply has neither \"Action:\" with \"Action Input:\" nor \"Final Answer:\"");
        }
        try {
            JsonNode arguments = JSON.readTree(action.group(2));
            return new Call(action.group(1), arguments.toString());
        } catch (java.io.IOException e) {
            return new Unreadable("the Action Input of " + action.group(1) + " is not one JSON object");
        }
    }
}
