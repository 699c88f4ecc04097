package dev.switchboard.devstack.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a simulated model answers an agent's zero-shot ReAct prompt when no script does, so that an
 * agent run on the dev stack goes somewhere: it looks the question up with {@code knowledge_base}
 * when the prompt offers that tool, and answers with the first passage found and its citation; a
 * prompt without it, or an observation that is no passage, gets a final answer at once.
 */
final class SimulatedReAct {

    /** A line of the format the agent's system prompt asks for (dev.switchboard.tools.agent.ReAct). */
    static final String FORMAT = "Action Input: the tool's arguments";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A knowledge_base result's first passage: its citation line, then its text up to the next passage. */
    private static final Pattern PASSAGE = Pattern.compile("\\A(\\[[^\\]\\n]+\\]) \\(relevance [-0-9.]+\\)\\R(.+?)(?:\\R\\[[^\\]\\n]+\\] \\(relevance|\\z)",
            Pattern.DOTALL);
    private static final String ANSWER = "Thought: I now know the final answer\nFinal Answer: ";

    private SimulatedReAct() {
    }

    /** The reply to {@code messages} when they are a ReAct conversation; {@code plain} is the model's ordinary answer to the question. */
    static Optional<String> reply(JsonNode messages, Supplier<String> plain) {
        JsonNode first = messages.get(0);
        String system = first.path("content").asText("");
        if (!"system".equals(first.path("role").asText()) || !system.contains(FORMAT)) {
            return Optional.empty();
        }
        String last = messages.get(messages.size() - 1).path("content").asText("");
        if (last.startsWith("Observation: ")) {
            String observation = last.substring("Observation: ".length()).strip();
            Matcher passage = PASSAGE.matcher(observation);
            if (passage.find()) {
                return Optional.of(ANSWER + firstSentence(passage.group(2)) + " " + passage.group(1));
            }
            return Optional.of(ANSWER + (observation.length() > 500 ? observation.substring(0, 500) : observation));
        }
        if (system.contains("\nknowledge_base: ")) {
            return Optional.of("Thought: The knowledge base may say.\nAction: knowledge_base\nAction Input: "
                    + JSON.createObjectNode().put("query", last));
        }
        return Optional.of(ANSWER + plain.get());
    }

    /** The first sentence of a passage's text, Markdown headings left out. */
    private static String firstSentence(String text) {
        StringBuilder prose = new StringBuilder();
        for (String line : text.strip().split("\\R")) {
            if (!line.isBlank() && !line.stripLeading().startsWith("#")) {
                prose.append(prose.isEmpty() ? "" : " ").append(line.strip());
            }
        }
        String all = prose.toString();
        int end = all.indexOf(". ");
        return end < 0 ? all : all.substring(0, end + 1);
    }
}
