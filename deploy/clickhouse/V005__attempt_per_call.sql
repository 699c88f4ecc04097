-- One row per attempt made, replays included. Until V005 an attempt's row was keyed by
-- (request_id, attempt), and a replayed request, whose attempts start again at 1, replaced the rows
-- of its earlier attempts. The key now also holds the attempt's completion time (ts_ms): the same
-- record inserted twice (the sink restarting between insert and commit) is still merged into one row,
-- and two calls are two rows. A table's sort key cannot change in place, so the table is swapped:
-- the old one is kept as attempts_v004, its rows (merged or not yet) are copied over, and the sink
-- reads llm.attempts again from its beginning to bring back the rows the old key had merged away.
-- Each statement can run again: the rename is skipped once done, and rows copied twice are merged.

RENAME TABLE switchboard.attempts TO switchboard.attempts_v004;

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
    ts_ms UInt64,
    prompt_variant String DEFAULT ''
) ENGINE = ReplacingMergeTree(ts_ms) PARTITION BY toYYYYMM(ts) ORDER BY (request_id, attempt, ts_ms);

INSERT INTO switchboard.attempts (request_id, attempt, tenant_id, provider, model, status, error_class, retryable,
    input_tokens, output_tokens, cost_usd, latency_ms, task_type, ts, ts_ms, prompt_variant)
SELECT request_id, attempt, tenant_id, provider, model, status, error_class, retryable,
    input_tokens, output_tokens, cost_usd, latency_ms, task_type, ts, ts_ms, prompt_variant
FROM switchboard.attempts_v004;

-- Satisfaction is credited to the provider that answered a request (its last successful attempt), not
-- to every provider that tried it: after a failover the provider that failed gets none of it.
DROP TABLE IF EXISTS switchboard.provider_leaderboard;

CREATE VIEW IF NOT EXISTS switchboard.provider_leaderboard AS
SELECT
    provider,
    attempts,
    success_rate,
    p95_latency_ms,
    cost_per_success_usd,
    if(rated_requests = 0, 0, satisfaction_sum / rated_requests) AS satisfaction,
    rated_requests
FROM
(
    SELECT
        provider,
        count() AS attempts,
        countIf(status = 'SUCCEEDED') / count() AS success_rate,
        quantileIf(0.95)(latency_ms, status = 'SUCCEEDED') AS p95_latency_ms,
        sumIf(cost_usd, status = 'SUCCEEDED') / greatest(countIf(status = 'SUCCEEDED'), 1) AS cost_per_success_usd
    FROM switchboard.attempts FINAL
    GROUP BY provider
)
ANY LEFT JOIN
(
    SELECT provider, sum(satisfaction) AS satisfaction_sum, count() AS rated_requests
    FROM
    (
        SELECT request_id, argMax(provider, ts_ms) AS provider
        FROM switchboard.attempts FINAL
        WHERE status = 'SUCCEEDED'
        GROUP BY request_id
    )
    ALL INNER JOIN
    (
        SELECT request_id, avg(score) AS satisfaction
        FROM switchboard.feedback FINAL
        WHERE kind = 'USER_SATISFACTION'
        GROUP BY request_id
    ) USING request_id
    GROUP BY provider
) USING provider
ORDER BY success_rate DESC, p95_latency_ms ASC;
