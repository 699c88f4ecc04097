/**
 * The audit trail on {@code llm.audit}, made tamper-evident: each writer (a process's edge,
 * planner or replayer) chains its records, each carrying its sequence number, the hash of the
 * writer's previous record and its own hash, and {@link dev.switchboard.platform.audit.AuditChain#verify}
 * finds a record that was changed, removed or put out of order. The hash chain is written here
 * rather than taken from a library: it is a few lines of SHA-256 over a canonical form.
 */
package dev.switchboard.platform.audit;
