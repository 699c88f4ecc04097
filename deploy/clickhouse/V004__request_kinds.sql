-- What kind of request each plan served, as the planner's heuristic analysis saw it: code, math,
-- the prompt's writing system and its estimated input tokens (plans written before are 0 and '').

ALTER TABLE switchboard.plans ADD COLUMN code UInt8 DEFAULT 0;
ALTER TABLE switchboard.plans ADD COLUMN math UInt8 DEFAULT 0;
ALTER TABLE switchboard.plans ADD COLUMN script String DEFAULT '';
ALTER TABLE switchboard.plans ADD COLUMN input_tokens UInt64 DEFAULT 0;

-- The mix of requests per day: task type, code, math and writing system, with their mean size.
CREATE VIEW IF NOT EXISTS switchboard.request_kinds AS
SELECT toDate(ts) AS day, task_type, code, math, script, count() AS requests, avg(input_tokens) AS mean_input_tokens
FROM switchboard.plans FINAL
GROUP BY day, task_type, code, math, script
ORDER BY day, requests DESC;
