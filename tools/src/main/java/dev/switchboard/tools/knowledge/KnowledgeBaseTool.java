package dev.switchboard.tools.knowledge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.tools.BuiltinTool;

import java.util.List;
import java.util.Locale;

/**
 * The built-in {@code knowledge_base} tool: the passages of the organisation's documents most
 * relevant to a query, each headed by the citation an answer gives for it ({@code [doc#chunk]}).
 */
public final class KnowledgeBaseTool implements BuiltinTool {

    public static final String NAME = "knowledge_base";
    static final int DEFAULT_RESULTS = 3;
    private static final ToolDefinition DEFINITION = BuiltinTool.definition(NAME,
            "Search the organisation's documents. Returns the most relevant passages, each headed by its citation [document#chunk]; "
                    + "cite the passages you use.",
            "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\",\"minLength\":1,\"description\":\"What to look for\"},"
                    + "\"max_results\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10}},\"required\":[\"query\"]}",
            10_000);

    private final KnowledgeBase knowledge;
    private final Embeddings embeddings;

    public KnowledgeBaseTool(KnowledgeBase knowledge, Embeddings embeddings) {
        this.knowledge = knowledge;
        this.embeddings = embeddings;
    }

    @Override
    public ToolDefinition definition() {
        return DEFINITION;
    }

    @Override
    public String call(String tenant, JsonNode arguments, String idempotencyKey) {
        int max = arguments.path("max_results").asInt(DEFAULT_RESULTS);
        List<KnowledgeBase.Passage> passages = knowledge.search(embeddings.embed(arguments.path("query").asText()), tenant, max);
        if (passages.isEmpty()) {
            return "No document in the knowledge base matches.";
        }
        StringBuilder out = new StringBuilder();
        for (KnowledgeBase.Passage p : passages) {
            out.append(p.citation()).append(String.format(Locale.ROOT, " (relevance %.2f)%n", p.score())).append(p.text().strip())
                    .append("\n\n");
        }
        return out.toString().strip();
    }
}
