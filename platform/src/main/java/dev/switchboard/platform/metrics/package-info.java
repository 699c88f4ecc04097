/**
 * Prometheus metrics of every service, on Micrometer's Prometheus registry and its JVM and Kafka
 * client binders; only the families and their names are Switchboard's own (docs/monitoring.md).
 */
package dev.switchboard.platform.metrics;
