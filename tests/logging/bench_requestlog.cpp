// 10 M-row benchmark of the request log: fills a store through the writer's own insert path
// (RequestLogStore::insertBatch: rows, rollups, daily users) and times the console's queries.
//
//   bench_requestlog [--rows N] [--dir PATH] [--keep]
//
// Not run by ctest by default (label "bench"). Prints one line per query: median and max of 7 runs.

#include "logging/requestlogstore.h"
#include "storage/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>
#include <functional>

using namespace airlock;
using namespace airlock::logging;

namespace {

QTextStream out(stdout);

void report(const QString &name, const std::function<bool()> &query, int runs = 7)
{
    QList<double> ms;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer t;
        t.start();
        if (!query()) {
            out << name << ": FAILED\n" << Qt::flush;
            return;
        }
        ms.append(t.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    out << QStringLiteral("%1 %2 ms median, %3 ms max (first run %4 ms)\n")
               .arg(name, -58)
               .arg(ms.at(ms.size() / 2), 8, 'f', 2)
               .arg(ms.last(), 8, 'f', 2)
               .arg(ms.first(), 8, 'f', 2)
        << Qt::flush;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption rowsOption(QStringLiteral("rows"), QStringLiteral("Rows to insert."), QStringLiteral("N"),
                                        QStringLiteral("10000000"));
    const QCommandLineOption dirOption(QStringLiteral("dir"), QStringLiteral("Data directory (reused if filled)."),
                                       QStringLiteral("PATH"));
    parser.addOptions({rowsOption, dirOption});
    parser.process(app);
    const qint64 rows = parser.value(rowsOption).toLongLong();
    QTemporaryDir temp;
    const QString dir = parser.isSet(dirOption) ? parser.value(dirOption) : temp.path();

    auto db = Database::open(dir);
    if (!db) {
        out << db.error().message << '\n';
        return 1;
    }
    RequestLogStore store(**db);

    // Seven days of traffic ending now.
    const qint64 end = QDateTime::currentMSecsSinceEpoch() / 60000 * 60000;
    const qint64 span = 7LL * 24 * 3600 * 1000;
    const qint64 start = end - span;
    const QStringList features{QStringLiteral("code_completions"), QStringLiteral("code_generations"),
                               QStringLiteral("duo_chat"), QStringLiteral("duo_chat_explain_code"),
                               QStringLiteral("duo_chat_write_tests"), QStringLiteral("generate_commit_message"),
                               QStringLiteral("summarize_review"), QStringLiteral("glab_ask_git_command")};
    const QStringList models{QStringLiteral("codestral-a"), QStringLiteral("codestral-b"), QStringLiteral("mixtral"),
                             QStringLiteral("llama3")};
    auto existing = store.countRows();
    const qint64 have = existing ? *existing : 0;
    if (have < rows) {
        QRandomGenerator rng(42);
        QElapsedTimer fill;
        fill.start();
        constexpr int kBatch = 20000;
        qint64 inserted = have;
        while (inserted < rows) {
            StoredBatch batch;
            batch.reserve(kBatch);
            for (int i = 0; i < kBatch && inserted < rows; ++i, ++inserted) {
                StoredRecord s;
                RequestRecord &r = s.record;
                r.startedAtMs = start + inserted * span / rows;
                r.requestId = QStringLiteral("b%1").arg(inserted);
                r.method = "POST";
                const int f = int(rng.bounded(100));
                r.feature = features.at(f < 70 ? 0 : f < 80 ? 1 : f < 90 ? 2 : 3 + f % 5); // completions dominate
                r.path = r.feature == features.at(0) ? QByteArray("/v2/code/completions") : QByteArray("/v1/chat/agent");
                r.dialect = QStringLiteral("gitlab");
                r.modelEndpoint = models.at(int(rng.bounded(4)));
                r.modelFamily = QStringLiteral("codestral");
                r.modelIdentifier = QStringLiteral("codestral-22b");
                r.userId = QStringLiteral("user-%1").arg(rng.bounded(5000));
                r.instanceId = QStringLiteral("instance-1");
                r.userAgent = QStringLiteral("gitlab-language-server/7.1.0 vscode");
                r.clientVersion = QStringLiteral("7.1.0");
                r.clientIp = QStringLiteral("10.0.%1.%2").arg(rng.bounded(256)).arg(rng.bounded(256));
                r.lang = QStringLiteral("python");
                const int st = int(rng.bounded(1000));
                r.status = st < 970 ? 200 : st < 985 ? 429 : st < 995 ? 502 : 500;
                if (r.status != 200)
                    r.errorCode = QStringLiteral("upstream_status_%1").arg(r.status);
                r.authMs = 0.05;
                r.queueMs = 0.1;
                r.upstreamFirstByteMs = 80 + rng.bounded(400);
                r.upstreamMs = r.upstreamFirstByteMs + rng.bounded(300);
                r.totalMs = r.upstreamMs + 0.5 + rng.bounded(3);
                r.promptBytes = 1400 + rng.bounded(20000);
                r.answerBytes = 200 + rng.bounded(2000);
                r.promptTokens = int(r.promptBytes / 4);
                r.answerTokens = int(r.answerBytes / 4);
                r.stream = rng.bounded(2);
                batch.append(std::move(s));
            }
            if (auto st = store.insertBatch(batch); !st) {
                out << "insert failed: " << st.error().message << '\n';
                return 1;
            }
            if (inserted % 1000000 < kBatch)
                out << "filled " << inserted << " rows, " << qint64(double(inserted - have) / (fill.elapsed() / 1000.0 + 1e-9))
                    << " rows/s\n" << Qt::flush;
        }
        out << QStringLiteral("fill: %1 rows in %2 s (%3 rows/s) through insertBatch\n")
                   .arg(rows - have)
                   .arg(fill.elapsed() / 1000.0, 0, 'f', 1)
                   .arg(qint64(double(rows - have) / (fill.elapsed() / 1000.0)))
            << Qt::flush;
    }
    out << "database: " << QFileInfo(QDir(dir).filePath(QStringLiteral("airlock.db"))).size() / (1024 * 1024)
        << " MiB, " << *store.countRows() << " rows\n" << Qt::flush;
    (void)(*db)->exec(QStringLiteral("ANALYZE"));

    auto page = [&](LogQuery q) {
        return [&store, q] {
            auto p = store.query(q);
            return bool(p) && !p->items.isEmpty();
        };
    };
    LogQuery latest;
    report(QStringLiteral("latest 100"), page(latest));
    LogQuery next = latest;
    next.beforeStartedMs = end - span / 2;
    next.beforeId = rows / 2;
    report(QStringLiteral("page of 100 from the middle (cursor)"), page(next));
    LogQuery feature;
    feature.feature = QStringLiteral("duo_chat_write_tests"); // ~2 %
    report(QStringLiteral("feature = duo_chat_write_tests (2 %), latest 100"), page(feature));
    feature.feature = QStringLiteral("code_completions");
    report(QStringLiteral("feature = code_completions (70 %), latest 100"), page(feature));
    LogQuery status;
    status.status = 500; // 0.5 %
    report(QStringLiteral("status = 500 (0.5 %), latest 100"), page(status));
    LogQuery errors;
    errors.statusClass = 5;
    report(QStringLiteral("status class 5xx (1.5 %), latest 100"), page(errors));
    LogQuery allErrors;
    allErrors.errorsOnly = true;
    report(QStringLiteral("errors (status >= 400, 3 %), latest 100"), page(allErrors));
    LogQuery user;
    user.userId = QStringLiteral("user-1234"); // ~2000 rows
    report(QStringLiteral("user = user-1234, latest 100"), page(user));
    LogQuery range;
    range.fromMs = end - span / 2;
    range.toMs = range.fromMs + 3600 * 1000;
    report(QStringLiteral("time range (1 h, 3 days ago), latest 100"), page(range));
    LogQuery combo = range;
    combo.feature = QStringLiteral("duo_chat");
    combo.statusClass = 2;
    report(QStringLiteral("time range + feature + status class"), page(combo));
    LogQuery userRange = range;
    userRange.userId = QStringLiteral("user-42");
    userRange.toMs = range.fromMs + 24LL * 3600 * 1000;
    report(QStringLiteral("user + 1 day range"), [&] { return bool(store.query(userRange)); });
    report(QStringLiteral("one record by id"), [&] { return bool(store.record(rows / 3)); });

    AggregateQuery day;
    day.toMs = end;
    day.fromMs = end - 24LL * 3600 * 1000;
    report(QStringLiteral("per-minute p50/p95/p99 + rps + errors for a day"), [&] {
        auto a = store.aggregate(day);
        return bool(a) && a->value(QStringLiteral("series")).toArray().size() >= 1400;
    });
    AggregateQuery dayByFeature = day;
    dayByFeature.group = AggregateQuery::Group::Feature;
    report(QStringLiteral("per-minute for a day, by feature"), [&] { return bool(store.aggregate(dayByFeature)); });
    AggregateQuery week;
    week.toMs = end;
    week.fromMs = start;
    week.stepSeconds = 3600;
    report(QStringLiteral("per-hour for 7 days"), [&] { return bool(store.aggregate(week)); });
    TelemetryQuery tq{dayOf(start), dayOf(end)};
    report(QStringLiteral("telemetry + daily unique users, 7 days"), [&] { return bool(store.telemetry(tq)); });

    // One retention step (the longest the writer holds the write lock for retention).
    RetentionPolicy policy;
    policy.maxAgeMs = span - 3600 * 1000; // the oldest hour is due
    report(QStringLiteral("one retention step (2000 rows by age)"), [&] { return bool(store.enforceRetention(policy, end)); }, 5);
    return 0;
}
