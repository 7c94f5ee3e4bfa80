// Latency targets of the data path and the request log, as percentiles over many trials.
//
// The tests prove that each of these is driven by its cause (and not by a timeout); this benchmark
// measures how fast, against an in-process gateway (2 workers) and a fake model server on loopback:
//   cancel-before-head  a client leaves while the model server has not answered: client gone ->
//                       the model server sees its request aborted                  (target 100 ms)
//   cancel-mid-stream   the same while the answer streams (a chunk every 20 ms)   (target 100 ms)
//   live-log            a request is answered -> its record arrives on a live-log WebSocket on the
//                       admin listener                                              (target 200 ms)
// Prints p50/p95/p99/max per measure and target / p99 (>= 1 meets the target at p99).
//
//   bench_latency [--trials 200]

#include "benchgateway.h"
#include "fakemodelserver.h"
#include "gateway.h"
#include "testhttpclient.h"
#include "testtiming.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QTemporaryDir>
#include <QTextStream>
#include <QWebSocket>

#include <map>

using namespace airlock;
using namespace airlock::test;

namespace {

HttpRequest chatRequest(bool stream, const QByteArray &requestId)
{
    HttpRequest request = HttpRequest::post("/v1/chat/completions",
                                            QByteArray("{\"model\":\"code_completions\",\"stream\":") + (stream ? "true" : "false")
                                                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    request.withHeader("X-Request-ID", requestId);
    return request;
}

// One cancellation trial: send, wait until the model server holds the request (and, mid-stream, until
// two events reached the client), leave, and time the abort the model server records.
std::optional<double> cancelOnce(quint16 port, FakeModelServer &fake, bool midStream, int trial)
{
    const qsizetype abortsBefore = fake.abortedRequests().size();
    TestHttpClient client(port);
    client.sendRequest(chatRequest(midStream, "cancel-" + QByteArray::number(trial)));
    if (midStream ? !client.waitForEvents(2, 10000) : !waitUntil([&] { return fake.inFlight() == 1; }, 10000))
        return std::nullopt;
    client.abort();
    if (!fake.waitForAborts(int(abortsBefore) + 1, 10000))
        return std::nullopt;
    const double ms = msBetween(client.abortedAt(), fake.abortedRequests().constLast().abortedAt);
    waitUntil([&] { return fake.inFlight() == 0; }, 5000);
    return ms;
}

QList<double> liveLogTrials(quint16 port, quint16 adminPort, int trials)
{
    QWebSocket socket;
    std::map<QString, TimePoint> arrived;
    bool hello = false;
    QObject::connect(&socket, &QWebSocket::textMessageReceived, [&](const QString &text) {
        const TimePoint at = now();
        const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
        if (message.value(QStringLiteral("type")).toString() == QStringLiteral("hello"))
            hello = true;
        for (const QJsonValue &record : message.value(QStringLiteral("records")).toArray())
            arrived.emplace(record.toObject().value(QStringLiteral("request_id")).toString(), at);
    });
    QNetworkRequest request(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/logs/live").arg(adminPort)));
    request.setRawHeader("Authorization", "Bearer " + QByteArray(kBenchAdminToken));
    socket.open(request);
    if (!waitUntil([&] { return hello; }, 10000))
        qFatal("live log: no hello from the admin listener");

    QList<double> latencies;
    TestHttpClient client(port);
    for (int i = 0; i < trials; ++i) {
        const QString id = QStringLiteral("live-%1").arg(i);
        client.sendRequest(chatRequest(false, id.toLatin1()));
        if (!waitUntil([&] { return client.completedResponses() == i + 1; }, 10000))
            qFatal("live log: request %d got no answer", i);
        const TimePoint answered = client.responses().at(i).finishedAt;
        if (!waitUntil([&] { return arrived.count(id) == 1; }, 10000))
            qFatal("live log: the record of request %d never arrived", i);
        latencies.append(msBetween(answered, arrived.at(id)));
    }
    return latencies;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption trialsOption(QStringLiteral("trials"), QStringLiteral("Trials per measure."), QStringLiteral("N"),
                                          QStringLiteral("200"));
    parser.addOption(trialsOption);
    parser.process(app);
    const int trials = qMax(1, parser.value(trialsOption).toInt());

    FakeModelServer fake;
    QTemporaryDir dir;
    const auto gatewayOwner = startBenchGateway(dir.path(), fake);
    Gateway &gateway = *gatewayOwner;
    const quint16 port = gateway.gatewayAddress().port;

    QTextStream out(stdout);
    auto report = [&](const char *name, const QList<double> &ms, double targetMs) {
        const double p99 = percentile(ms, 0.99);
        out << qSetFieldWidth(20) << Qt::left << name << qSetFieldWidth(0) << " n " << ms.size() << "  p50 "
            << QString::number(percentile(ms, 0.5), 'f', 1) << " ms  p95 " << QString::number(percentile(ms, 0.95), 'f', 1)
            << " ms  p99 " << QString::number(p99, 'f', 1) << " ms  max " << QString::number(percentile(ms, 1.0), 'f', 1)
            << " ms  target " << targetMs << " ms  target/p99 " << QString::number(targetMs / qMax(p99, 0.001), 'f', 1)
            << Qt::endl;
    };
    auto cancelTrials = [&](bool midStream) {
        fake.setDefaultBehavior(midStream ? FakeBehavior::answer(1000, 20) : FakeBehavior::hang());
        QList<double> ms;
        for (int i = 0; i < trials; ++i) {
            const auto one = cancelOnce(port, fake, midStream, i);
            if (!one)
                qFatal("cancellation trial %d: the model server never saw the request or its abort", i);
            ms.append(*one);
        }
        return ms;
    };

    out << "latency: " << trials << " trials per measure, gateway with 2 workers, loopback" << Qt::endl;
    report("cancel-before-head", cancelTrials(false), 100);
    report("cancel-mid-stream", cancelTrials(true), 100);
    fake.setDefaultBehavior(FakeBehavior::answer(3, 0));
    report("live-log", liveLogTrials(port, gateway.adminAddress().port, trials), 200);
    gateway.stop();
    return 0;
}
