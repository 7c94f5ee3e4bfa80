-- What software serves a model endpoint ("openai", "vllm", "tgi", "llamacpp", "ollama"): decides how
-- its replicas' health is probed. NULL: "openai", the generic GET /v1/models probe.
ALTER TABLE model_endpoints ADD COLUMN server TEXT;
