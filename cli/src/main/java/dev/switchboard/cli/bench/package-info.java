/**
 * {@code switchboard bench routing}: the dataset, its baselines, the run through an in-process
 * stack, and the quality-against-cost plot (drawn with Java2D; a charting library would be a
 * large dependency for one scatter plot).
 */
package dev.switchboard.cli.bench;
