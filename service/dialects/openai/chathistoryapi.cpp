#include "chathistoryapi.h"

#include "auth/authenticator.h"
#include "dialects/common/chatcapture.h"
#include "featurecatalog.h"
#include "http/gatewayserver.h"
#include "logging/chathistory.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>

#include <unordered_map>

namespace airlock::openai {

using logging::ChatHistory;
using logging::ChatMessage;

using http::ApiError;
using http::HttpExchange;

namespace {

// Any scope that allows one of the chat features lets its holder read their own history.
bool hasChatScope(const Principal &principal)
{
    for (const Feature &feature : FeatureCatalog::instance().features()) {
        if (feature.chat && scopeAllows(principal, feature.id))
            return true;
    }
    return false;
}

QByteArray historyBody(const QList<ChatMessage> &messages)
{
    QJsonArray list;
    for (const ChatMessage &m : messages) {
        list.append(QJsonObject{
            {QStringLiteral("role"), m.role},
            {QStringLiteral("content"), m.content},
            {QStringLiteral("created_at"), QDateTime::fromMSecsSinceEpoch(m.createdMs, Qt::UTC).toString(Qt::ISODateWithMs)}});
    }
    return QJsonDocument(QJsonObject{{QStringLiteral("messages"), list}}).toJson(QJsonDocument::Compact);
}

const http::HeaderPairs kNoStore{{"Cache-Control", "no-store"}};

void refuse(HttpExchange &exchange, const ApiError &error)
{
    exchange.addResponseHeader("Cache-Control", "no-store");
    exchange.respondError(error);
}

} // namespace

struct ChatHistoryApi::Private
{
    auth::Authenticator *auth = nullptr;
    ChatHistory *history = nullptr;
    QObject context; // this thread's target for the history's answers
    // Exchanges waiting for their history, by ticket (answers refer to the ticket only, so an answer
    // that arrives after this object is gone touches nothing).
    std::unordered_map<quint64, std::unique_ptr<HttpExchange>> pending;
    quint64 nextTicket = 1;

    void read(std::unique_ptr<HttpExchange> exchange)
    {
        RequestRecord &record = exchange->record();
        record.dialect = QStringLiteral("airlock");
        if (!auth) {
            refuse(*exchange, ApiError::make(403, QStringLiteral("no_user_identity"),
                                             QStringLiteral("chat history needs an authenticated user, and client "
                                                            "authentication is disabled on this gateway (--auth disabled)")));
            return;
        }
        QElapsedTimer timer;
        timer.start();
        auto principal = auth->authenticate(exchange->request(), auth::Dialect::GitLab);
        record.authMs = timer.nsecsElapsed() / 1e6;
        if (!principal) {
            record.errorCode = principal.error().code;
            const int status = auth::statusFor(principal.error());
            if (const int seconds = auth::retryAfterSeconds(principal.error()))
                exchange->addResponseHeader("Retry-After", QByteArray::number(seconds));
            else if (status == 401)
                exchange->addResponseHeader("WWW-Authenticate", "Bearer");
            refuse(*exchange, ApiError::make(status, principal.error().code, principal.error().message));
            return;
        }
        record.userId = principal->subject;
        record.tokenIssuer = principal->issuer;
        record.tokenId = principal->tokenId;
        if (!hasChatScope(*principal)) {
            refuse(*exchange, ApiError::make(403, QStringLiteral("insufficient_scope"),
                                             QStringLiteral("reading chat history needs a chat scope (duo_chat)")));
            return;
        }
        const QString owner = dialects::chatHistoryOwner(*principal);
        if (owner.isEmpty()) {
            refuse(*exchange, ApiError::make(403, QStringLiteral("no_user_identity"),
                                             QStringLiteral("the token identifies no user (a GitLab instance token needs "
                                                            "the X-Gitlab-Global-User-Id header)")));
            return;
        }
        if (!history) {
            refuse(*exchange, ApiError::make(404, QStringLiteral("chat_history_off"),
                                             QStringLiteral("this gateway keeps no chat history (the request log is off)")));
            return;
        }
        const quint64 ticket = nextTicket++;
        pending.emplace(ticket, std::move(exchange));
        history->read(owner, &context, [this, ticket](Result<QList<ChatMessage>> result) {
            const auto it = pending.find(ticket);
            if (it == pending.end())
                return;
            std::unique_ptr<HttpExchange> e = std::move(it->second);
            pending.erase(it);
            if (!result) {
                e->record().errorMessage = result.error().message;
                refuse(*e, ApiError::make(503, QStringLiteral("chat_history_unavailable"),
                                          QStringLiteral("the chat history cannot be read now: %1").arg(result.error().message)));
                return;
            }
            e->respond(200, "application/json", historyBody(*result), kNoStore);
        });
    }
};

ChatHistoryApi::ChatHistoryApi(auth::Authenticator *auth, ChatHistory *history)
    : d(std::make_unique<Private>())
{
    d->auth = auth;
    d->history = history;
}

ChatHistoryApi::~ChatHistoryApi() = default;

void ChatHistoryApi::registerRoutes(http::GatewayServer &server)
{
    Private *p = d.get();
    server.addRoute("GET", "/v1/chat/history", [p](std::unique_ptr<HttpExchange> e) { p->read(std::move(e)); });
}

} // namespace airlock::openai
