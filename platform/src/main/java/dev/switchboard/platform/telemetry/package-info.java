/**
 * Traces across every hop: the OpenTelemetry SDK (configured from the standard {@code OTEL_*}
 * variables), W3C {@code traceparent}/{@code tracestate} in Kafka headers, one CONSUMER span per
 * record a stage processes and child spans for the work inside it.
 *
 * <p>Hand-written here, since nothing that resolves provides it: the span exporter into ClickHouse
 * ({@link dev.switchboard.platform.telemetry.ClickHouseSpanExporter}, a few lines over ClickHouse's
 * HTTP interface). Not used: {@code opentelemetry-kafka-clients-2.6}. Its wrapped clients start a
 * span per {@code poll()} and per {@code send()} from the calling thread's context, whereas a stage
 * here hands each record to an asynchronous handler and publishes its outputs later from callback
 * threads; it would add a receive and a publish span to every hop while still not knowing which
 * record an output came from. One span per processed record, whose context is written into the
 * headers of every record it produces, gives the same trace with a third of the spans.
 */
package dev.switchboard.platform.telemetry;
