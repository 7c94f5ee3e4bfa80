#pragma once

// The prompt_components body of /v3/code/completions and /v4/code/suggestions, as GitLab Rails (17.x:
// generations to v3; 18.x: generations to v4) and GitLab's gateway define it:
//
//   {"prompt_components": [{"type": "code_editor_completion" | "code_editor_generation" | "code_context",
//                           "payload": {...}, "metadata": {"source", "version"}?}, ...],   1..100 items
//    "model_metadata": {"provider", "name", "endpoint", "api_key", "identifier"}?}
//
// The first component says what is asked (completion or generation, its file and cursor); code_context
// components add context. Other top-level fields (Rails also sends the /v2 body: current_file,
// project_path, ...) are ignored, as the gateway ignores them. Problems are collected in the
// validator with pydantic's types and locations (the component's tag is part of `loc` below it:
// ["body", "prompt_components", 0, "code_editor_completion", "payload", "file_name"]).

#include "gitlabvalidator.h"
#include "modelendpointmatch.h"
#include "prompts/promptbuilder.h"

#include <QJsonObject>
#include <QString>

namespace airlock::gitlab {

struct ComponentRequest {
    bool generation = false;     // the first component is code_editor_generation
    bool stream = false;         // payload.stream
    prompts::CodeContext input;  // file, cursor, instruction, code_context items
    ModelDetails details;        // model_metadata (checked against the registered endpoints)
    QString promptId;            // payload.prompt_id (generation)
};

// Reads `body` into `request`; the request is usable only when `v.ok()` afterwards.
void readComponentRequest(const QJsonObject &body, GitLabValidator &v, ComponentRequest &request);

} // namespace airlock::gitlab
