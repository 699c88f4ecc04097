package dev.switchboard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.switchboard.avro.ToolDefinition;
import dev.switchboard.avro.ToolKind;

import java.net.URI;
import java.util.List;
import java.util.regex.Pattern;

/** What makes a {@link ToolDefinition} valid, and the JSON Schema of its arguments, compiled. */
public final class ToolDefinitions {

    /** A tool's name, as OpenAI's function names are: 1 to 64 of a-z, A-Z, 0-9, _ and -. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** The longest a call may be given: ten minutes. */
    public static final int MAX_TIMEOUT_MS = 600_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    /** Valid argument schemas, compiled, by their text: a tool is called far more often than it changes. Guarded by itself. */
    private static final java.util.Map<String, Schema> COMPILED = dev.switchboard.platform.Bounded.leastRecentlyUsed(1_000);

    private ToolDefinitions() {
    }

    /**
     * {@code tool}, when it is valid.
     *
     * @throws IllegalArgumentException naming the tool and the field that is wrong
     */
    public static ToolDefinition validated(ToolDefinition tool) {
        String name = tool.getName();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("tool name '" + name + "' must be 1 to 64 of a-z, A-Z, 0-9, _ and -");
        }
        if (tool.getDescription() == null || tool.getDescription().isBlank()) {
            throw new IllegalArgumentException("tool " + name + ": description is empty; a model reads it to decide when to call the tool");
        }
        schema(name, tool.getParameters());
        if (tool.getKind() == ToolKind.HTTP) {
            String url = tool.getUrl();
            URI uri;
            try {
                uri = url == null ? null : URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tool " + name + ": url '" + url + "' is not a URL: " + e.getMessage());
            }
            if (uri == null || !List.of("http", "https").contains(String.valueOf(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("tool " + name + ": an HTTP tool needs an http:// or https:// url, got '" + url + "'");
            }
        }
        if (tool.getTimeoutMs() < 1 || tool.getTimeoutMs() > MAX_TIMEOUT_MS) {
            throw new IllegalArgumentException("tool " + name + ": timeoutMs must be 1 to " + MAX_TIMEOUT_MS + ", got " + tool.getTimeoutMs());
        }
        return tool;
    }

    /**
     * The compiled JSON Schema of a tool's arguments: an object schema.
     *
     * @throws IllegalArgumentException when {@code parameters} is not JSON or not an object schema
     */
    public static Schema schema(String tool, String parameters) {
        synchronized (COMPILED) {
            Schema known = parameters == null ? null : COMPILED.get(parameters);
            if (known != null) {
                return known;
            }
        }
        JsonNode node;
        try {
            node = JSON.readTree(parameters == null ? "" : parameters);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("tool " + tool + ": parameters is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject() || !"object".equals(node.path("type").asText())) {
            throw new IllegalArgumentException("tool " + tool + ": parameters must be a JSON Schema of type object, "
                    + "e.g. {\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}");
        }
        Schema compiled;
        try {
            compiled = SCHEMAS.getSchema(parameters);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("tool " + tool + ": parameters is not a valid JSON Schema: " + e.getMessage());
        }
        synchronized (COMPILED) {
            COMPILED.put(parameters, compiled);
        }
        return compiled;
    }

    /**
     * The arguments of a call, parsed and checked against the tool's schema.
     *
     * @throws InvalidArgumentsException naming each argument that does not fit
     */
    public static JsonNode arguments(ToolDefinition tool, String argumentsJson) {
        JsonNode args;
        try {
            args = JSON.readTree(argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidArgumentsException("tool " + tool.getName() + ": arguments are not JSON: " + e.getOriginalMessage());
        }
        List<com.networknt.schema.Error> errors = schema(tool.getName(), tool.getParameters()).validate(args);
        if (!errors.isEmpty()) {
            throw new InvalidArgumentsException("tool " + tool.getName() + ": arguments do not fit its schema: "
                    + String.join("; ", errors.stream().map(Object::toString).toList()));
        }
        return args;
    }

    /** Arguments that are not JSON or do not fit the tool's schema. */
    public static final class InvalidArgumentsException extends IllegalArgumentException {
        InvalidArgumentsException(String message) {
            super(message);
        }
    }
}
