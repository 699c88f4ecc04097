/**
 * The dead-letter workflow: read {@code llm.dlq} as entries with what ops filter on (stage, error
 * class, provider, tenant, time), and replay them. A replay publishes the original key, value and
 * headers to the original topic (or another) with {@code switchboard.replay.count} raised by one,
 * and records the dead letter's coordinates in the compacted {@code llm.dlq.replays} in the same
 * Kafka transaction, so an interrupted replay can be run again and replays nothing twice. Dead
 * letters replayed too often are parked on {@code llm.dlq.parked} instead. Each run writes an
 * {@code AuditEvent} to {@code llm.audit}.
 */
package dev.switchboard.platform.dlq;
