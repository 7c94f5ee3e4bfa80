#include "completioncaching.h"

#include "dialects/common/cacheowner.h"
#include "principal.h"
#include "routing/configsnapshot.h"

namespace airlock::openai {

bool answerFromCache(http::HttpExchange &exchange, routing::CompletionCache &cache, const routing::ProxyJob &job,
                     const Principal *principal, QByteArray *key)
{
    key->clear();
    if (!job.endpoint)
        return false;
    // The OpenAI API has no user header: without authentication there is no user to scope by.
    const auto owner = dialects::cacheOwner(cache.scope(), principal, QString());
    if (!owner)
        return false;
    const ModelEndpoint &model = job.endpoint->endpoint;
    *key = routing::CompletionCache::KeyBuilder()
               .add(QStringView(*owner))
               .add(QStringView(model.name))
               .add(QStringView(model.identifier))
               .add(QByteArrayView(job.body))
               .result();
    auto hit = cache.find(*key);
    if (!hit) {
        exchange.addResponseHeader(routing::kCacheHeader, "miss");
        return false;
    }
    RequestRecord &record = exchange.record();
    record.cached = true;
    record.modelEndpoint = model.name;
    record.modelIdentifier = model.identifier;
    record.promptTokens = hit->promptTokens;
    record.answerTokens = hit->completionTokens;
    exchange.addResponseHeader(routing::kCacheHeader, "hit");
    exchange.respond(200, hit->contentType, hit->body);
    return true;
}

void storeAnswer(routing::CompletionCache &cache, const QByteArray &key, const RequestRecord &record,
                 const QByteArray &contentType, const QByteArray &body)
{
    if (key.isEmpty())
        return;
    cache.insert(key, {body, contentType.isEmpty() ? QByteArrayLiteral("application/json") : contentType,
                       record.promptTokens, record.answerTokens});
}

} // namespace airlock::openai
