-- Switchboard analytics tables. Runs on the ClickHouse Debian ships (18.16) and on current releases.
-- ReplacingMergeTree on natural keys: the sink may insert a row again after a restart; FINAL (or a
-- background merge) keeps one.

CREATE TABLE IF NOT EXISTS switchboard.attempts (
    request_id String,
    attempt UInt32,
    tenant_id String,
    provider String,
    model String,
    status String,
    error_class String,
    retryable UInt8,
    input_tokens UInt32,
    output_tokens UInt32,
    cost_usd Float64,
    latency_ms UInt64,
    task_type String,
    ts DateTime,
    ts_ms UInt64
) ENGINE = ReplacingMergeTree(ts_ms) PARTITION BY toYYYYMM(ts) ORDER BY (request_id, attempt);

CREATE TABLE IF NOT EXISTS switchboard.feedback (
    request_id String,
    tenant_id String,
    kind String,
    score Float64,
    comment String,
    ts DateTime,
    ts_ms UInt64
) ENGINE = ReplacingMergeTree(ts_ms) PARTITION BY toYYYYMM(ts) ORDER BY (request_id, kind, ts_ms);

CREATE TABLE IF NOT EXISTS switchboard.dead_letters (
    dlq_partition UInt32,
    dlq_offset UInt64,
    original_topic String,
    original_partition UInt32,
    original_offset UInt64,
    stage String,
    error_class String,
    error_message String,
    request_id String,
    attempts UInt32,
    ts DateTime,
    ts_ms UInt64
) ENGINE = ReplacingMergeTree(ts_ms) PARTITION BY toYYYYMM(ts) ORDER BY (dlq_partition, dlq_offset);

CREATE TABLE IF NOT EXISTS switchboard.audit_log (
    event_id String,
    actor String,
    action String,
    target String,
    outcome String,
    details String,
    ts DateTime,
    ts_ms UInt64
) ENGINE = ReplacingMergeTree(ts_ms) PARTITION BY toYYYYMM(ts) ORDER BY (event_id);

CREATE TABLE IF NOT EXISTS switchboard.provider_stats (
    provider String,
    model String,
    window_start DateTime,
    window_end DateTime,
    attempts UInt64,
    successes UInt64,
    failures UInt64,
    failures_by_class String,
    p50_ms Float64,
    p95_ms Float64,
    p99_ms Float64,
    input_tokens UInt64,
    output_tokens UInt64,
    cost_usd Float64,
    cost_per_success_usd Float64,
    satisfaction_mean Float64,
    satisfaction_count UInt64,
    accuracy_mean Float64,
    accuracy_count UInt64,
    version UInt64
) ENGINE = ReplacingMergeTree(version) PARTITION BY toYYYYMM(window_start) ORDER BY (provider, model, window_start);
