#pragma once

// POST /api/v1/models/test: whether a model endpoint (as the admin typed it, or as stored) would serve.
// Steps, in order; each has a `status` (ok, failed, skipped, warning) and a `message`:
//   reachable   a TCP connection to the base URL's host and port;
//   tls         (https only) the handshake and the certificate;
//   models      GET <api root>/models. Not HTTP/JSON (an HTML login page of a proxy, a wrong port, a
//               redirect): failed, naming what came back. 404/405 or an empty list: skipped (llama.cpp and
//               TGI accept any model name and may list none). A list without the configured identifier:
//               warning, naming what it lists. Never blocks the next step;
//   completion  a real minimal completion (chat or completions API, by the family's defaults) with the
//               configured identifier. It decides the outcome: `ok` is true when every step before it
//               passed and it did.
// Only a failed reachable/tls step skips the steps after it. Each step also carries the older fields
// the console read before `status` existed: `ok` (ok or warning), `skipped`, `detail` (= message), `ms`.

#include "http/httpexchange.h"
#include "modelendpoint.h"

#include <memory>

class QNetworkAccessManager;

namespace airlock::admin {

// Runs the test and answers `exchange` with {"ok": bool, "steps": [...]}; owns itself (deleted when it
// has answered or the client left). `completionApi` is "chat" or "completions". On the thread of `network`.
void startModelTest(std::unique_ptr<http::HttpExchange> exchange, ModelEndpoint endpoint, QString completionApi,
                    QNetworkAccessManager *network);

} // namespace airlock::admin
