/**
 * {@code switchboard bench routing}: the dataset, its baselines, the run through an in-process
 * stack, and the quality-against-cost plot (drawn with Java2D; a charting library would be a
 * large dependency for one scatter plot). {@code switchboard bench replay}: the same dataset
 * through the learner and ranker alone, and the offline frontier ({@link dev.switchboard.cli.bench.OfflineRouting}).
 */
package dev.switchboard.cli.bench;
