/**
 * Learned routing: prompts embedded in process (all-MiniLM-L6-v2 through langchain4j), a quality
 * model per model learnt online from feedback, Thompson-sampling ranking against cost and latency,
 * and sessions kept on their model. The online Bayesian ridge regression
 * ({@link dev.switchboard.planner.routing.LinearQualityModel}) is written out: none of the
 * libraries here offers one with its posterior covariance updated one observation at a time.
 * Random draws come from Apache Commons RNG.
 */
package dev.switchboard.planner.routing;
