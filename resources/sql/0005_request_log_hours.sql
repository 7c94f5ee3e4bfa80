-- Request log: per-hour rollups (same columns as request_log_minutes) so that charts over weeks read
-- hours, filled from the minutes already there; and the rollups' watermark: the highest request_log id
-- they cover (the writer writes rollups at most once a second; the rows above the watermark are added
-- by queries and after a crash).
CREATE TABLE request_log_hours (
    hour_ms INTEGER NOT NULL,
    feature TEXT NOT NULL,
    model_endpoint TEXT NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    total_ms_sum REAL NOT NULL DEFAULT 0,
    overhead_ms_sum REAL NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    answer_tokens INTEGER NOT NULL DEFAULT 0,
    {{latency_histogram_columns}},
    PRIMARY KEY (hour_ms, feature, model_endpoint)) {{without_rowid}};
INSERT INTO request_log_hours (hour_ms, feature, model_endpoint, requests, errors,
    total_ms_sum, overhead_ms_sum, prompt_tokens, answer_tokens, {{latency_histogram}})
    SELECT minute_ms / 3600000 * 3600000, feature, model_endpoint, SUM(requests),
    SUM(errors), SUM(total_ms_sum), SUM(overhead_ms_sum), SUM(prompt_tokens),
    SUM(answer_tokens), {{latency_histogram_sums}}
    FROM request_log_minutes GROUP BY minute_ms / 3600000 * 3600000, feature,
    model_endpoint;

CREATE TABLE request_log_rollup (id INTEGER PRIMARY KEY, covered_id INTEGER NOT NULL);

-- Nearly every request answers 200: the status index keeps the other ones only (queries for status
-- 200 walk request_log_started, where almost every row matches). One index insert less per request
-- for the writer.
DROP INDEX request_log_status;
CREATE INDEX request_log_status ON request_log (status, started_ms) WHERE status <> 200;

-- Rows without a feature or a user (OpenAI clients routed by model name, auth off) can never match
-- `feature = ?` or `user_id = ?`: they are left out of those indexes (queries use them as before:
-- `x = ?` implies `x IS NOT NULL`).
DROP INDEX request_log_feature;
CREATE INDEX request_log_feature ON request_log (feature, started_ms) WHERE feature IS NOT NULL;
DROP INDEX request_log_user;
CREATE INDEX request_log_user ON request_log (user_id, started_ms) WHERE user_id IS NOT NULL;

-- Until now every batch wrote its rollups with its rows: they cover every row there is.
INSERT INTO request_log_rollup (id, covered_id) SELECT 1, COALESCE(MAX(id), 0) FROM request_log;
