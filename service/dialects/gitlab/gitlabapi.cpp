#include "gitlabapi.h"

#include "gitlabapiprivate.h"
#include "gitlabresponses.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcGitLab, "airlock.http.gitlab", QtWarningMsg)

namespace airlock::gitlab {

using http::FallbackWriter;
using http::GatewayServer;
using http::HttpExchange;
using dialects::WorkerServices;

GitLabApi::GitLabApi(const WorkerServices &services, const GitLabShared &shared)
    : d(std::make_unique<Private>())
{
    d->services = services;
    d->shared = shared;
}

GitLabApi::~GitLabApi() = default;

void GitLabApi::registerRoutes(GatewayServer &server)
{
    using Format = SuggestionContext::Format;
    Private *p = d.get();
    server.addRoute("POST", "/v2/code/completions",
                    [p](std::unique_ptr<HttpExchange> e) { p->suggestions(std::move(e), false, Format::Json); });
    server.addRoute("POST", "/v2/completions",
                    [p](std::unique_ptr<HttpExchange> e) { p->suggestions(std::move(e), false, Format::Json); });
    server.addRoute("POST", "/v2/code/generations",
                    [p](std::unique_ptr<HttpExchange> e) { p->suggestions(std::move(e), true, Format::Json); });
    server.addRoute("POST", "/v3/code/completions",
                    [p](std::unique_ptr<HttpExchange> e) { p->componentSuggestions(std::move(e), false); });
    server.addRoute("POST", "/v4/code/suggestions", [p](std::unique_ptr<HttpExchange> e) {
        const QJsonObject body = QJsonDocument::fromJson(e->request().body).object();
        // GitLab's body (prompt_components); the /v2 body (current_file) is still served as before.
        if (body.contains(QStringLiteral("prompt_components")) || !body.contains(QStringLiteral("current_file"))) {
            p->componentSuggestions(std::move(e), true);
            return;
        }
        // The /v2 body's SSE variant serves generations when the request carries an instruction.
        const bool generation = body.value(QStringLiteral("intent")).toString() == QLatin1String("generation")
            || body.value(QStringLiteral("prompt_id")).toString() == QLatin1String("code_suggestions/generations");
        p->suggestions(std::move(e), generation, Format::Sse);
    });
    server.addPrefixRoute("POST", "/v1/chat/", [p](std::unique_ptr<HttpExchange> e) { p->chat(std::move(e)); });
    server.addRoute("POST", "/v2/chat/agent", [p](std::unique_ptr<HttpExchange> e) { p->agent(std::move(e)); });
    server.addRoute("POST", "/v1/x-ray/libraries", [p](std::unique_ptr<HttpExchange> e) { p->xray(std::move(e)); });
    server.addPrefixRoute("POST", "/v1/prompts/", [p](std::unique_ptr<HttpExchange> e) { p->prompt(std::move(e)); });
    server.addRoute("GET", "/monitoring/healthz", [p](std::unique_ptr<HttpExchange> e) { p->healthz(std::move(e)); });
    server.addRoute("GET", "/monitoring/ready", [p](std::unique_ptr<HttpExchange> e) { p->ready(std::move(e)); });

    const FallbackWriter gitlabFallback = [](HttpExchange &e, int status, const QByteArrayList &) {
        e.setProcessTimeHeader(true);
        respondDetail(e, status, status == 404 ? QStringLiteral("Not Found") : QStringLiteral("Method Not Allowed"));
    };
    for (const char *prefix : {"/v1/chat/", "/v1/prompts/", "/v1/code/", "/v1/x-ray/", "/v2/", "/v3/", "/v4/", "/monitoring/"})
        server.setFallback(prefix, gitlabFallback);
}

} // namespace airlock::gitlab
