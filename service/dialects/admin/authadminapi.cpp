#include "authadminapi.h"

#include "adminserver.h"
#include "auth/authlog.h"
#include "auth/authmodule.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>

namespace airlock::admin {

using http::HttpExchange;

namespace {

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

void writeJson(HttpExchange &e, int status, const QJsonObject &o)
{
    e.respond(status, "application/json", toJson(o));
}

Result<QJsonObject> jsonBody(HttpExchange &e)
{
    if (!e.request().header("content-type").toLower().startsWith("application/json"))
        return Error::make(QStringLiteral("unsupported_media_type"), QStringLiteral("send application/json"));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(e.request().body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return Error::make(QStringLiteral("invalid_json"), QStringLiteral("the body must be a JSON object"));
    return doc.object();
}

void writeAdminError(HttpExchange &e, const Error &error, int status = 400)
{
    if (error.code == QLatin1String("unsupported_media_type"))
        status = 415;
    AdminServer::writeError(e, status, error.code, error.message, error.field);
}

} // namespace

void registerAuthAdminRoutes(AdminServer &server, auth::AuthModule &module)
{
    server.setAuditSink(&module);
    server.addRoute("POST", "/api/v1/tokens", [&module](HttpExchange &e, const AdminCaller &caller) {
        auto body = jsonBody(e);
        if (!body)
            return writeAdminError(e, body.error());
        auto request = auth::TokenRequest::fromJson(*body);
        if (!request)
            return writeAdminError(e, request.error());
        auto issued = module.issue(*request, caller.actor);
        if (!issued)
            return writeAdminError(e, issued.error(), 500);
        QJsonObject o = issued->record.toJson();
        o.insert(QStringLiteral("token"), QString::fromLatin1(issued->token));
        o.insert(QStringLiteral("note"), QStringLiteral("the token is shown only now; store it"));
        e.addResponseHeader("Cache-Control", "no-store");
        writeJson(e, 201, o);
    });
    server.addRoute("GET", "/api/v1/tokens", [&module](HttpExchange &e, const AdminCaller &) {
        auto list = module.tokenStore().list();
        if (!list)
            return writeAdminError(e, list.error(), 500);
        QJsonArray tokens;
        const qint64 now = module.nowSeconds();
        for (const auth::IssuedToken &t : *list) {
            QJsonObject o = t.toJson();
            o.insert(QStringLiteral("expired"), t.expiresAt <= now);
            tokens.append(o);
        }
        writeJson(e, 200, QJsonObject{{QStringLiteral("tokens"), tokens}});
    });
    server.addPrefixRoute("DELETE", "/api/v1/tokens/", [&module](HttpExchange &e, const AdminCaller &caller) {
        const QString id = QString::fromUtf8(QByteArray::fromPercentEncoding(e.request().path.mid(int(qstrlen("/api/v1/tokens/")))));
        auto done = id.isEmpty() || id.contains(QLatin1Char('/')) ? Result<bool>(false) : module.revoke(id, caller.actor);
        if (!done)
            return writeAdminError(e, done.error(), 500);
        if (!*done) {
            return AdminServer::writeError(e, 404, QStringLiteral("token_not_found"),
                                                  QStringLiteral("no token with id \"%1\"").arg(id));
        }
        writeJson(e, 200, QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("revoked"), true}});
    });
    server.addRoute("GET", "/api/v1/keys", [&module](HttpExchange &e, const AdminCaller &) {
        QJsonArray keys;
        const QString active = module.signingKeys().active().kid();
        for (const auth::SigningKeyInfo &info : module.signingKeys().keys())
            keys.append(info.toJson(info.kid == active));
        writeJson(e, 200, QJsonObject{{QStringLiteral("active"), active},
                                      {QStringLiteral("keys"), keys},
                                      {QStringLiteral("jwks"), module.signingKeys().jwks()}});
    });
    server.addRoute("POST", "/api/v1/keys/rotate", [&module](HttpExchange &e, const AdminCaller &caller) {
        auth::KeyAlg alg = module.signingKeys().active().alg();
        if (!e.request().body.trimmed().isEmpty()) {
            auto body = jsonBody(e);
            if (!body)
                return writeAdminError(e, body.error());
            if (body->contains(QLatin1String("alg"))) {
                const auto parsed = auth::algFromName(body->value(QLatin1String("alg")).toString());
                if (!parsed || *parsed == auth::KeyAlg::RS256) {
                    return AdminServer::writeError(e, 400, QStringLiteral("invalid_value"),
                                                          QStringLiteral("alg must be ES256 or EdDSA"), QStringLiteral("alg"));
                }
                alg = *parsed;
            }
        }
        auto info = module.rotateKeys(alg, caller.actor);
        if (!info)
            return writeAdminError(e, info.error(), 500);
        writeJson(e, 200, info->toJson(true));
    });
    server.addRoute("GET", "/api/v1/trust", [&module](HttpExchange &e, const AdminCaller &) {
        QJsonObject o = module.settings().toJson();
        o.insert(QStringLiteral("gitlab"), module.trust().state());
        writeJson(e, 200, o);
    });
    server.addRoute("PUT", "/api/v1/trust", [&module](HttpExchange &e, const AdminCaller &caller) {
        auto body = jsonBody(e);
        if (!body)
            return writeAdminError(e, body.error());
        QJsonObject merged = module.settings().toJson();
        for (auto it = body->begin(); it != body->end(); ++it)
            merged.insert(it.key(), it.value());
        if (body->contains(QLatin1String("mode")) && body->value(QLatin1String("mode")).toString() != auth::AuthSettings::modeName(module.settings().mode)) {
            return AdminServer::writeError(e, 400, QStringLiteral("restart_required"),
                                                  QStringLiteral("the auth mode is set at start (--auth or the declarative file)"),
                                                  QStringLiteral("mode"));
        }
        auto settings = auth::AuthSettings::fromJson(merged, QString());
        if (!settings) {
            Error error = settings.error();
            error.field = error.field.mid(error.field.startsWith(QLatin1Char('.')) ? 1 : 0);
            error.message = error.message.mid(error.message.startsWith(QLatin1Char('.')) ? 1 : 0);
            return writeAdminError(e, error);
        }
        if (auto st = module.updateSettings(*settings, caller.actor); !st)
            return writeAdminError(e, st.error(), 500);
        QJsonObject o = module.settings().toJson();
        o.insert(QStringLiteral("gitlab"), module.trust().state());
        writeJson(e, 200, o);
    });
    server.addRoute("GET", "/api/v1/audit", [&module](HttpExchange &e, const AdminCaller &) {
        const QUrlQuery query(QString::fromUtf8(e.request().query));
        const int limit = query.hasQueryItem(QStringLiteral("limit")) ? query.queryItemValue(QStringLiteral("limit")).toInt() : 100;
        const qint64 before = query.queryItemValue(QStringLiteral("before")).toLongLong();
        auto entries = module.auditLog().list(limit, before);
        if (!entries)
            return writeAdminError(e, entries.error(), 500);
        writeJson(e, 200, QJsonObject{{QStringLiteral("entries"), *entries}});
    });
    server.addRoute("POST", "/api/v1/tls/reload", [&module](HttpExchange &e, const AdminCaller &caller) {
        if (auto st = module.reloadTls(); !st)
            return writeAdminError(e, st.error(), 400);
        module.audit(caller.actor, QStringLiteral("tls.reload"), QStringLiteral("tls"), {}, toJson(module.status().value(QLatin1String("tls")).toObject()));
        writeJson(e, 200, module.status().value(QLatin1String("tls")).toObject());
    });
}

} // namespace airlock::admin
