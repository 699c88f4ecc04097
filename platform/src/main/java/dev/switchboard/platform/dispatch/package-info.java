/**
 * Dispatch: a plan's first task. The planner publishes each plan together with the task for its
 * first step, so a request crosses one Kafka hop fewer; the router dispatches only the plans that
 * reach {@code llm.plans} without one (a replayed dead letter, a plan no provider could take when it
 * was made, a plan another producer wrote).
 */
package dev.switchboard.platform.dispatch;
