#include "adminjson.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace airlock::admin {

QByteArray compactJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

void writeJson(http::HttpExchange &exchange, const QJsonObject &object, int status)
{
    exchange.respond(status, "application/json", compactJson(object));
}

void writeError(http::HttpExchange &exchange, int status, const QString &code, const QString &message,
                const QString &field)
{
    QJsonObject error{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}};
    if (!field.isEmpty())
        error.insert(QStringLiteral("field"), field);
    writeJson(exchange, QJsonObject{{QStringLiteral("error"), error}}, status);
}

void writeResultError(http::HttpExchange &exchange, const Error &error, int status)
{
    if (error.code == QLatin1String("unsupported_media_type"))
        status = 415;
    else if (error.code == QLatin1String("not_found"))
        status = 404;
    writeError(exchange, status, error.code, error.message, error.field);
}

Status requireJsonContentType(const http::HttpRequest &request, const QString &message)
{
    if (!request.header("content-type").toLower().startsWith("application/json"))
        return Error::make(QStringLiteral("unsupported_media_type"), message);
    return {};
}

std::optional<QJsonObject> parseJsonObject(const QByteArray &body)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return doc.object();
}

Result<QJsonObject> jsonObjectBody(const http::HttpExchange &exchange, const QString &mediaTypeMessage)
{
    if (auto st = requireJsonContentType(exchange.request(), mediaTypeMessage); !st)
        return st.error();
    auto object = parseJsonObject(exchange.request().body);
    if (!object)
        return Error::make(QStringLiteral("invalid_json"), QStringLiteral("the body must be a JSON object"));
    return *object;
}

} // namespace airlock::admin
