#pragma once

// The exact-match completion cache (routing/completioncache.h) on OpenAI's POST /v1/completions, when
// the client asks for a whole answer (no "stream": true). The key is the cache owner (the scope's
// dialects/common/cacheowner.h), the model endpoint's name and identifier and the request body as it
// goes upstream; the entry is the model server's 2xx answer as it was relayed, so a hit replays it byte
// for byte. Looked-up answers carry `x-airlock-cache: hit` or `miss`; requests the cache does not serve
// (streamed, no user in the user scope) carry no such header.

#include "http/httpexchange.h"
#include "routing/completioncache.h"
#include "routing/proxyoperation.h"

namespace airlock {
struct Principal;
}

namespace airlock::openai {

// True when the cache answered (the response is sent). Otherwise `*key` is the key to store the answer
// under (empty: this request is not cached) and a miss was marked on the response.
bool answerFromCache(http::HttpExchange &exchange, routing::CompletionCache &cache, const routing::ProxyJob &job,
                     const Principal *principal, QByteArray *key);

// Stores a relayed whole 2xx answer.
void storeAnswer(routing::CompletionCache &cache, const QByteArray &key, const RequestRecord &record,
                 const QByteArray &contentType, const QByteArray &body);

} // namespace airlock::openai
