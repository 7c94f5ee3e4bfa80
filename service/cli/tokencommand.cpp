#include "tokencommand.h"

#include "auth/authmodule.h"
#include "auth/signingkeys.h"
#include "auth/tokenstore.h"
#include "clioutput.h"
#include "platform/datadir.h"
#include "storage/database.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

#include <cstdio>

namespace airlock::cli {

int tokenCommand(const TokenArguments &arguments)
{
    const QStringList &positional = arguments.positional;
    const QString &dataDirOption = arguments.dataDir;
    const QString &subject = arguments.subject;
    const QString &scopes = arguments.scopes;
    const QString &ttl = arguments.ttl;
    const QString &description = arguments.description;
    const QString dataDir = dataDirOption.isEmpty() ? defaultDataDir() : dataDirOption;
    if (auto st = ensurePrivateDir(dataDir); !st)
        return fail(st.error().message);
    auto database = Database::open(dataDir);
    if (!database)
        return fail(database.error().message);
    auth::TokenStore store(**database);
    const QString verb = positional.value(1);
    const QString actor = QStringLiteral("cli@") + qEnvironmentVariable("USER", QStringLiteral("unknown"));
    if (verb == QLatin1String("issue")) {
        auth::TokenRequest request;
        request.subject = subject;
        request.scopes = scopes.split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (QString &s : request.scopes)
            s = s.trimmed();
        request.description = description;
        if (!ttl.isEmpty()) {
            auto parsed = auth::parseTtl(ttl);
            if (!parsed)
                return fail(QStringLiteral("--ttl: ") + parsed.error().message);
            request.ttlSeconds = *parsed;
        }
        if (auto st = request.validate(); !st)
            return fail(st.error().message + QStringLiteral(" (use --subject, --scopes a,b and --ttl)"));
        auto keys = auth::SigningKeyStore::open(dataDir);
        if (!keys)
            return fail(keys.error().message);
        auto issued = auth::issueClientToken(**keys, store, request, actor, QDateTime::currentSecsSinceEpoch());
        if (!issued)
            return fail(issued.error().message);
        (void)auth::AuditLog(**database).record(actor, QStringLiteral("token.issue"), issued->record.id, {},
                                                QJsonDocument(issued->record.toJson()).toJson(QJsonDocument::Compact));
        QTextStream out(stdout);
        out << issued->token << '\n';
        QTextStream(stderr) << "airlockd: token " << issued->record.id << " for " << issued->record.subject << " (scopes "
                            << issued->record.scopes.join(QLatin1Char(',')) << ") expires "
                            << QDateTime::fromSecsSinceEpoch(issued->record.expiresAt, Qt::UTC).toString(Qt::ISODate)
                            << "; it is shown only now.\n";
        return 0;
    }
    if (verb == QLatin1String("list")) {
        auto list = store.list();
        if (!list)
            return fail(list.error().message);
        QJsonArray tokens;
        for (const auth::IssuedToken &t : *list)
            tokens.append(t.toJson());
        const QByteArray json = QJsonDocument(tokens).toJson(QJsonDocument::Indented);
        std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
        return 0;
    }
    if (verb == QLatin1String("revoke") && positional.size() == 3) {
        auto done = store.revoke(positional.at(2), QDateTime::currentSecsSinceEpoch());
        const bool announced = done || done.error().code != QLatin1String("revocation_not_announced");
        if (!done && announced)
            return fail(done.error().message);
        if (!announced) { // stored, but a running gateway only sees it within 5 s
            (void)auth::AuditLog(**database).record(actor, QStringLiteral("token.revoke"), positional.at(2), {}, {});
            QTextStream(stderr) << "airlockd: " << done.error().message << '\n';
            return 1;
        }
        if (!*done)
            return fail(QStringLiteral("no token with id \"%1\"").arg(positional.at(2)));
        (void)auth::AuditLog(**database).record(actor, QStringLiteral("token.revoke"), positional.at(2), {}, {});
        QTextStream(stderr) << "airlockd: token " << positional.at(2) << " revoked\n";
        return 0;
    }
    return fail(QStringLiteral("usage: airlockd token issue --subject S --scopes a,b [--ttl 30d] | token list | token revoke ID"));
}

} // namespace airlock::cli
