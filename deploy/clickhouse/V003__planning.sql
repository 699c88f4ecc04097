-- What the planner decided: one row per plan, with its analysis, tool gaps and prompt variant;
-- and the prompt variant on every attempt.

ALTER TABLE switchboard.attempts ADD COLUMN prompt_variant String DEFAULT '';

CREATE TABLE IF NOT EXISTS switchboard.plans (
    request_id String,
    tenant_id String,
    strategy String,
    task_type String,
    analysis_source String,
    tool_gaps Array(String),
    prompt_variant String,
    first_provider String,
    steps UInt32,
    ts DateTime,
    ts_ms UInt64
) ENGINE = ReplacingMergeTree(ts_ms) PARTITION BY toYYYYMM(ts) ORDER BY (request_id);

-- Required tools that did not exist or that the tenant could not use, by tenant and tool.
CREATE VIEW IF NOT EXISTS switchboard.tool_gaps AS
SELECT tenant_id, tool, count() AS requests
FROM
(
    SELECT tenant_id, arrayJoin(tool_gaps) AS tool
    FROM switchboard.plans FINAL
)
GROUP BY tenant_id, tool
ORDER BY requests DESC;

-- How requests were analysed: heuristic, planning-model, or heuristic-fallback (the planning model failed or was slow).
CREATE VIEW IF NOT EXISTS switchboard.planning_analysis AS
SELECT toDate(ts) AS day, analysis_source, count() AS plans
FROM switchboard.plans FINAL
GROUP BY day, analysis_source
ORDER BY day, analysis_source;

-- Feedback per system-prompt variant and task type: what the planner's variant bandit learns from.
CREATE VIEW IF NOT EXISTS switchboard.prompt_variant_stats AS
SELECT task_type, prompt_variant, count() AS rated_requests, avg(score) AS mean_score
FROM
(
    SELECT request_id, task_type, prompt_variant
    FROM switchboard.plans FINAL
    WHERE prompt_variant != ''
)
ALL INNER JOIN
(
    SELECT request_id, avg(score) AS score
    FROM switchboard.feedback FINAL
    GROUP BY request_id
) USING request_id
GROUP BY task_type, prompt_variant
ORDER BY task_type, mean_score DESC;
