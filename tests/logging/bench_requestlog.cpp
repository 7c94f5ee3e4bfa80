// 10 M-row benchmark of the request log: fills a store (in bulk inside SQLite, rollups included), times
// the writer's own insert path on top of it (RequestLogStore::insertBatch: rows, rollups, daily users)
// and the console's queries.
//
//   bench_requestlog [--rows N] [--dir PATH] [--keep]
//
// Not run by ctest by default (label "bench"). Prints one line per query: median and max of 7 runs.

#include "storage/database.h"
#include "storage/latencyhistogram.h"
#include "storage/requestlogstore.h"

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
#include <cstdlib>
#include <functional>

using namespace airlock;
using namespace airlock::storage;

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
    out << QStringLiteral("%1 %2 ms median, %3 ms max (min %4 ms)\n")
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
    const QCommandLineOption dropIndexOption(QStringLiteral("drop-index"),
                                             QStringLiteral("Drop this request_log index before the writer path "
                                                            "(what one index costs the writer; repeatable)."),
                                             QStringLiteral("NAME"));
    const QCommandLineOption writerOnlyOption(QStringLiteral("writer-only"),
                                              QStringLiteral("Stop after the writer path (no queries)."));
    parser.addOptions({rowsOption, dirOption, dropIndexOption, writerOnlyOption});
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
    qint64 end = QDateTime::currentMSecsSinceEpoch() / 60000 * 60000;
    const qint64 span = 7LL * 24 * 3600 * 1000;
    qint64 start = end - span;
    const QStringList features{QStringLiteral("code_completions"), QStringLiteral("code_generations"),
                               QStringLiteral("duo_chat"), QStringLiteral("duo_chat_explain_code"),
                               QStringLiteral("duo_chat_write_tests"), QStringLiteral("generate_commit_message"),
                               QStringLiteral("summarize_review"), QStringLiteral("glab_ask_git_command")};
    const QStringList models{QStringLiteral("codestral-a"), QStringLiteral("codestral-b"), QStringLiteral("mixtral"),
                             QStringLiteral("llama3")};
    auto existing = store.countRows();
    const qint64 have = existing ? *existing : 0;
    auto sql = [&](const QString &statement) {
        if (auto st = (*db)->exec(statement); !st) {
            out << "SQL failed: " << st.error().message << '\n' << Qt::flush;
            std::exit(1);
        }
    };
    if (have < rows) {
        // Bulk fill inside SQLite (indexes dropped, rebuilt after): the queries are what is measured
        // here; the writer's own insert rate is measured below on top of the full table.
        QElapsedTimer fill;
        fill.start();
        QStringList indexes;
        QStringList names;
        {
            auto q = (*db)->run(QStringLiteral("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                                               "'request_log' AND sql IS NOT NULL"));
            while (q && q->next()) {
                names.append(q->value(0).toString());
                indexes.append(q->value(1).toString());
            }
        }
        for (const QString &name : std::as_const(names))
            sql(QStringLiteral("DROP INDEX %1").arg(name));
        QStringList featureCase;
        for (int i = 0; i < features.size(); ++i)
            featureCase.append(QStringLiteral("'%1'").arg(features.at(i)));
        sql(QStringLiteral(
                "INSERT INTO request_log (started_ms, request_id, method, path, dialect, feature, model_endpoint, "
                "model_family, model_identifier, user_id, instance_id, user_agent, client_version, client_ip, lang, status, "
                "error_code, flags, auth_ms, queue_ms, first_byte_ms, upstream_ms, total_ms, prompt_bytes, answer_bytes, "
                "prompt_tokens, answer_tokens) "
                "WITH RECURSIVE seq(i) AS (SELECT %1 UNION ALL SELECT i + 1 FROM seq WHERE i < %2 - 1), "
                // Pseudo-random but deterministic per row: SQLite flattens this CTE into the SELECT and
                // evaluates each column once per use, so random() here would draw anew in every CASE
                // branch (status 500 came out at ~0.0002 % instead of 0.5 %).
                "h AS (SELECT i, (i * 2654435761 + 97) % 4294967291 AS x, (i * 40503 + 7) % 2147483629 AS y FROM seq), "
                "r AS (SELECT i, x % 100 AS f, (x / 100) % 1000 AS s, y % 5000 AS u, (y / 5000) % 4 AS m, "
                "80 + (x / 100000) % 400 AS fb, (y / 20000) % 300 AS up, (x / 7) % 20000 AS pb FROM h) "
                "SELECT %3 + i * %4 / %2, 'b' || i, 'POST', CASE WHEN f < 70 THEN '/v2/code/completions' ELSE "
                "'/v1/chat/agent' END, 'gitlab', CASE WHEN f < 70 THEN %5 WHEN f < 80 THEN %6 WHEN f < 90 THEN %7 "
                "ELSE CASE f % 5 WHEN 0 THEN %8 WHEN 1 THEN %9 WHEN 2 THEN %10 WHEN 3 THEN %11 ELSE %12 END END, "
                "CASE m WHEN 0 THEN 'codestral-a' WHEN 1 THEN 'codestral-b' WHEN 2 THEN 'mixtral' ELSE 'llama3' END, "
                "'codestral', 'codestral-22b', 'user-' || u, 'instance-1', 'gitlab-language-server/7.1.0 vscode', '7.1.0', "
                "'10.0.' || (u % 256) || '.' || (i % 256), 'python', "
                "CASE WHEN s < 970 THEN 200 WHEN s < 985 THEN 429 WHEN s < 995 THEN 502 ELSE 500 END, "
                "CASE WHEN s < 970 THEN NULL ELSE 'upstream_error' END, i % 2, 0.05, 0.1, fb, fb + up, fb + up + 1.5, "
                "1400 + pb, 200 + pb / 10, (1400 + pb) / 4, (200 + pb / 10) / 4 FROM r")
                .arg(have)
                .arg(rows)
                .arg(start)
                .arg(span)
                .arg(featureCase.at(0), featureCase.at(1), featureCase.at(2), featureCase.at(3), featureCase.at(4),
                     featureCase.at(5), featureCase.at(6), featureCase.at(7)));
        out << "rows inserted in " << fill.elapsed() / 1000.0 << " s\n" << Qt::flush;
        for (const QString &index : std::as_const(indexes))
            sql(index);
        out << "indexes built at " << fill.elapsed() / 1000.0 << " s\n" << Qt::flush;
        QStringList buckets;
        double lower = -1;
        for (double bound : kLatencyBoundsMs) {
            buckets.append(QStringLiteral("SUM(total_ms > %1 AND total_ms <= %2)").arg(lower).arg(bound));
            lower = bound;
        }
        buckets.append(QStringLiteral("SUM(total_ms > %1)").arg(lower));
        sql(QStringLiteral("DELETE FROM request_log_minutes"));
        sql(QStringLiteral("INSERT INTO request_log_minutes (minute_ms, feature, model_endpoint, requests, errors, "
                           "total_ms_sum, overhead_ms_sum, prompt_tokens, answer_tokens, %1) SELECT started_ms / 60000 * "
                           "60000, feature, model_endpoint, COUNT(*), SUM(status >= 400), SUM(total_ms), SUM(total_ms - "
                           "upstream_ms), SUM(prompt_tokens), SUM(answer_tokens), %2 FROM request_log GROUP BY 1, 2, 3")
                .arg([] {
                    QStringList h;
                    for (int i = 0; i < kLatencyBuckets; ++i)
                        h.append(QStringLiteral("h%1").arg(i));
                    return h.join(QStringLiteral(", "));
                }(),
                     buckets.join(QStringLiteral(", "))));
        sql(QStringLiteral("DELETE FROM request_log_hours"));
        sql(QStringLiteral("INSERT INTO request_log_hours (hour_ms, feature, model_endpoint, requests, errors, total_ms_sum, "
                           "overhead_ms_sum, prompt_tokens, answer_tokens, %1) SELECT minute_ms / 3600000 * 3600000, feature, "
                           "model_endpoint, SUM(requests), SUM(errors), SUM(total_ms_sum), SUM(overhead_ms_sum), "
                           "SUM(prompt_tokens), SUM(answer_tokens), %2 FROM request_log_minutes GROUP BY 1, 2, 3")
                .arg([] {
                    QStringList h;
                    for (int i = 0; i < kLatencyBuckets; ++i)
                        h.append(QStringLiteral("h%1").arg(i));
                    return h.join(QStringLiteral(", "));
                }(),
                     [] {
                         QStringList h;
                         for (int i = 0; i < kLatencyBuckets; ++i)
                             h.append(QStringLiteral("SUM(h%1)").arg(i));
                         return h.join(QStringLiteral(", "));
                     }()));
        // The rollups now cover every row (the writer's watermark).
        sql(QStringLiteral("UPDATE request_log_rollup SET covered_id = (SELECT MAX(id) FROM request_log)"));
        sql(QStringLiteral("DELETE FROM daily_users"));
        sql(QStringLiteral("INSERT INTO daily_users (day, user_id, requests) SELECT date(started_ms / 1000, 'unixepoch'), "
                           "user_id, COUNT(*) FROM request_log GROUP BY 1, 2"));
        out << QStringLiteral("fill: %1 rows (+ rollups, daily users) in %2 s\n").arg(rows - have).arg(fill.elapsed() / 1000.0, 0, 'f', 1)
            << Qt::flush;
    }
    {
        for (const QString &name : parser.values(dropIndexOption))
            sql(QStringLiteral("DROP INDEX IF EXISTS %1").arg(name));
        // The writer's insert path on top of the full table: 10 batches of 2000 (a batch interval's
        // worth at 40k req/s), with all indexes, rollups and daily users; rollups written once a second
        // as RequestLogger does (20000 records: a second at 20k req/s; written once, at the end, timed).
        QRandomGenerator rng(7);
        // (One rollup write per 20000 records, however slow the machine: under valgrind too.)
        store.setRollupInterval(3600 * 1000);
        (void)store.flushRollups(); // the first write would otherwise include the rollups
        QElapsedTimer t;
        qint64 ns = 0;
        constexpr int kBatches = 10;
        constexpr int kBatch = 2000;
        for (int b = 0; b < kBatches; ++b) {
            StoredBatch batch;
            for (int i = 0; i < kBatch; ++i) {
                StoredRecord s;
                RequestRecord &r = s.record;
                r.startedAtMs = end + b * 50 + i % 50;
                r.requestId = QStringLiteral("w%1-%2").arg(b).arg(i);
                r.method = "POST";
                r.path = "/v2/code/completions";
                r.feature = features.at(int(rng.bounded(features.size())));
                r.modelEndpoint = models.at(int(rng.bounded(4)));
                r.userId = QStringLiteral("user-%1").arg(rng.bounded(5000));
                r.status = 200;
                r.totalMs = 100;
                r.upstreamMs = 99;
                batch.append(std::move(s));
            }
            t.start();
            if (!store.insertBatch(batch))
                return 1;
            if (b == kBatches - 1 && !store.flushRollups())
                return 1;
            ns += t.nsecsElapsed();
        }
        out << QStringLiteral("writer path at %1 rows: %2 rows/s (insertBatch of %3, median-free average)\n")
                   .arg(*store.countRows())
                   .arg(qint64(double(kBatches * kBatch) / (double(ns) / 1e9)))
                   .arg(kBatch)
            << Qt::flush;
    }
    if (parser.isSet(writerOnlyOption))
        return 0;
    // The queries look at the data's last 7 days (a reused directory was filled earlier).
    if (auto last = (*db)->run(QStringLiteral("SELECT MAX(started_ms) FROM request_log WHERE request_id LIKE 'b%'"));
        last && last->next() && !last->value(0).isNull()) {
        end = last->value(0).toLongLong() / 60000 * 60000 + 60000;
        start = end - span;
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
    report(QStringLiteral("one retention step (500 rows by age)"), [&] { return bool(store.enforceRetention(policy, end)); }, 5);
    return 0;
}
