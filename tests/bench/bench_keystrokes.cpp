// Keystroke replay: how much model-server time goes into completions nobody waits for.
//
// A trace of 200 keystrokes at 80-250 ms intervals (fixed seed) sends one GitLab completion request per
// keystroke for the same user and file, as an IDE does, against a fake model that takes 300 ms. The
// IDE only uses an answer that arrives before the next keystroke; every other answer is wasted work.
// Runs the trace twice in one process on the same machine: through Airlock as configured by default
// (supersede-cancellation + typing-burst debounce), and through Airlock as a plain pass-through
// (both off, cache off), like GitLab's own gateway. Prints the upstream time spent on unused answers
// for each, their ratio, and p50/p90 latency of the answers that were used.
//
//   bench_keystrokes [--keystrokes 200] [--model-ms 300] [--seed 7] [--pause-every 20]
//
// --pause-every N inserts a 1.2 s pause after every N keystrokes (a developer reading the suggestion),
// so that some answers are used; 0 gives one uninterrupted burst.

#include "benchgateway.h"
#include "fakemodelserver.h"
#include "gateway.h"
#include "testhttpclient.h"
#include "testtiming.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <map>

using namespace airlock;
using namespace airlock::test;

namespace {

struct TraceResult
{
    double wastedMs = 0;   // upstream time on answers nobody used
    double usefulMs = 0;   // upstream time on answers that were used
    int upstreamRequests = 0;
    int used = 0;
    QList<double> usedLatencies;
};

QJsonObject completionBody(const QString &above)
{
    return QJsonObject{{QStringLiteral("prompt_version"), 2},
                       {QStringLiteral("current_file"),
                        QJsonObject{{QStringLiteral("file_name"), QStringLiteral("src/service.py")},
                                    {QStringLiteral("language_identifier"), QStringLiteral("python")},
                                    {QStringLiteral("content_above_cursor"), above},
                                    {QStringLiteral("content_below_cursor"), QStringLiteral("\n")}}}};
}

TraceResult runTrace(bool airlockFeatures, const QList<int> &intervals, int modelMs)
{
    FakeModelServer fake;
    fake.setDefaultBehavior(FakeBehavior::answer(1, 0, modelMs));

    QTemporaryDir dir;
    const auto gatewayOwner = startBenchGateway(dir.path(), fake, [&](GatewayOptions &options) {
        options.completion.supersede = airlockFeatures;
        options.completion.burstDebounceMs = airlockFeatures ? options.completion.burstDebounceMs : 0;
        options.completion.cacheEntries = 0; // every keystroke has a new prefix anyway; keep the comparison clean
    });
    Gateway &gateway = *gatewayOwner;

    // Upstream time per request, as the model server saw it: arrival to completion or abort.
    std::map<quint64, TimePoint> arrived;
    double upstreamTotal = 0;
    std::map<quint64, double> upstreamTime;
    QObject::connect(&fake, &FakeModelServer::requestReceived, [&](const RecordedRequest &r) { arrived[r.id] = r.arrivedAt; });
    QObject::connect(&fake, &FakeModelServer::requestCompleted, [&](quint64 id) {
        upstreamTime[id] = msBetween(arrived[id], now());
    });
    QObject::connect(&fake, &FakeModelServer::requestAborted, [&](const AbortedRequest &a) {
        upstreamTime[a.requestId] = msBetween(arrived[a.requestId], a.abortedAt);
    });

    const quint16 port = gateway.gatewayAddress().port;
    std::vector<std::unique_ptr<TestHttpClient>> clients;
    std::vector<TimePoint> sentAt;
    const QString base = QStringLiteral("def handle_request(request):\n    ");
    QString typed = base;
    const QString alphabet = QStringLiteral("return request.json()['payload'] if request else None ");
    for (qsizetype i = 0; i < intervals.size(); ++i) {
        typed += alphabet.at(i % alphabet.size());
        auto client = std::make_unique<TestHttpClient>(port);
        HttpRequest request = HttpRequest::postJson("/v2/code/completions", completionBody(typed));
        request.withHeader("X-Gitlab-Global-User-Id", "developer-1").withHeader("X-Gitlab-Realm", "self-managed");
        client->sendRequest(request);
        sentAt.push_back(now());
        clients.push_back(std::move(client));
        spinFor(intervals.at(i));
    }
    waitUntil([&] { return std::all_of(clients.begin(), clients.end(), [](const auto &c) { return c->completedResponses() == 1 || c->isClosed(); }); },
              30000);
    waitUntil([&] { return fake.inFlight() == 0; }, 5000);

    TraceResult result;
    // An answer is used when it arrived, with a suggestion, before the next keystroke.
    std::vector<bool> used(clients.size(), false);
    for (size_t i = 0; i < clients.size(); ++i) {
        const auto &c = clients[i];
        if (c->completedResponses() != 1)
            continue;
        const HttpResponse &r = c->responses().at(0);
        const TimePoint next = i + 1 < sentAt.size() ? sentAt[i + 1] : TimePoint::max();
        if (!r.json().value(QStringLiteral("choices")).toArray().isEmpty() && r.finishedAt <= next) {
            used[i] = true;
            ++result.used;
            result.usedLatencies.append(msBetween(sentAt[i], r.finishedAt));
        }
    }
    // Each upstream request belongs to the keystroke whose prefix its prompt ends with; prefixes grow by
    // one character per keystroke, so the prefix length identifies it.
    const QList<RecordedRequest> requests = fake.requests();
    result.upstreamRequests = int(requests.size());
    for (const RecordedRequest &up : requests) {
        const double t = upstreamTime.count(up.id) ? upstreamTime[up.id] : 0;
        upstreamTotal += t;
        const QString prompt = up.json().value(QStringLiteral("prompt")).toString();
        const qsizetype at = prompt.lastIndexOf(QStringLiteral("[PREFIX]"));
        const qsizetype index = at < 0 ? -1 : prompt.size() - (at + 8) - base.size() - 1;
        if (index >= 0 && size_t(index) < used.size() && used[size_t(index)])
            result.usefulMs += t;
        else
            result.wastedMs += t;
    }
    Q_UNUSED(upstreamTotal);
    gateway.stop();
    return result;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption keystrokesOption(QStringLiteral("keystrokes"), QStringLiteral("Keystrokes."), QStringLiteral("N"), QStringLiteral("200"));
    const QCommandLineOption modelOption(QStringLiteral("model-ms"), QStringLiteral("Model latency."), QStringLiteral("MS"), QStringLiteral("300"));
    const QCommandLineOption seedOption(QStringLiteral("seed"), QStringLiteral("Trace seed."), QStringLiteral("N"), QStringLiteral("7"));
    const QCommandLineOption pauseOption(QStringLiteral("pause-every"), QStringLiteral("Pause after every N keystrokes (0: none)."),
                                         QStringLiteral("N"), QStringLiteral("20"));
    parser.addOptions({keystrokesOption, modelOption, seedOption, pauseOption});
    parser.process(app);
    const int keystrokes = parser.value(keystrokesOption).toInt();
    const int modelMs = parser.value(modelOption).toInt();
    const int pauseEvery = parser.value(pauseOption).toInt();

    QRandomGenerator random(parser.value(seedOption).toUInt());
    QList<int> intervals;
    for (int i = 0; i < keystrokes; ++i) {
        const bool pause = pauseEvery > 0 && (i + 1) % pauseEvery == 0;
        intervals.append(pause ? 1200 : 80 + int(random.bounded(171)));
    }

    QTextStream out(stdout);
    const TraceResult plain = runTrace(false, intervals, modelMs);
    const TraceResult airlock = runTrace(true, intervals, modelMs);
    auto line = [&](const char *name, const TraceResult &r) {
        out << qSetFieldWidth(14) << Qt::left << name << qSetFieldWidth(0) << " upstream requests " << r.upstreamRequests
            << ", wasted " << QString::number(r.wastedMs / 1000.0, 'f', 2) << " s, useful "
            << QString::number(r.usefulMs / 1000.0, 'f', 2) << " s, used answers " << r.used << ", latency p50 "
            << QString::number(percentile(r.usedLatencies, 0.5), 'f', 0) << " ms p90 "
            << QString::number(percentile(r.usedLatencies, 0.9), 'f', 0) << " ms\n";
    };
    out << "keystroke replay: " << keystrokes << " keystrokes at 80-250 ms" << (pauseEvery ? QStringLiteral(", a 1.2 s pause every %1").arg(pauseEvery) : QString())
        << ", model " << modelMs << " ms\n";
    line("pass-through", plain);
    line("airlock", airlock);
    const double ratio = plain.wastedMs > 0 ? airlock.wastedMs / plain.wastedMs : 0;
    out << "wasted upstream time, airlock / pass-through: " << QString::number(ratio, 'f', 3) << " (target <= 0.25)\n";
    out.flush();
    return 0;
}
