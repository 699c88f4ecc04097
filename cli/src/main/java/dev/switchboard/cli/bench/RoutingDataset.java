package dev.switchboard.cli.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A routing benchmark file: one JSON object a line,
 * {@code {"id", "prompt", "task", "outcomes": {MODEL: {"score": 0..1, "costUsd", "latencyMs"}}}}.
 * Every row must have an outcome for every model of the file.
 */
public record RoutingDataset(Path file, List<Row> rows, List<String> models) {

    public record Outcome(double score, double costUsd) {
    }

    public record Row(String id, String prompt, String task, Map<String, Outcome> outcomes) {
        public Outcome outcome(String model) {
            return outcomes.get(model);
        }
    }

    /** Reads the first {@code limit} rows; a malformed line is an error naming the file, line and field. */
    public static RoutingDataset read(Path file, int limit) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such dataset file: " + file);
        }
        ObjectMapper json = new ObjectMapper();
        List<Row> rows = new ArrayList<>();
        Set<String> models = new LinkedHashSet<>();
        try (BufferedReader in = Files.newBufferedReader(file)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null && rows.size() < limit) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String where = file.getFileName() + " line " + number;
                JsonNode node;
                try {
                    node = json.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(where + ": not JSON (" + e.getOriginalMessage() + ")");
                }
                String prompt = text(node, "prompt", where);
                JsonNode outcomes = node.path("outcomes");
                if (!outcomes.isObject() || outcomes.isEmpty()) {
                    throw new IllegalArgumentException(where + ": 'outcomes' must be an object with one entry per model");
                }
                Map<String, Outcome> byModel = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : outcomes.properties()) {
                    JsonNode score = e.getValue().path("score");
                    JsonNode cost = e.getValue().path("costUsd");
                    if (!score.isNumber() || score.asDouble() < 0 || score.asDouble() > 1) {
                        throw new IllegalArgumentException(where + ": outcomes." + e.getKey() + ".score must be a number in [0, 1]");
                    }
                    if (!cost.isNumber() || cost.asDouble() < 0) {
                        throw new IllegalArgumentException(where + ": outcomes." + e.getKey() + ".costUsd must be a number >= 0");
                    }
                    byModel.put(e.getKey(), new Outcome(score.asDouble(), cost.asDouble()));
                }
                if (rows.isEmpty()) {
                    models.addAll(byModel.keySet());
                } else if (!byModel.keySet().equals(models)) {
                    throw new IllegalArgumentException(where + ": outcomes are for " + byModel.keySet()
                            + ", the first row's for " + models + "; every row needs the same models");
                }
                rows.add(new Row(node.path("id").asText("row-" + number), prompt, node.path("task").asText("unknown"), byModel));
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + " has no rows");
        }
        return new RoutingDataset(file, List.copyOf(rows), List.copyOf(models));
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw new IllegalArgumentException(where + ": '" + field + "' must be a non-empty string");
        }
        return value.asText();
    }

    /**
     * The list price per million tokens (input and output alike) the catalogue gives {@code model},
     * as the dataset's costs imply it: total cost over total tokens, with tokens = ceil(chars / 4)
     * for the prompt plus 150 for the answer, which is how the files' costs were estimated.
     */
    public double impliedPricePerMTok(String model) {
        double cost = 0;
        double tokens = 0;
        for (Row row : rows) {
            cost += row.outcome(model).costUsd();
            tokens += promptTokens(row.prompt()) + ASSUMED_OUTPUT_TOKENS;
        }
        return tokens == 0 ? 0 : cost / tokens * 1e6;
    }

    /** Output tokens the dataset's cost estimates assume when the answer's length is unknown. */
    public static final int ASSUMED_OUTPUT_TOKENS = 150;

    public static int promptTokens(String prompt) {
        return Math.max(1, (prompt.length() + 3) / 4);
    }
}
