/**
 * The planner: consumes {@code llm.requests}, validates each request and publishes an
 * {@code ExecutionPlan} to {@code llm.plans}: the ordered provider/model steps to try, each with
 * an estimated cost, expected latency and the reason for its place, and the request's analysis and
 * prompt variant. The ranking is the request's preferredProviders, the static ranking, the live
 * provider scores, or the learned router ({@link dev.switchboard.planner.routing}); budgets are
 * enforced from the spend in {@code llm.attempts}. Invalid or refused requests get a FAILED reply
 * and are dead-lettered with their original bytes.
 */
package dev.switchboard.planner;
