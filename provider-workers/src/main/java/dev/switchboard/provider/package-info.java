/**
 * Provider worker pools. Each configured provider has a pool consuming {@code llm.tasks.<provider>}
 * in the consumer group {@code switchboard-workers-<provider>}; worker processes of one provider
 * share its partitions, and a process that dies hands its partitions to the others when its session
 * runs out (10 s).
 *
 * <p>A pool is a {@link dev.switchboard.platform.kafka.ConsumeTransformProduce} loop: its poll thread
 * starts every task it takes on a virtual thread of its own ({@link TaskRunner}) and goes on
 * polling; each task's outputs are published the moment its call ends, and offsets are committed up
 * to the oldest unfinished task, with the tasks after it that are done in the commit's metadata, so
 * after a crash only the tasks that were unfinished run again. A task never waits for another
 * task's call: the loop takes tasks while the provider's adaptive concurrency limit has room
 * (pausing its partitions when it has none) and takes the next one as soon as a call ends. What a
 * call produces is decided by the pure {@link TaskOutcomes}; whether a call is made at all by the
 * provider's {@link ProviderGuard} (circuit breaker, rate limits, {@link AdaptiveLimit}), whose
 * changes {@link CircuitPublisher} shares on {@code llm.provider-health}.
 *
 * <p>Why a consumer group and not a share group (KIP-932): a share consumer in explicit
 * acknowledgement mode takes nothing new until every record of its last poll is acknowledged, so a
 * consumer with a 10 s call in its batch took no task for 10 s; with many small consumers, a backlog
 * of 10,000 tasks to a 10 s provider waited p99 15-32 s to start (see docs/performance-tuning.md).
 * A share group scales consumers past the partition count; a pool here scales calls instead (one
 * process holds thousands in flight), and processes up to the partition count.
 *
 * <p>One package per provider kind ({@code openai} for OpenAI-compatible APIs), each a
 * {@link ProviderClient} subclass; the base class owns timing, error classification and logging.
 */
package dev.switchboard.provider;
