-- The SQL analytics, as views. ClickHouseSinkIT and AnalyticsEndToEndIT query them.

-- Provider leaderboard (redefined in V005, which credits satisfaction to the answering provider only): success rate, p95 latency and cost of successful calls, mean user satisfaction.
CREATE VIEW IF NOT EXISTS switchboard.provider_leaderboard AS
SELECT
    provider,
    count() AS attempts,
    countIf(status = 'SUCCEEDED') / count() AS success_rate,
    quantileIf(0.95)(latency_ms, status = 'SUCCEEDED') AS p95_latency_ms,
    sumIf(cost_usd, status = 'SUCCEEDED') / greatest(countIf(status = 'SUCCEEDED'), 1) AS cost_per_success_usd,
    sumIf(satisfaction, rated = 1) / greatest(countIf(rated = 1), 1) AS satisfaction,
    countIf(rated = 1) AS rated_requests
FROM
(
    SELECT request_id, provider, status, latency_ms, cost_usd
    FROM switchboard.attempts FINAL
)
ANY LEFT JOIN
(
    SELECT request_id, avg(score) AS satisfaction, toUInt8(1) AS rated
    FROM switchboard.feedback FINAL
    WHERE kind = 'USER_SATISFACTION'
    GROUP BY request_id
) USING request_id
GROUP BY provider
ORDER BY success_rate DESC, p95_latency_ms ASC;

-- Spend per tenant and day.
CREATE VIEW IF NOT EXISTS switchboard.cost_per_tenant_per_day AS
SELECT tenant_id, toDate(ts) AS day, sum(cost_usd) AS cost_usd, countIf(status = 'SUCCEEDED') AS answered, count() AS attempts
FROM switchboard.attempts FINAL
GROUP BY tenant_id, day
ORDER BY day DESC, cost_usd DESC;

-- Error patterns: failures per provider, hour and error class, most frequent first.
CREATE VIEW IF NOT EXISTS switchboard.error_patterns AS
SELECT provider, toStartOfHour(ts) AS hour, error_class, count() AS failures
FROM switchboard.attempts FINAL
WHERE status = 'FAILED'
GROUP BY provider, hour, error_class
ORDER BY hour DESC, provider ASC, failures DESC;

-- The slowest successful calls.
CREATE VIEW IF NOT EXISTS switchboard.slowest_requests AS
SELECT request_id, tenant_id, provider, model, latency_ms, ts
FROM switchboard.attempts FINAL
WHERE status = 'SUCCEEDED'
ORDER BY latency_ms DESC
LIMIT 100;
