#include "apierror.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace airlock::http {

QByteArray openAiErrorType(int status)
{
    switch (status) {
    case 401:
        return "authentication_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 408:
        return "timeout_error";
    case 413:
        return "request_too_large";
    case 429:
        return "rate_limit_error";
    case 502:
    case 503:
    case 504:
        return "upstream_error";
    default:
        return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

QByteArray openAiErrorBody(const ApiError &error)
{
    QJsonObject inner{
        {QStringLiteral("message"), error.message},
        {QStringLiteral("type"), QString::fromLatin1(openAiErrorType(error.status))},
        {QStringLiteral("code"), error.code},
        {QStringLiteral("param"), error.param.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(error.param)},
    };
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), inner}}).toJson(QJsonDocument::Compact);
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
    }
}

} // namespace airlock::http
