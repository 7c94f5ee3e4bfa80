#pragma once

// What the console's flow tests share (tst_consoleflow, tst_consoleroutes): the model form's fields for
// the fake model server, and a client token issued through the console.

#include "consolecore.h"
#include "fakemodelserver.h"

#include <QSignalSpy>
#include <QString>
#include <QVariantMap>

namespace airlock::test {

inline constexpr int kConsoleTimeoutMs = 15000;

// The model form as a user fills it: "codestral-a" at the fake server.
inline QVariantMap consoleModelFields(const FakeModelServer &fake, const QString &apiKey = {})
{
    using namespace Qt::StringLiterals;
    return {{u"name"_s, u"codestral-a"_s},
            {u"family"_s, u"codestral"_s},
            {u"baseUrl"_s, fake.baseUrl().toString()},
            {u"identifier"_s, u"fake-model"_s},
            {u"apiKey"_s, apiKey},
            {u"maxConcurrency"_s, 8},
            {u"connectTimeoutMs"_s, 2000},
            {u"firstByteTimeoutMs"_s, 10000},
            {u"idleTimeoutMs"_s, 10000},
            {u"totalTimeoutMs"_s, 30000}};
}

// Issues a code-completion token through the console; empty on failure.
inline QString issueConsoleToken(ConsoleCore &core, const QString &subject)
{
    using namespace Qt::StringLiterals;
    TokensController *tokens = core.tokens();
    QSignalSpy issued(tokens, &TokensController::issuedTokenChanged);
    tokens->issue(subject, u"complete_code"_s, u"1d"_s, QString());
    if (!issued.wait(kConsoleTimeoutMs))
        return {};
    const QString token = tokens->issuedToken();
    tokens->dismissIssuedToken();
    return token;
}

} // namespace airlock::test
