/**
 * What the planner makes of a request before ranking it: the heuristic analysis, improved by an
 * optional planning model (langchain4j, JSON mode) under a timeout, and the tool gaps.
 */
package dev.switchboard.planner.analysis;
