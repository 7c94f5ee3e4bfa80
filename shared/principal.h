#pragma once

// Who a request acts for, as established by authentication (service/auth/authenticator.h), and which
// token scopes allow which feature. A domain type: the dialects, the request log and auth all read it.

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>

namespace airlock {

struct Principal
{
    QString subject;       // token `sub`
    QString issuer;        // token `iss`
    QString tokenId;       // `jti`
    QStringList scopes;    // `scopes`
    QString realm;         // `gitlab_realm`
    QString instanceId;    // `gitlab_instance_id`
    QString duoSeatCount;  // `duo_seat_count` (GitLab's instance tokens); empty: absent
    QString globalUserId;  // X-Gitlab-Global-User-Id (GitLab requests)
    qint64 expiresAt = 0;  // epoch seconds
    bool anonymous = false; // auth mode "disabled"
    // Holds this request's per-user/per-token concurrency places; keep a copy until the response is
    // finished (ProxyJob::authLease), then let it go. May be null (no limits).
    std::shared_ptr<const void> lease;

    bool hasScope(QStringView scope) const { return anonymous || scopes.contains(scope); }
};

// Scope needed to name a model endpoint directly instead of a feature.
inline constexpr QLatin1StringView kDirectModelScope{"direct_model_access"};

// The scopes any one of which allows `feature` (feature ids as in featureids.h; empty = a request that
// named a model endpoint directly). GitLab's scopes: complete_code / generate_code (or the older
// code_suggestions for both; Repository X-Ray as generation), duo_chat for chat features (or the narrower explain_vulnerability,
// troubleshoot_job, summarize_comments), and the feature's own name for the rest.
inline QStringList scopesForFeature(const QString &feature)
{
    if (feature.isEmpty())
        return {QString(kDirectModelScope)};
    if (feature == QLatin1String("code_completions"))
        return {QStringLiteral("complete_code"), QStringLiteral("code_suggestions")};
    if (feature == QLatin1String("code_generations") || feature == QLatin1String("repository_xray"))
        return {QStringLiteral("generate_code"), QStringLiteral("code_suggestions")};
    if (feature == QLatin1String("duo_chat_explain_vulnerability"))
        return {QStringLiteral("explain_vulnerability"), QStringLiteral("duo_chat")};
    if (feature == QLatin1String("duo_chat_troubleshoot_job"))
        return {QStringLiteral("troubleshoot_job"), QStringLiteral("duo_chat")};
    if (feature == QLatin1String("duo_chat_summarize_comments"))
        return {QStringLiteral("summarize_comments"), QStringLiteral("duo_chat")};
    if (feature == QLatin1String("duo_chat") || feature.startsWith(QLatin1String("duo_chat_")))
        return {QStringLiteral("duo_chat")};
    return {feature};
}

// Whether the principal's scopes allow the feature (always, for the anonymous principal of mode "disabled").
inline bool scopeAllows(const Principal &principal, const QString &feature)
{
    if (principal.anonymous)
        return true;
    const QStringList allowed = scopesForFeature(feature);
    for (const QString &scope : allowed) {
        if (principal.scopes.contains(scope))
            return true;
    }
    return false;
}

} // namespace airlock
