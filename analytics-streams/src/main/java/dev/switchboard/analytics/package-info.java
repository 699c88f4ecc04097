/**
 * Analytics: the Kafka Streams provider scoring ({@code scoring}) and the ClickHouse sink
 * ({@code clickhouse}) that makes every attempt, feedback, dead letter, audit event and windowed
 * provider statistic queryable with SQL.
 */
package dev.switchboard.analytics;
