#pragma once

// GitLab's response shapes, for every handler and relay of the GitLab dialect: a JSON body, the
// {"detail": "..."} error (which also fills the request record's errorCode, "http_<status>" when no
// code is given, and errorMessage), and the 422 schema error a GitLabValidator collected.

#include "http/httpexchange.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace airlock::gitlab {

class GitLabValidator;

// The object as compact JSON.
QByteArray compact(const QJsonObject &object);

void respondJson(http::HttpExchange &exchange, int status, const QJsonObject &object);
void respondDetail(http::HttpExchange &exchange, int status, const QString &detail, const QString &code = {});
// 422 with the validator's body; the record's message is detail[0].msg. The validator has errors.
void respondValidation(http::HttpExchange &exchange, const GitLabValidator &validator);

} // namespace airlock::gitlab
