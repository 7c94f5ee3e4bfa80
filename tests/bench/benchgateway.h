#pragma once

// The gateway the benchmarks measure: in-process, 2 workers, listeners on 127.0.0.1 port 0, auth off,
// a known admin token, its data in `dataDir`, and one Codestral endpoint at `fake` serving
// code_completions. `tweak` adjusts the options before start. Exits the benchmark on any error.

#include "fakemodelserver.h"
#include "gateway.h"

#include <functional>
#include <memory>

namespace airlock::test {

inline constexpr char kBenchAdminToken[] = "bench-admin-token";

inline std::unique_ptr<Gateway> startBenchGateway(const QString &dataDir, const FakeModelServer &fake,
                                                  const std::function<void(GatewayOptions &)> &tweak = {})
{
    GatewayOptions options;
    options.dataDir = dataDir;
    options.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    options.adminListen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    options.workers = 2;
    options.adminToken = QString::fromLatin1(kBenchAdminToken);
    options.authMode = QStringLiteral("disabled");
    if (tweak)
        tweak(options);
    auto gateway = std::make_unique<Gateway>(options);
    if (auto st = gateway->start(); !st)
        qFatal("gateway: %s", qPrintable(st.error().message));
    GatewayConfig config;
    ModelEndpoint model;
    model.name = QStringLiteral("codestral");
    model.family = ModelFamily::Codestral;
    model.baseUrl = fake.baseUrl();
    model.identifier = QStringLiteral("codestral-22b");
    config.models.append(model);
    config.features.insert(QStringLiteral("code_completions"), model.name);
    if (auto st = gateway->applyConfig(config); !st)
        qFatal("config: %s", qPrintable(st.error().message));
    return gateway;
}

} // namespace airlock::test
