/**
 * Provider worker pools. Each configured provider has a pool consuming {@code llm.tasks.<provider>}
 * as a Kafka share group (queue semantics: pools scale past the partition count, and records of a
 * worker that dies are redelivered once their acquisition lock expires).
 *
 * <p>A pool runs {@code workers.consumers.per.pool} slots ({@link ShareSlot}), each a share consumer
 * on a {@link dev.switchboard.platform.kafka.PollLoop} of its own. Kafka's share consumer in
 * explicit acknowledgement mode fetches no new records until every record of its last poll is
 * acknowledged, so one consumer cannot take a new
 * task while a call of its batch runs; the pool therefore runs many small ones. A slot polls up to
 * {@code workers.max.in.flight / consumers} tasks, starts every call at once on a virtual thread
 * ({@link TaskRunner}), acknowledges each record as its call ends (ACCEPT once its outputs are on
 * the broker, RELEASE when publishing failed), renews the locks of calls still running at half the
 * record lock duration, and polls again when its batch has ended. A task therefore waits only while
 * every slot is busy, never for a call of another slot. What a call produces is decided by the pure
 * {@link TaskOutcomes}; whether a call is made at all by the provider's {@link ProviderGuard}, whose
 * circuit changes {@link CircuitPublisher} shares on {@code llm.provider-health}.
 *
 * <p>One package per provider kind ({@code openai} for OpenAI-compatible APIs), each a
 * {@link ProviderClient} subclass; the base class owns timing, error classification and logging.
 */
package dev.switchboard.provider;
