-- Trace spans (OpenTelemetry), one row per span, as the services' ClickHouse span exporter writes them
-- (OTEL_TRACES_EXPORTER=clickhouse, the embedded default). service is the Switchboard service that
-- started the span (switchboard-edge, -planner, -router, -provider-worker); start_time_us and
-- duration_ns place it in its trace; request_id is set on each service's span of a request, so
-- bin/switchboard trace ID finds the trace (SELECT ... WHERE trace_id IN (SELECT trace_id ... WHERE
-- request_id = 'ID')); attributes is a JSON object (read it with visitParamExtract*,
-- which 18.16 has, or JSONExtract* on current releases).

CREATE TABLE IF NOT EXISTS switchboard.spans (
    trace_id String,
    span_id String,
    parent_span_id String,
    service String,
    name String,
    kind String,
    start_time DateTime,
    start_time_us UInt64,
    duration_ns UInt64,
    status String,
    status_message String,
    request_id String,
    attributes String
) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(start_time) ORDER BY (trace_id, start_time_us, span_id);
