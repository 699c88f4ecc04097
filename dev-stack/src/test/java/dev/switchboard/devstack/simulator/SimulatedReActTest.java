package dev.switchboard.devstack.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.tools.BuiltinTool;
import dev.switchboard.tools.agent.ReAct;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulated model's side of an agent's conversation, against the agent's own prompt and parser. */
class SimulatedReActTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ToolDefinition KB = BuiltinTool.definition("knowledge_base", "Search the documents", "{\"type\":\"object\"}", 1000);
    private static final ToolDefinition CHAT = BuiltinTool.definition("chat", "Ask another model", "{\"type\":\"object\"}", 1000);

    private static JsonNode messages(List<ToolDefinition> tools, String... rest) {
        ArrayNode messages = JSON.createArrayNode();
        messages.addObject().put("role", "system").put("content", ReAct.systemPrompt(tools));
        for (String content : rest) {
            messages.addObject().put("role", "user").put("content", content);
        }
        return messages;
    }

    @Test
    void itLooksTheQuestionUpThenAnswersWithTheFirstPassageAndItsCitation() {
        String action = SimulatedReAct.reply(messages(List.of(CHAT, KB), "What is the refund window?"), () -> "plain").orElseThrow();
        String observation = ReAct.observation("[refunds.md#0] (relevance 0.71)\n# Refunds\n\nAcme accepts returns within 30 days. "
                + "The money is back in 5 days.\n\n[shipping.md#0] (relevance 0.20)\nAcme ships in 2 days.");
        String answer = SimulatedReAct.reply(messages(List.of(CHAT, KB), "What is the refund window?", observation), () -> "plain")
                .orElseThrow();

        assertThat(ReAct.read(action)).isEqualTo(new ReAct.Call("knowledge_base", "{\"query\":\"What is the refund window?\"}"));
        assertThat(ReAct.read(answer)).isEqualTo(new ReAct.Answer("Acme accepts returns within 30 days. [refunds.md#0]"));
    }

    @Test
    void withoutTheKnowledgeBaseItAnswersAtOnceAndAPlainConversationIsNotItsToAnswer() {
        assertThat(ReAct.read(SimulatedReAct.reply(messages(List.of(CHAT), "Hi"), () -> "Hello.").orElseThrow()))
                .isEqualTo(new ReAct.Answer("Hello."));
        assertThat(ReAct.read(SimulatedReAct.reply(messages(List.of(KB), "Hi", ReAct.observation("tool knowledge_base failed: down")),
                () -> "Hello.").orElseThrow())).isEqualTo(new ReAct.Answer("tool knowledge_base failed: down"));
        ArrayNode plain = JSON.createArrayNode();
        plain.addObject().put("role", "system").put("content", "You are helpful.");
        plain.addObject().put("role", "user").put("content", "Hi");
        assertThat(SimulatedReAct.reply(plain, () -> "Hello.")).isEmpty();
    }
}
