-- The tools agents call. One row per tool call: the OBSERVATION step of llm.agent-steps that holds its
-- outcome (SUCCEEDED, FAILED, CIRCUIT_OPEN, REFUSED, INVALID_ARGUMENTS, ...), keyed by its run and step, so
-- a step read twice (a sink restarted between insert and commit) is still one row. A call made again by
-- a run resumed after its worker died is the same step, and so the same row: the tool ran it once.

CREATE TABLE IF NOT EXISTS switchboard.tool_calls (
    request_id String,
    step UInt32,
    tenant_id String,
    tool String,
    status String,
    latency_ms UInt64,
    idempotency_key String,
    worker String,
    ts DateTime,
    ts_ms UInt64
) ENGINE = ReplacingMergeTree(ts_ms) PARTITION BY toYYYYMM(ts) ORDER BY (request_id, step);

-- Per tool and tenant: calls, how they ended, and the latency of those the tool answered.
CREATE VIEW IF NOT EXISTS switchboard.tool_call_summary AS
SELECT
    tool,
    tenant_id,
    count() AS calls,
    countIf(status = 'SUCCEEDED') AS succeeded,
    countIf(status = 'FAILED') AS failed,
    countIf(status = 'CIRCUIT_OPEN') AS circuit_open,
    countIf(status = 'REFUSED') AS refused,
    quantileIf(0.95)(latency_ms, status = 'SUCCEEDED') AS p95_latency_ms
FROM switchboard.tool_calls FINAL
GROUP BY tool, tenant_id
ORDER BY calls DESC;
