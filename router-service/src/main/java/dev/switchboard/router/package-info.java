/**
 * The router: consumes {@code llm.plans} and dispatches a {@code ProviderTask} for the plan's first
 * step to {@code llm.tasks.<provider>}. Later steps are dispatched by the workers on failover.
 */
package dev.switchboard.router;
