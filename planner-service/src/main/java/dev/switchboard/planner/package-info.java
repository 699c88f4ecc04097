/**
 * The planner: consumes {@code llm.requests}, validates each request and publishes an
 * {@code ExecutionPlan} to {@code llm.plans}: the ordered provider/model steps to try with an
 * estimated cost each. The ranking is static for now (the request's preferredProviders, else
 * {@code planner.ranking}); invalid requests are dead-lettered with their original bytes.
 */
package dev.switchboard.planner;
