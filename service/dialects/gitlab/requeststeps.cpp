#include "gitlabapiprivate.h"

#include "auth/authenticator.h"
#include "auth/jwt.h"
#include "featurecatalog.h"
#include "gitlabresponses.h"
#include "gitlabvalidator.h"
#include "jsonscanner.h"
#include "policy/featurepolicy.h"
#include "policy/requestpolicy.h"
#include "routing/supersederegistry.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QPointer>

namespace airlock::gitlab {

using http::ApiError;
using http::HttpExchange;
using http::HttpRequest;
using routing::ProxyJob;
using routing::ProxyOperation;
using routing::ResponseRelay;

std::optional<GitLabApi::Private::Prelude> GitLabApi::Private::begin(HttpExchange &exchange, bool parseBody)
{
    exchange.setProcessTimeHeader(true);
    const HttpRequest &request = exchange.request();
    RequestRecord &record = exchange.record();
    record.dialect = QStringLiteral("gitlab");
    record.userId = QString::fromUtf8(request.header("x-gitlab-global-user-id"));
    record.instanceId = QString::fromUtf8(request.header("x-gitlab-instance-id"));
    record.realm = QString::fromUtf8(request.header("x-gitlab-realm"));
    record.hostName = QString::fromUtf8(request.header("x-gitlab-host-name"));
    record.gitlabVersion = QString::fromUtf8(request.header("x-gitlab-version"));
    record.clientVersion = QString::fromUtf8(request.header("x-gitlab-language-server-version"));
    // record.captureBodies was decided by the exchange (admin setting or the request's
    // `expanded_ai_logging` flag): never overwrite it here.

    Prelude prelude;
    prelude.snapshot = services.config->current();
    if (services.auth) {
        QElapsedTimer timer;
        timer.start();
        auto principal = services.auth->authenticate(request, auth::Dialect::GitLab);
        record.authMs = timer.nsecsElapsed() / 1e6;
        if (!principal) {
            record.errorCode = principal.error().code;
            record.errorMessage = principal.error().message;
            const int status = auth::statusFor(principal.error());
            if (const int seconds = auth::retryAfterSeconds(principal.error()))
                exchange.addResponseHeader("Retry-After", QByteArray::number(seconds));
            if (status == 401)
                respondJson(
                    exchange, 401, QJsonObject { { QStringLiteral("error"), principal.error().message } });
            else
                respondDetail(exchange, status, principal.error().message, principal.error().code);
            return std::nullopt;
        }
        prelude.principal = *principal;
        if (!principal->subject.isEmpty() && record.userId.isEmpty())
            record.userId = principal->subject;
        record.tokenIssuer = principal->issuer;
        record.tokenId = principal->tokenId;
    } else {
        prelude.principal.anonymous = true;
    }
    if (!parseBody)
        return prelude;
    const auto scan = scanJson(request.body);
    if (!scan) {
        GitLabValidator v;
        v.add({}, QStringLiteral("json_invalid"),
            QStringLiteral("JSON decode error: %1").arg(scan.error().message));
        respondValidation(exchange, v);
        return std::nullopt;
    }
    if (scan->rootType != JsonType::Object) {
        GitLabValidator v;
        v.add({}, QStringLiteral("model_attributes_type"),
            QStringLiteral("Input should be a valid dictionary or object to extract fields from"));
        respondValidation(exchange, v);
        return std::nullopt;
    }
    prelude.body = QJsonDocument::fromJson(request.body).object();
    return prelude;
}

const routing::EndpointRuntime *GitLabApi::Private::authorizeAndRoute(HttpExchange &exchange,
    Prelude &prelude, const QString &feature, const QString &scopeMessage, const ModelDetails &details)
{
    exchange.record().feature = feature;
    if (!scopeAllows(prelude.principal, feature)) {
        respondDetail(exchange, 403, scopeMessage, QStringLiteral("insufficient_scope"));
        return nullptr;
    }
    auto cleared = policy::authorize(*prelude.snapshot, feature,
        policy::parseNamespaceIdsHeader(exchange.request().header("x-gitlab-feature-enabled-by-namespace-ids")));
    if (!cleared) {
        respondDetail(exchange, 403, cleared.error().message, cleared.error().code);
        return nullptr;
    }
    prelude.clearance = std::move(cleared).value();
    const Routed routed = routeFeature(*prelude.snapshot, feature, details);
    if (!routed.endpoint) {
        respondDetail(exchange, routed.status, routed.detail, routed.code);
        return nullptr;
    }
    return routed.endpoint;
}

bool GitLabApi::Private::isUserAccessToken(const Principal &principal)
{
    return !principal.anonymous && principal.issuer == auth::kSelfIssuer
        && (!principal.realm.isEmpty() || !principal.instanceId.isEmpty());
}

std::optional<prompts::TemplateOverride> GitLabApi::Private::overrideFor(
    const routing::ConfigSnapshot &snapshot, const routing::EndpointRuntime &endpoint, const QString &feature)
{
    if (const QString *text = snapshot.promptOverride(endpoint.endpoint.name, feature))
        return prompts::TemplateOverride { *text };
    return std::nullopt;
}

std::optional<GitLabApi::Private::Prepared> GitLabApi::Private::prepareFirst(
    HttpExchange &exchange, const Builder &build, const routing::EndpointRuntime &endpoint)
{
    auto prepared = build(endpoint);
    if (!prepared) {
        respondDetail(exchange, 422, prepared.error().message, prepared.error().code);
        return std::nullopt;
    }
    return std::move(*prepared);
}

namespace {

routing::UpstreamApi upstreamApiOf(const prompts::BuiltRequest &built)
{
    return built.api == prompts::BuiltRequest::Api::Completions ? routing::UpstreamApi::Completions
                                                                : routing::UpstreamApi::ChatCompletions;
}

} // namespace

void GitLabApi::Private::start(std::unique_ptr<HttpExchange> exchange, const Prelude &prelude,
    const routing::EndpointRuntime *endpoint, Prepared first, Builder build, bool stream,
    const QByteArray &supersedeKey)
{
    if (!prelude.clearance) {
        // A handler that did not pass the policy step: a defect, refused rather than relayed.
        respondDetail(*exchange, 500, QStringLiteral("the request did not pass the policy step"),
            QStringLiteral("policy_not_checked"));
        return;
    }
    const prompts::BuiltRequest &built = first.built;
    ProxyJob job;
    // Register first: a superseded request must be cancellable from the moment it exists.
    routing::SupersedeRegistry::Entered entered;
    auto pending = std::make_shared<QPointer<ProxyOperation>>();
    if (!supersedeKey.isEmpty() && shared.supersede) {
        entered = shared.supersede->enter(supersedeKey, &context, [pending] {
            if (*pending)
                (*pending)->cancel(ApiError::make(200, QStringLiteral("superseded"),
                    QStringLiteral("a newer completion request for the same file replaced this one")));
        });
        // Inside a typing burst the next keystroke is likely before the model could answer: wait a
        // little, so that a superseded request never reaches the model server at all.
        if (shared.burstDebounceMs > 0 && entered.msSincePrevious >= 0
            && entered.msSincePrevious < shared.burstWindowMs)
            job.startDelayMs = shared.burstDebounceMs;
    }
    job.snapshot = prelude.snapshot;
    job.authLease = prelude.principal.lease; // per-user/per-token places held until the response ends
    job.feature = exchange->record().feature;
    job.affinityKey = supersedeKey; // user and file: the same replica's prefix cache
    job.endpoint = endpoint;
    job.api = upstreamApiOf(built);
    job.plan = prelude.snapshot->featurePlan(job.feature);
    if (build && job.plan) {
        // A fallback endpoint of the route gets its own family's prompt and relay.
        job.prepare = [build = std::move(build)](
                          const routing::EndpointRuntime &next) -> std::optional<routing::PreparedRequest> {
            auto prepared = build(next);
            if (!prepared)
                return std::nullopt;
            return routing::PreparedRequest { upstreamApiOf(prepared->built), std::move(prepared->built.body),
                std::move(prepared->relay) };
        };
    }
    job.body = built.body;
    job.stream = stream;
    if (exchange->record().captureBodies)
        exchange->record().promptBody = built.prompt.toUtf8().left(kMaxCapturedBodyBytes);
    const QPointer<ProxyOperation> op = ProxyOperation::start(
        std::move(exchange), *prelude.clearance, std::move(job), services.client, std::move(first.relay), services.observer);
    if (!entered.ticket)
        return;
    *pending = op;
    const auto leave = [registry = shared.supersede, supersedeKey, ticket = entered.ticket] {
        registry->leave(supersedeKey, ticket);
    };
    if (!op)
        leave();
    else
        QObject::connect(op, &QObject::destroyed, &context, leave);
}

} // namespace airlock::gitlab
