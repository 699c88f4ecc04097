/**
 * Tools a model or an agent can call, and the registry that says which exist: each tool's latest
 * version on the compacted {@code llm.tools} ({@link dev.switchboard.tools.ToolRegistry}), who may
 * call it ({@link dev.switchboard.tools.ToolAccess}), and calling an HTTP tool with its arguments
 * checked against its JSON Schema (networknt json-schema-validator), a timeout, retries with
 * back-off and a circuit breaker per tool (resilience4j) ({@link dev.switchboard.tools.ToolCaller}).
 */
package dev.switchboard.tools;
