#pragma once

// Errors a client sees. Every error body is JSON with a stable code and a message naming the field or
// cause. The OpenAI dialect (and the connection layer, which runs before any dialect is known) uses
// OpenAI's shape: {"error":{"message":"...","type":"...","param":"...","code":"..."}}.

#include "result.h"

#include <QByteArray>
#include <QString>

namespace airlock::http {

struct ApiError
{
    int status = 500;
    QString code;    // stable, snake_case
    QString message; // names the field or the cause
    QString param;   // the offending field, if any

    static ApiError make(int status, QString code, QString message, QString param = {})
    {
        return ApiError{status, std::move(code), std::move(message), std::move(param)};
    }
};

// OpenAI-style error type for a status ("invalid_request_error", "authentication_error", ...).
QByteArray openAiErrorType(int status);
QByteArray openAiErrorBody(const ApiError &error);
// Reason phrase for a status line ("Not Found").
QByteArray reasonPhrase(int status);

} // namespace airlock::http
