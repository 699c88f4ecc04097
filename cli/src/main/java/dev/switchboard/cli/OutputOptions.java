package dev.switchboard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code --output} and {@code --wide}, for the commands that print tables. */
final class OutputOptions {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (default) or json: one JSON document on stdout, for scripts.")
    String format;

    @Option(names = "--wide", description = "Show every column whole instead of fitting tables to " + Table.WIDTH + " columns.")
    boolean wide;

    /** Whether JSON was asked for; a format that is neither is a usage error. */
    boolean json() {
        Choices.check("--output", format.toLowerCase(Locale.ROOT), List.of("table", "json"));
        return format.equalsIgnoreCase("json");
    }

    /** The table, fitted to {@link Table#WIDTH} columns unless {@code --wide}, never cutting the columns in {@code whole}. */
    String table(List<String> header, List<List<String>> rows, String... whole) {
        return Table.of(header, rows, wide ? Integer.MAX_VALUE : Table.WIDTH, java.util.Set.of(whole));
    }

    /** A table's rows as JSON objects, keyed by its column names in snake case ("FAILED AT (UTC)" becomes failed_at_utc). */
    static ArrayNode rows(List<String> header, List<List<String>> rows) {
        ArrayNode array = JSON.createArrayNode();
        for (List<String> row : rows) {
            ObjectNode object = array.addObject();
            for (int i = 0; i < header.size(); i++) {
                object.put(key(header.get(i)), row.get(i));
            }
        }
        return array;
    }

    /** Key-value rows (as {@link Table#of(Map)} prints them) as one JSON object. */
    static ObjectNode object(Map<String, String> rows) {
        ObjectNode object = JSON.createObjectNode();
        rows.forEach((k, v) -> object.put(key(k), v));
        return object;
    }

    static ObjectNode newObject() {
        return JSON.createObjectNode();
    }

    static String key(String column) {
        return column.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }

    static void print(Object node) {
        try {
            System.out.println(JSON.writeValueAsString(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
