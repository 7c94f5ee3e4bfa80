-- Request log (service/storage/requestlogstore.h) and chat history.

-- One row per request. id is the SQLite rowid (commit order); times are epoch milliseconds (*_ms)
-- because the console filters and pages by time ranges over millions of rows. Text columns are NULL
-- when unknown.
CREATE TABLE request_log (
    id INTEGER PRIMARY KEY,
    started_ms INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    method TEXT, path TEXT, dialect TEXT, feature TEXT, model_endpoint TEXT,
    model_identifier TEXT, model_family TEXT, user_id TEXT, instance_id TEXT, realm TEXT,
    host_name TEXT, gitlab_version TEXT, token_issuer TEXT, token_id TEXT, user_agent TEXT,
    client_version TEXT, client_ip TEXT, lang TEXT, editor_lang TEXT,
    status INTEGER NOT NULL, error_code TEXT, error_message TEXT,
    flags INTEGER NOT NULL DEFAULT 0,
    auth_ms REAL, queue_ms REAL, first_byte_ms REAL, upstream_ms REAL, total_ms REAL,
    prompt_bytes INTEGER NOT NULL DEFAULT 0, answer_bytes INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER, answer_tokens INTEGER);

-- The console's queries: newest first overall, or within a feature, a status, a user.
CREATE INDEX request_log_started ON request_log (started_ms);
CREATE INDEX request_log_feature ON request_log (feature, started_ms);
CREATE INDEX request_log_status ON request_log (status, started_ms);
CREATE INDEX request_log_user ON request_log (user_id, started_ms);
-- Errors are few: a partial index finds the newest ones without sorting every 5xx.
CREATE INDEX request_log_errors ON request_log (started_ms) WHERE status >= 400;

-- Captured (redacted) bodies, only for requests that had capture on; same id.
CREATE TABLE request_log_bodies (id INTEGER PRIMARY KEY, prompt TEXT, answer TEXT);

-- Per-minute rollups for charts; h0..h23 count total latencies per bucket (bounds in
-- storage/latencyhistogram.h) so percentiles over days read minutes, not millions of rows.
-- WITHOUT ROWID clusters the rows by minute: a day is one contiguous range (10x faster than index
-- lookups into a rowid table); a SQLite-only clause, hence the placeholder (a btree on the key does the
-- same in PostgreSQL).
CREATE TABLE request_log_minutes (
    minute_ms INTEGER NOT NULL,
    feature TEXT NOT NULL,
    model_endpoint TEXT NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    total_ms_sum REAL NOT NULL DEFAULT 0,
    overhead_ms_sum REAL NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    answer_tokens INTEGER NOT NULL DEFAULT 0,
    {{latency_histogram_columns}},
    PRIMARY KEY (minute_ms, feature, model_endpoint)) {{without_rowid}};

-- Code suggestion telemetry reported by clients, per day (yyyy-MM-dd UTC).
CREATE TABLE suggestion_telemetry (
    day TEXT NOT NULL, model_engine TEXT NOT NULL, model_name TEXT NOT NULL,
    lang TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0,
    accepts INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, model_engine, model_name, lang));

CREATE TABLE daily_users (
    day TEXT NOT NULL, user_id TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, user_id));

-- Chat history (logging/chathistory.h, store backend): last 50 messages per user.
CREATE TABLE chat_messages (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    created_ms INTEGER NOT NULL);
CREATE INDEX chat_messages_user ON chat_messages (user_id, id);
