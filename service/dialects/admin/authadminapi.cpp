#include "authadminapi.h"

#include "adminjson.h"
#include "adminserver.h"
#include "auth/authlog.h"
#include "auth/authmodule.h"

#include <QJsonArray>
#include <QUrlQuery>

namespace airlock::admin {

using http::HttpExchange;

namespace {

Result<QJsonObject> jsonBody(HttpExchange &e)
{
    return jsonObjectBody(e, QStringLiteral("send application/json"));
}

} // namespace

void registerAuthAdminRoutes(AdminServer &server, auth::AuthModule &module)
{
    server.setAuditSink(&module);
    server.addRoute("POST", "/api/v1/tokens", [&module](HttpExchange &e, const AdminCaller &caller) {
        auto body = jsonBody(e);
        if (!body)
            return writeResultError(e, body.error());
        auto request = auth::TokenRequest::fromJson(*body);
        if (!request)
            return writeResultError(e, request.error());
        auto issued = module.issue(*request, caller.actor);
        if (!issued)
            return writeResultError(e, issued.error(), 500);
        QJsonObject o = issued->record.toJson();
        o.insert(QStringLiteral("token"), QString::fromLatin1(issued->token));
        o.insert(QStringLiteral("note"), QStringLiteral("the token is shown only now; store it"));
        e.addResponseHeader("Cache-Control", "no-store");
        writeJson(e, o, 201);
    });
    server.addRoute("GET", "/api/v1/tokens", [&module](HttpExchange &e, const AdminCaller &) {
        auto list = module.tokenStore().list();
        if (!list)
            return writeResultError(e, list.error(), 500);
        QJsonArray tokens;
        const qint64 now = module.nowSeconds();
        for (const auth::IssuedToken &t : *list) {
            QJsonObject o = t.toJson();
            o.insert(QStringLiteral("expired"), t.expiresAt <= now);
            tokens.append(o);
        }
        writeJson(e, QJsonObject{{QStringLiteral("tokens"), tokens}});
    });
    server.addPrefixRoute("DELETE", "/api/v1/tokens/", [&module](HttpExchange &e, const AdminCaller &caller) {
        const QString id = QString::fromUtf8(QByteArray::fromPercentEncoding(e.request().path.mid(int(qstrlen("/api/v1/tokens/")))));
        auto done = id.isEmpty() || id.contains(QLatin1Char('/')) ? Result<bool>(false) : module.revoke(id, caller.actor);
        if (!done)
            return writeResultError(e, done.error(), 500);
        if (!*done) {
            return writeError(e, 404, QStringLiteral("token_not_found"),
                              QStringLiteral("no token with id \"%1\"").arg(id));
        }
        writeJson(e, QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("revoked"), true}});
    });
    server.addRoute("GET", "/api/v1/keys", [&module](HttpExchange &e, const AdminCaller &) {
        QJsonArray keys;
        const QString active = module.signingKeys().active().kid();
        for (const auth::SigningKeyInfo &info : module.signingKeys().keys())
            keys.append(info.toJson(info.kid == active));
        writeJson(e, QJsonObject{{QStringLiteral("active"), active},
                                      {QStringLiteral("keys"), keys},
                                      {QStringLiteral("jwks"), module.signingKeys().jwks()}});
    });
    server.addRoute("POST", "/api/v1/keys/rotate", [&module](HttpExchange &e, const AdminCaller &caller) {
        auth::KeyAlg alg = module.signingKeys().active().alg();
        if (!e.request().body.trimmed().isEmpty()) {
            auto body = jsonBody(e);
            if (!body)
                return writeResultError(e, body.error());
            if (body->contains(QLatin1String("alg"))) {
                const auto parsed = auth::algFromName(body->value(QLatin1String("alg")).toString());
                if (!parsed || *parsed == auth::KeyAlg::RS256) {
                    return writeError(e, 400, QStringLiteral("invalid_value"),
                                      QStringLiteral("alg must be ES256 or EdDSA"), QStringLiteral("alg"));
                }
                alg = *parsed;
            }
        }
        auto info = module.rotateKeys(alg, caller.actor);
        if (!info)
            return writeResultError(e, info.error(), 500);
        writeJson(e, info->toJson(true));
    });
    server.addRoute("GET", "/api/v1/trust", [&module](HttpExchange &e, const AdminCaller &) {
        QJsonObject o = module.settings().toJson();
        o.insert(QStringLiteral("gitlab"), module.trust().state());
        writeJson(e, o);
    });
    server.addRoute("PUT", "/api/v1/trust", [&module](HttpExchange &e, const AdminCaller &caller) {
        auto body = jsonBody(e);
        if (!body)
            return writeResultError(e, body.error());
        QJsonObject merged = module.settings().toJson();
        for (auto it = body->begin(); it != body->end(); ++it)
            merged.insert(it.key(), it.value());
        if (body->contains(QLatin1String("mode")) && body->value(QLatin1String("mode")).toString() != auth::AuthSettings::modeName(module.settings().mode)) {
            return writeError(e, 400, QStringLiteral("restart_required"),
                              QStringLiteral("the auth mode is set at start (--auth or the declarative file)"),
                              QStringLiteral("mode"));
        }
        auto settings = auth::AuthSettings::fromJson(merged, QString());
        if (!settings) {
            Error error = settings.error();
            error.field = error.field.mid(error.field.startsWith(QLatin1Char('.')) ? 1 : 0);
            error.message = error.message.mid(error.message.startsWith(QLatin1Char('.')) ? 1 : 0);
            return writeResultError(e, error);
        }
        if (auto st = module.updateSettings(*settings, caller.actor); !st)
            return writeResultError(e, st.error(), 500);
        QJsonObject o = module.settings().toJson();
        o.insert(QStringLiteral("gitlab"), module.trust().state());
        writeJson(e, o);
    });
    server.addRoute("GET", "/api/v1/audit", [&module](HttpExchange &e, const AdminCaller &) {
        const QUrlQuery query(QString::fromUtf8(e.request().query));
        const int limit = query.hasQueryItem(QStringLiteral("limit")) ? query.queryItemValue(QStringLiteral("limit")).toInt() : 100;
        const qint64 before = query.queryItemValue(QStringLiteral("before")).toLongLong();
        auto entries = module.auditLog().list(limit, before);
        if (!entries)
            return writeResultError(e, entries.error(), 500);
        writeJson(e, QJsonObject{{QStringLiteral("entries"), *entries}});
    });
    server.addRoute("POST", "/api/v1/tls/reload", [&module](HttpExchange &e, const AdminCaller &caller) {
        if (auto st = module.reloadTls(); !st)
            return writeResultError(e, st.error(), 400);
        module.audit(caller.actor, QStringLiteral("tls.reload"), QStringLiteral("tls"), {}, compactJson(module.status().value(QLatin1String("tls")).toObject()));
        writeJson(e, module.status().value(QLatin1String("tls")).toObject());
    });
}

} // namespace airlock::admin
