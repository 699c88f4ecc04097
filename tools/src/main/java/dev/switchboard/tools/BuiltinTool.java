package dev.switchboard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.avro.ToolDefinition;

/**
 * A tool that runs in the process that calls it (kind BUILTIN): {@link ToolCaller} checks access and
 * arguments and applies retries and the circuit breaker as for an HTTP tool.
 */
public interface BuiltinTool {

    /** The tool as the registry lists it (version 1, kind BUILTIN, owner {@code switchboard}). */
    ToolDefinition definition();

    /**
     * One try of a call.
     *
     * @param arguments      valid against the definition's schema
     * @param idempotencyKey the same for every try of one call: a tool with effects runs a key once
     * @throws ToolCaller.ToolFailure when the try failed; retryable when trying again may help
     */
    String call(String tenant, JsonNode arguments, String idempotencyKey) throws ToolCaller.ToolFailure, InterruptedException;

    /** A built-in tool's definition. */
    static ToolDefinition definition(String name, String description, String parameters, int timeoutMs) {
        return ToolDefinition.newBuilder().setName(name).setVersion(1).setDescription(description).setParameters(parameters)
                .setKind(dev.switchboard.avro.ToolKind.BUILTIN).setUrl(null).setOwner("switchboard").setEnabled(true)
                .setTenants(java.util.List.of()).setTimeoutMs(timeoutMs).setUpdatedAtMs(0L).build();
    }
}
