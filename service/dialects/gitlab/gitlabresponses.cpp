#include "gitlabresponses.h"

#include "gitlabvalidator.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace airlock::gitlab {

using http::HttpExchange;

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

void respondJson(HttpExchange &exchange, int status, const QJsonObject &object)
{
    exchange.respond(status, "application/json", compact(object));
}

void respondDetail(HttpExchange &exchange, int status, const QString &detail, const QString &code)
{
    exchange.record().errorCode = code.isEmpty() ? QStringLiteral("http_%1").arg(status) : code;
    exchange.record().errorMessage = detail;
    respondJson(exchange, status, QJsonObject { { QStringLiteral("detail"), detail } });
}

void respondValidation(HttpExchange &exchange, const GitLabValidator &validator)
{
    exchange.record().errorCode = QStringLiteral("validation_error");
    exchange.record().errorMessage
        = validator.errors().at(0).toObject().value(QStringLiteral("msg")).toString();
    exchange.respond(422, "application/json", validator.body());
}

} // namespace airlock::gitlab
