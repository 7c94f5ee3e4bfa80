#pragma once

// A model server the admin registered: where it is, what it serves and how hard it may be pushed.

#include "result.h"
#include "serverkind.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace airlock {

enum class ModelFamily {
    Mistral,
    Mixtral,
    Codestral,
    CodeLlama,
    CodeGemma,
    DeepSeekCoder,
    Llama3,
    QwenCoder,
    StarCoder2,
    Claude3,
    Gpt,
    Gemini,
    General,
};

// Wire names ("codestral", "qwen2.5-coder", ...). familyFromName is case-insensitive.
QString familyName(ModelFamily family);
std::optional<ModelFamily> familyFromName(const QString &name);
QStringList allFamilyNames();

struct EndpointTimeouts
{
    int connectMs = 2000;
    int firstByteMs = 30000;
    int idleMs = 30000;
    int totalMs = 120000;

    friend bool operator==(const EndpointTimeouts &, const EndpointTimeouts &) = default;
};

// One server of a model endpoint. Replicas serve the same model (same identifier, same family); the
// gateway balances requests over them (weighted least outstanding requests).
struct ModelReplica
{
    QUrl baseUrl;   // as the admin gave it; "http://h:8000" and "http://h:8000/v1" both accepted
    int weight = 1; // 1..1000, relative share of the traffic

    friend bool operator==(const ModelReplica &, const ModelReplica &) = default;
};

// The OpenAI API root of a server: `baseUrl` with exactly one trailing "/v1".
QUrl openAiApiRoot(const QUrl &baseUrl);

struct ModelEndpoint
{
    QString name;        // unique, what clients and assignments refer to
    ModelFamily family = ModelFamily::General;
    QUrl baseUrl;        // the first replica's base URL (the only one when `replicas` is empty)
    // Set when the admin listed "replicas" (two or more servers, or one with a weight); empty when the
    // endpoint has just `base_url`. servers() gives the list either way.
    QList<ModelReplica> replicas;
    QString identifier;  // the model id the server serves ("codestral-22b")
    QString apiKey;      // secret: never exported, logged or returned by the admin API
    int maxConcurrency = 64;
    EndpointTimeouts timeouts;
    // What software the replicas run; decides their health probe ("server" in config, default openai).
    ServerKind server = ServerKind::OpenAi;

    // `replicas`, or the single server at `baseUrl` with weight 1.
    QList<ModelReplica> servers() const;
    // The OpenAI API root of the (first) server: baseUrl with exactly one trailing "/v1".
    QUrl apiRoot() const;
    // apiRoot() + "/" + path, e.g. apiUrl("chat/completions").
    QUrl apiUrl(QStringView path) const;

    friend bool operator==(const ModelEndpoint &, const ModelEndpoint &) = default;
};

// Checks a single endpoint's fields; `where` prefixes field names in errors ("models[2]").
Status validateEndpoint(const ModelEndpoint &endpoint, const QString &where);

} // namespace airlock
