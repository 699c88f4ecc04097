/**
 * Provider worker pools. Each configured provider has a pool consuming {@code llm.tasks.<provider>}
 * as a Kafka share group (queue semantics: pools scale past the partition count, and records of a
 * worker that dies are redelivered once their acquisition lock expires).
 *
 * <p>A pool runs {@code workers.consumers.per.pool} share consumers; each polls a batch of up to
 * {@code workers.max.in.flight / consumers} tasks and runs every call of the batch at once on
 * virtual threads. A call publishes its own outputs (attempt, reply or next task, dead letter) as
 * soon as it ends; the consumer thread acknowledges the batch's records (ACCEPT once their outputs
 * are on the broker, RELEASE when publishing failed, RENEW while a call still runs at half the
 * record lock duration, so long calls keep their lock) before its next poll, as explicit
 * acknowledgement requires. What a call produces is decided by the pure {@link TaskOutcomes};
 * whether a call is made at all by the provider's {@link ProviderGuard}.
 *
 * <p>One package per provider kind ({@code openai} for OpenAI-compatible APIs), each a
 * {@link ProviderClient} subclass; the base class owns timing, error classification and logging.
 */
package dev.switchboard.provider;
