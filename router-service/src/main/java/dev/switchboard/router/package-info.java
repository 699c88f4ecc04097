/**
 * The router: consumes {@code llm.plans} and dispatches a {@code ProviderTask} for the first step of
 * each plan that came without one to {@code llm.tasks.<provider>} (the planner publishes most plans
 * with their task). Later steps are dispatched by the workers on failover. Also the HTTP edge.
 */
package dev.switchboard.router;
