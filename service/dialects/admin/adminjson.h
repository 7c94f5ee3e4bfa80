#pragma once

// The admin API's JSON on the wire, shared by every admin handler: answers (compact JSON), the error shape
// {"error":{"code","message"[,"field"]}}, and reading a JSON request body.
//
// A request body is read only when its Content-Type is application/json: anything else is refused with
// 415 "unsupported_media_type", whose message each endpoint words for what it takes.

#include "http/httpexchange.h"
#include "result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace airlock::admin {

// The compact JSON of `object`.
QByteArray compactJson(const QJsonObject &object);

// `status` with the compact JSON of `object` (application/json).
void writeJson(http::HttpExchange &exchange, const QJsonObject &object, int status = 200);

// The admin API's error answer; `field` names the offending field when not empty.
void writeError(http::HttpExchange &exchange, int status, const QString &code, const QString &message,
                const QString &field = {});

// An Error as an answer: "unsupported_media_type" is 415, "not_found" 404, anything else `status`.
void writeResultError(http::HttpExchange &exchange, const Error &error, int status = 400);

// Error "unsupported_media_type" with `message` unless the request's Content-Type is application/json.
Status requireJsonContentType(const http::HttpRequest &request, const QString &message);

// `body` as a JSON object; nullopt when it does not parse or is not an object.
std::optional<QJsonObject> parseJsonObject(const QByteArray &body);

// The request body as a JSON object: requireJsonContentType(`mediaTypeMessage`), then error "invalid_json"
// ("the body must be a JSON object") when it is not one.
Result<QJsonObject> jsonObjectBody(const http::HttpExchange &exchange, const QString &mediaTypeMessage);

} // namespace airlock::admin
