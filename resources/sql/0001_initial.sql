-- Models, feature assignments and settings.

-- One row per registered model server. Timeouts in milliseconds. api_key is stored as given
-- (empty = none); the file is 0600 in a 0700 directory.
CREATE TABLE model_endpoints (
    name TEXT NOT NULL PRIMARY KEY,
    family TEXT NOT NULL,
    base_url TEXT NOT NULL,
    identifier TEXT NOT NULL,
    api_key TEXT NOT NULL DEFAULT '',
    max_concurrency INTEGER NOT NULL,
    connect_ms INTEGER NOT NULL,
    first_byte_ms INTEGER NOT NULL,
    idle_ms INTEGER NOT NULL,
    total_ms INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL);

-- A row per feature the admin decided about. model_name NULL means "disabled" (so the foreign key can
-- hold for every real model); a feature without a row is unassigned.
CREATE TABLE feature_assignments (
    feature TEXT NOT NULL PRIMARY KEY,
    model_name TEXT NULL REFERENCES model_endpoints (name));
CREATE INDEX feature_assignments_model_name ON feature_assignments (model_name);

CREATE TABLE settings (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
