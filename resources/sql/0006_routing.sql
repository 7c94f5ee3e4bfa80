-- Routing: a model endpoint's replicas (JSON array of {"base_url", "weight"}; NULL: the endpoint has
-- just base_url) and a feature's route (JSON {"tiers": ...}; NULL: the feature goes to model_name
-- alone). model_name stays the route's first model, so that readers of the assignment keep working.
-- The resilience settings are a row of `settings` (key "resilience").
ALTER TABLE model_endpoints ADD COLUMN replicas TEXT;
ALTER TABLE feature_assignments ADD COLUMN route TEXT;
-- Every try of a request at a model server (JSON array; NULL when none was tried).
ALTER TABLE request_log ADD COLUMN attempts TEXT;
