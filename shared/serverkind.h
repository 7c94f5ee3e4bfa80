#pragma once

// What software serves a model endpoint: decides how its health is probed without spending tokens.
// Wire names (config, admin API): "openai" (any OpenAI-compatible server, the default), "vllm", "tgi",
// "llamacpp", "ollama".

#include <QString>
#include <QStringList>

#include <optional>

namespace airlock {

enum class ServerKind { OpenAi, Vllm, Tgi, LlamaCpp, Ollama };

QString serverKindName(ServerKind kind);
// The kind a wire name names, ignoring case; nullopt for an unknown name.
std::optional<ServerKind> serverKindFromName(const QString &name);
// Every wire name, the default first.
QStringList allServerKindNames();

} // namespace airlock
