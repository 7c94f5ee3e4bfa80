#pragma once

// What every OpenAI-API call that names a model shares on the way in and out of routing: the body's
// first checks, the `model` member, and the job that relays the client's body with the endpoint's own
// served identifier put in place of `model` (the same for each fallback endpoint of the route).

#include "http/apierror.h"
#include "http/httpexchange.h"
#include "jsonscanner.h"
#include "routing/proxyoperation.h"
#include "routing/router.h"

#include <QByteArrayView>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace airlock::openai {

// "application/json", with or without parameters ("; charset=utf-8"), any case.
bool isJsonContentType(QByteArrayView value);

// 415 for another Content-Type, 400 for a body that is not JSON ("invalid_json", "invalid_utf8") or not
// an object ("invalid_body"); nullopt and `*error` set then.
std::optional<JsonScan> scanObjectBody(const http::HttpRequest &request, http::ApiError *error);

// The `model` member: present once, a non-empty string. nullptr and `*error` set (400 naming "model")
// otherwise; `*name` receives the decoded value.
const JsonMember *readModel(const http::HttpRequest &request, const JsonScan &scan, QString *name,
                            http::ApiError *error);

// The status for a refusal by routing or the policy step: 404 for "model_not_found" (neither a feature
// nor a registered endpoint), 403 for every other code (a switch, flag, stage or assignment said no).
int statusForRoutingError(const QString &code);

// The client's body with its "model" value (bytes [begin, end)) replaced by the endpoint's identifier.
QByteArray withModel(const QByteArray &body, qsizetype begin, qsizetype end, const QByteArray &identifierJson);

// A job for `route`: the body rewritten for the first endpoint and, when the route has others to fall
// back to, a preparer that rewrites it for each of them with a relay made by `makeRelay`.
routing::ProxyJob routedJob(const routing::Route &route, const http::HttpRequest &request, const JsonMember &model,
                            routing::UpstreamApi api,
                            std::function<std::unique_ptr<routing::ResponseRelay>()> makeRelay);

// Appends a piece of a whole (non-streamed) answer to `body`, or refuses it (502
// "upstream_answer_too_large", naming the endpoint) when the answer would pass `maxBytes`.
std::optional<http::ApiError> appendBounded(QByteArray &body, QByteArrayView bytes, qsizetype maxBytes,
                                            const http::HttpExchange &exchange);

} // namespace airlock::openai
