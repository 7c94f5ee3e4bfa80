-- The admin's prompt template overrides per (model endpoint, feature): append-only, the newest row of a
-- pair is in force, an empty template means "built-in" (prompts/templatestore.h). No foreign key to
-- model_endpoints: the history outlives a model.
CREATE TABLE prompt_overrides (
    id INTEGER NOT NULL PRIMARY KEY,
    endpoint TEXT NOT NULL,
    feature TEXT NOT NULL,
    template TEXT NOT NULL,
    created_at TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '');
CREATE INDEX prompt_overrides_endpoint_feature ON prompt_overrides (endpoint, feature, id);
