#include "requestlogrecord.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace airlock::storage {

namespace {

QString isoOf(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

int recordFlags(const StoredRecord &stored)
{
    const RequestRecord &r = stored.record;
    int flags = 0;
    if (r.stream)
        flags |= FlagStream;
    if (r.cached)
        flags |= FlagCached;
    if (r.superseded)
        flags |= FlagSuperseded;
    if (r.captureBodies)
        flags |= FlagBodies;
    if (stored.overflowMarker)
        flags |= FlagOverflowMarker;
    return flags;
}

QJsonObject recordToJson(const StoredRecord &stored, bool withBodies)
{
    const RequestRecord &r = stored.record;
    QJsonObject o;
    auto put = [&o](const char *key, const QString &value) {
        if (!value.isEmpty())
            o.insert(QLatin1String(key), value);
    };
    auto putMs = [&o](const char *key, double value) {
        if (value >= 0)
            o.insert(QLatin1String(key), std::round(value * 1000.0) / 1000.0);
    };
    o.insert(QStringLiteral("id"), stored.id);
    o.insert(QStringLiteral("started_ms"), r.startedAtMs);
    o.insert(QStringLiteral("started_at"), isoOf(r.startedAtMs));
    put("request_id", r.requestId);
    put("method", QString::fromLatin1(r.method));
    put("path", QString::fromLatin1(r.path));
    put("dialect", r.dialect);
    put("feature", r.feature);
    put("model_endpoint", r.modelEndpoint);
    put("model_identifier", r.modelIdentifier);
    put("model_family", r.modelFamily);
    put("user_id", r.userId);
    put("instance_id", r.instanceId);
    put("realm", r.realm);
    put("host_name", r.hostName);
    put("gitlab_version", r.gitlabVersion);
    put("token_issuer", r.tokenIssuer);
    put("token_id", r.tokenId);
    put("user_agent", r.userAgent);
    put("client_version", r.clientVersion);
    put("client_ip", r.clientIp);
    put("lang", r.lang);
    put("editor_lang", r.editorLang);
    o.insert(QStringLiteral("status"), r.status);
    put("error_code", r.errorCode);
    put("error_message", r.errorMessage);
    o.insert(QStringLiteral("stream"), r.stream);
    if (r.cached)
        o.insert(QStringLiteral("cached"), true);
    if (r.superseded)
        o.insert(QStringLiteral("superseded"), true);
    if (stored.overflowMarker)
        o.insert(QStringLiteral("overflow_marker"), true);
    putMs("auth_ms", r.authMs);
    putMs("queue_ms", r.queueMs);
    putMs("first_byte_ms", r.upstreamFirstByteMs);
    putMs("upstream_ms", r.upstreamMs);
    putMs("total_ms", r.totalMs);
    if (r.totalMs >= 0)
        putMs("airlock_ms", r.totalMs - qMax(0.0, r.upstreamMs));
    o.insert(QStringLiteral("prompt_bytes"), r.promptBytes);
    o.insert(QStringLiteral("answer_bytes"), r.answerBytes);
    if (r.promptTokens >= 0)
        o.insert(QStringLiteral("prompt_tokens"), r.promptTokens);
    if (r.answerTokens >= 0)
        o.insert(QStringLiteral("answer_tokens"), r.answerTokens);
    if (!r.attemptsJson.isEmpty())
        o.insert(QStringLiteral("attempts"), QJsonDocument::fromJson(r.attemptsJson).array());
    o.insert(QStringLiteral("has_bodies"), r.captureBodies);
    if (withBodies && r.captureBodies) {
        o.insert(QStringLiteral("prompt_body"), QString::fromUtf8(r.promptBody));
        o.insert(QStringLiteral("answer_body"), QString::fromUtf8(r.answerBody));
    }
    return o;
}

} // namespace airlock::storage
