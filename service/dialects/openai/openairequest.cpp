#include "openairequest.h"

namespace airlock::openai {

using http::ApiError;

bool isJsonContentType(QByteArrayView value)
{
    const qsizetype semi = value.indexOf(';');
    QByteArrayView type = semi < 0 ? value : value.first(semi);
    while (!type.isEmpty() && (type.back() == ' ' || type.back() == '\t'))
        type.chop(1);
    return type.compare("application/json", Qt::CaseInsensitive) == 0;
}

std::optional<JsonScan> scanObjectBody(const http::HttpRequest &request, ApiError *error)
{
    const QByteArray contentType = request.header("content-type");
    if (!isJsonContentType(contentType)) {
        *error = ApiError::make(415, QStringLiteral("unsupported_media_type"),
                                contentType.isEmpty()
                                    ? QStringLiteral("the Content-Type header is missing; send application/json")
                                    : QStringLiteral("Content-Type \"%1\" is not supported; send application/json")
                                          .arg(QString::fromLatin1(contentType)));
        return std::nullopt;
    }
    auto scan = scanJson(request.body);
    if (!scan) {
        *error = ApiError::make(400,
                                scan.error().code == QLatin1String("invalid_utf8") ? QStringLiteral("invalid_utf8")
                                                                                   : QStringLiteral("invalid_json"),
                                QStringLiteral("the request body is not valid JSON: %1").arg(scan.error().message));
        return std::nullopt;
    }
    if (scan->rootType != JsonType::Object) {
        *error = ApiError::make(400, QStringLiteral("invalid_body"), QStringLiteral("the request body must be a JSON object"));
        return std::nullopt;
    }
    return std::move(scan).value();
}

const JsonMember *readModel(const http::HttpRequest &request, const JsonScan &scan, QString *name, ApiError *error)
{
    const QString field = QStringLiteral("model");
    int count = 0;
    const JsonMember *model = scan.find("model", &count);
    if (!model) {
        *error = ApiError::make(400, QStringLiteral("missing_field"), QStringLiteral("the field \"model\" is required"), field);
        return nullptr;
    }
    if (count > 1) {
        *error = ApiError::make(400, QStringLiteral("duplicate_field"),
                                QStringLiteral("the field \"model\" appears more than once"), field);
        return nullptr;
    }
    if (model->type != JsonType::String) {
        *error = ApiError::make(400, QStringLiteral("invalid_type"), QStringLiteral("the field \"model\" must be a string"), field);
        return nullptr;
    }
    *name = decodeJsonString(QByteArrayView(request.body).sliced(model->valueBegin, model->valueEnd - model->valueBegin));
    if (name->isEmpty()) {
        *error = ApiError::make(400, QStringLiteral("missing_field"), QStringLiteral("the field \"model\" must not be empty"),
                                field);
        return nullptr;
    }
    return model;
}

int statusForRoutingError(const QString &code)
{
    return code == QLatin1String("model_not_found") ? 404 : 403;
}

QByteArray withModel(const QByteArray &body, qsizetype begin, qsizetype end, const QByteArray &identifierJson)
{
    QByteArray out;
    out.reserve(body.size() - (end - begin) + identifierJson.size());
    out.append(QByteArrayView(body).first(begin));
    out.append(identifierJson);
    out.append(QByteArrayView(body).sliced(end));
    return out;
}

routing::ProxyJob routedJob(const routing::Route &route, const http::HttpRequest &request, const JsonMember &model,
                            routing::UpstreamApi api,
                            std::function<std::unique_ptr<routing::ResponseRelay>()> makeRelay)
{
    routing::ProxyJob job;
    job.endpoint = route.endpoint;
    job.plan = route.plan;
    job.api = api;
    job.feature = route.feature;
    job.body = withModel(request.body, model.valueBegin, model.valueEnd, route.endpoint->identifierJson);
    if (route.plan && route.plan->totalEndpoints() > 1) {
        job.prepare = [body = request.body, begin = model.valueBegin, end = model.valueEnd, api,
                       makeRelay = std::move(makeRelay)](const routing::EndpointRuntime &endpoint) {
            return std::optional<routing::PreparedRequest>(
                routing::PreparedRequest{api, withModel(body, begin, end, endpoint.identifierJson), makeRelay()});
        };
    }
    return job;
}

std::optional<ApiError> appendBounded(QByteArray &body, QByteArrayView bytes, qsizetype maxBytes,
                                      const http::HttpExchange &exchange)
{
    if (body.size() + bytes.size() > maxBytes) {
        return ApiError::make(502, QStringLiteral("upstream_answer_too_large"),
                              QStringLiteral("model endpoint \"%1\" sent an answer larger than %2 bytes")
                                  .arg(exchange.record().modelEndpoint)
                                  .arg(maxBytes));
    }
    body.append(bytes);
    return std::nullopt;
}

} // namespace airlock::openai
