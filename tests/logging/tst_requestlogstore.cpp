// The request log's SQL: batches, the console's filters and paging, one record, aggregates,
// telemetry, retention.

#include "storage/database.h"
#include "storage/latencyhistogram.h"
#include "storage/requestlogstore.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock;
using namespace airlock::storage;

namespace {

RequestRecord makeRecord(qint64 startedMs, const QString &feature, int status, const QString &user = {},
                         double totalMs = 10)
{
    RequestRecord r;
    r.requestId = QStringLiteral("req-%1").arg(startedMs);
    r.startedAtMs = startedMs;
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.feature = feature;
    r.modelEndpoint = QStringLiteral("fake");
    r.modelFamily = QStringLiteral("codestral");
    r.userId = user;
    r.status = status;
    r.totalMs = totalMs;
    r.upstreamMs = totalMs / 2;
    r.promptTokens = 10;
    r.answerTokens = 5;
    return r;
}

// Every field set, text beyond ASCII (two- and three-byte UTF-8, a surrogate pair, Latin-1 in the
// path), NULLs (empty text, -1 times and token counts) in some records, bodies in others.
RequestRecord fullRecord(int i)
{
    const qint64 t0 = QDateTime(QDate(2025, 3, 1), QTime(12, 0), Qt::UTC).toMSecsSinceEpoch();
    const bool sparse = i % 5 == 4;
    auto text = [&](const char *name) {
        return sparse && i % 2 ? QString() : QStringLiteral("%1-%2-\u00e9\u65e5\U0001F600").arg(QLatin1String(name)).arg(i);
    };
    RequestRecord r;
    r.requestId = QStringLiteral("full-%1-\u00fc").arg(i);
    r.startedAtMs = t0 + i * 7;
    r.method = i % 2 ? "POST" : "GET";
    r.path = i % 3 ? QByteArray("/v1/chat/completions") : QByteArray("/v2/caf\xe9/") + QByteArray::number(i);
    r.dialect = text("dialect");
    r.feature = i % 3 ? QStringLiteral("code_completions") : text("feature");
    r.modelEndpoint = text("endpoint");
    r.modelIdentifier = text("identifier");
    r.modelFamily = text("family");
    r.userId = text("user");
    r.instanceId = text("instance");
    r.realm = text("realm");
    r.hostName = text("host");
    r.gitlabVersion = text("version");
    r.tokenIssuer = text("issuer");
    r.tokenId = text("jti");
    r.userAgent = text("agent");
    r.clientVersion = text("client");
    r.clientIp = sparse ? QString() : QStringLiteral("10.0.%1.%2").arg(i / 256).arg(i % 256);
    r.lang = text("lang");
    r.editorLang = text("editor");
    r.status = i % 11 == 0 ? 502 : i % 13 == 0 ? 499 : 200;
    r.errorCode = i % 11 == 0 ? QStringLiteral("upstream_error") : QString();
    r.errorMessage = i % 11 == 0 ? text("message") : QString();
    r.stream = i % 2;
    r.cached = i % 3 == 0;
    r.superseded = i % 4 == 0;
    r.authMs = sparse ? -1 : 0.125 + i;
    r.queueMs = sparse ? -1 : 0.5;
    r.upstreamFirstByteMs = sparse ? -1 : 12.375;
    r.upstreamMs = sparse ? -1 : 40.001 + i;
    r.totalMs = 45.25 + i;
    r.promptBytes = 1000 + i;
    r.answerBytes = i;
    r.promptTokens = sparse ? -1 : i * 3;
    r.answerTokens = sparse ? -1 : i * 2 + 1;
    if (i % 7 == 1) {
        r.captureBodies = true;
        r.promptBody = "prompt \xc3\xa9 " + QByteArray::number(i);
        r.answerBody = i % 2 ? QByteArray("answer") : QByteArray();
    }
    return r;
}

} // namespace

class tst_RequestLogStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<RequestLogStore> m_store;
    const qint64 m_t0 = QDateTime(QDate(2025, 3, 1), QTime(12, 0), Qt::UTC).toMSecsSinceEpoch();

    void insert(QList<RequestRecord> records)
    {
        StoredBatch batch;
        for (RequestRecord &r : records) {
            StoredRecord s;
            s.record = std::move(r);
            batch.append(std::move(s));
        }
        const Status st = m_store->insertBatch(batch);
        QVERIFY2(st, st ? "" : qPrintable(st.error().message));
        for (const StoredRecord &s : batch)
            QVERIFY(s.id > 0);
    }

    QJsonArray ids(const LogQuery &q, QString *next = nullptr)
    {
        auto page = m_store->query(q);
        if (!page)
            qFatal("%s", qPrintable(page.error().message));
        QJsonArray out;
        for (const QJsonValue &v : page->items)
            out.append(v.toObject().value(QStringLiteral("request_id")));
        if (next)
            *next = page->nextCursor;
        return out;
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QFile::remove(m_dir.filePath(QStringLiteral("airlock.db")));
        auto db = Database::open(m_dir.path());
        QVERIFY(db);
        m_db = std::move(db).value();
        m_store = std::make_unique<RequestLogStore>(*m_db);
    }

    void cleanup()
    {
        m_store.reset();
        m_db.reset();
    }

    void filtersAndPaging()
    {
        QList<RequestRecord> records;
        for (int i = 0; i < 30; ++i) {
            records.append(makeRecord(m_t0 + i * 1000, i % 3 == 0 ? QStringLiteral("code_completions") : QStringLiteral("duo_chat"),
                                      i % 5 == 0 ? 502 : 200, i % 2 ? QStringLiteral("alice") : QStringLiteral("bob")));
        }
        insert(records);

        LogQuery latest;
        latest.limit = 5;
        QString next;
        const QJsonArray first = ids(latest, &next);
        QCOMPARE(first.size(), 5);
        QCOMPARE(first.at(0).toString(), QStringLiteral("req-%1").arg(m_t0 + 29000));
        QVERIFY(!next.isEmpty());
        // Keyset paging walks every row once, newest first.
        QStringList seen;
        LogQuery page = latest;
        for (int guard = 0; guard < 10; ++guard) {
            QString cursor;
            const QJsonArray part = ids(page, &cursor);
            for (const QJsonValue &v : part)
                seen.append(v.toString());
            if (cursor.isEmpty())
                break;
            const QStringList c = cursor.split(QLatin1Char(':'));
            page.beforeStartedMs = c[0].toLongLong();
            page.beforeId = c[1].toLongLong();
        }
        QCOMPARE(seen.size(), 30);
        QCOMPARE(seen.removeDuplicates(), 0);

        LogQuery byFeature;
        byFeature.feature = QStringLiteral("code_completions");
        QCOMPARE(ids(byFeature).size(), 10);
        LogQuery byStatus;
        byStatus.status = 502;
        QCOMPARE(ids(byStatus).size(), 6);
        LogQuery byClass;
        byClass.statusClass = 5;
        QCOMPARE(ids(byClass).size(), 6);
        LogQuery ok; // 200 is not in request_log_status (partial index): found through started_ms
        ok.status = 200;
        QCOMPARE(ids(ok).size(), 24);
        LogQuery okClass;
        okClass.statusClass = 2;
        QCOMPARE(ids(okClass).size(), 24);
        LogQuery redirects;
        redirects.statusClass = 3;
        QCOMPARE(ids(redirects).size(), 0);
        LogQuery errors;
        errors.errorsOnly = true;
        QCOMPARE(ids(errors).size(), 6);
        LogQuery byUser;
        byUser.userId = QStringLiteral("alice");
        QCOMPARE(ids(byUser).size(), 15);
        LogQuery range;
        range.fromMs = m_t0 + 10000;
        range.toMs = m_t0 + 20000;
        QCOMPARE(ids(range).size(), 10);
        LogQuery combined = range;
        combined.userId = QStringLiteral("bob");
        combined.feature = QStringLiteral("duo_chat");
        const QJsonArray c = ids(combined);
        QCOMPARE(c.size(), 3); // 10, 14, 16 are bob's duo_chat in [10, 20); 12, 18 are completions
    }

    void bodiesAreRedactedAndSearchable()
    {
        RequestRecord r = makeRecord(m_t0, QStringLiteral("duo_chat"), 200, QStringLiteral("carol"));
        r.captureBodies = true;
        r.promptBody = "{\"messages\":[{\"content\":\"explain QuickSort please\"}],\"api_key\":\"sk-live-0123456789abcdef\"}";
        r.answerBody = "Quicksort picks a pivot";
        insert({r, makeRecord(m_t0 + 1, QStringLiteral("duo_chat"), 200)});

        LogQuery text;
        text.text = QStringLiteral("quicksort");
        const QJsonArray found = ids(text);
        QCOMPARE(found.size(), 1);
        LogQuery percent;
        percent.text = QStringLiteral("100%");
        QCOMPARE(ids(percent).size(), 0);

        auto page = m_store->query(text);
        QVERIFY(page);
        const qint64 id = page->items.at(0).toObject().value(QStringLiteral("id")).toInteger();
        QVERIFY(!page->items.at(0).toObject().contains(QStringLiteral("prompt_body")));
        auto full = m_store->record(id);
        QVERIFY(full);
        const QString prompt = full->value(QStringLiteral("prompt_body")).toString();
        QVERIFY2(prompt.contains(QStringLiteral("QuickSort")), qPrintable(prompt));
        QVERIFY2(!prompt.contains(QStringLiteral("0123456789abcdef")), qPrintable(prompt));
        QCOMPARE(full->value(QStringLiteral("answer_body")).toString(), QStringLiteral("Quicksort picks a pivot"));
        QCOMPARE(full->value(QStringLiteral("user_id")).toString(), QStringLiteral("carol"));
        QCOMPARE(full->value(QStringLiteral("airlock_ms")).toDouble(), 5.0);
        QCOMPARE(m_store->record(999999).error().code, QStringLiteral("not_found"));
    }

    void aggregates()
    {
        QList<RequestRecord> records;
        // Minute 0: 100 requests of 10..1000 ms, 10 errors; minute 1: 50 of 20 ms. Two features.
        for (int i = 0; i < 100; ++i)
            records.append(makeRecord(m_t0 + i * 10, QStringLiteral("code_completions"), i < 10 ? 500 : 200, {}, 10.0 * (i + 1)));
        for (int i = 0; i < 50; ++i)
            records.append(makeRecord(m_t0 + 60000 + i, QStringLiteral("duo_chat"), 200, {}, 20));
        insert(records);

        AggregateQuery q;
        q.fromMs = m_t0;
        q.toMs = m_t0 + 120000;
        auto result = m_store->aggregate(q);
        QVERIFY2(result, result ? "" : qPrintable(result.error().message));
        const QJsonArray series = result->value(QStringLiteral("series")).toArray();
        QCOMPARE(series.size(), 2);
        const QJsonObject m0 = series.at(0).toObject();
        QCOMPARE(m0.value(QStringLiteral("requests")).toInteger(), 100);
        QCOMPARE(m0.value(QStringLiteral("errors")).toInteger(), 10);
        QCOMPARE(m0.value(QStringLiteral("error_rate")).toDouble(), 0.1);
        QCOMPARE(m0.value(QStringLiteral("prompt_tokens")).toInteger(), 1000);
        QVERIFY(qAbs(m0.value(QStringLiteral("rps")).toDouble() - 100.0 / 60) < 1e-9);
        // Bucketed percentiles: the true p50 is 500 ms, p95 950 ms, p99 990 ms.
        const double p50 = m0.value(QStringLiteral("p50_ms")).toDouble();
        const double p95 = m0.value(QStringLiteral("p95_ms")).toDouble();
        const double p99 = m0.value(QStringLiteral("p99_ms")).toDouble();
        QVERIFY2(p50 >= 400 && p50 <= 500, qPrintable(QString::number(p50)));
        QVERIFY2(p95 >= 750 && p95 <= 1000, qPrintable(QString::number(p95)));
        QVERIFY2(p99 >= p95 && p99 <= 1000, qPrintable(QString::number(p99)));
        QCOMPARE(series.at(1).toObject().value(QStringLiteral("requests")).toInteger(), 50);

        const QJsonArray byFeature = result->value(QStringLiteral("by_feature")).toArray();
        QCOMPARE(byFeature.size(), 2);
        QCOMPARE(byFeature.at(0).toObject().value(QStringLiteral("feature")).toString(), QStringLiteral("code_completions"));
        QCOMPARE(result->value(QStringLiteral("by_model")).toArray().at(0).toObject().value(QStringLiteral("requests")).toInteger(), 150);
        QCOMPARE(result->value(QStringLiteral("total")).toObject().value(QStringLiteral("requests")).toInteger(), 150);

        q.group = AggregateQuery::Group::Feature;
        q.stepSeconds = 120;
        result = m_store->aggregate(q);
        QVERIFY(result);
        QCOMPARE(result->value(QStringLiteral("series")).toArray().size(), 2); // one step, two features
        q.group = AggregateQuery::Group::None;
        q.feature = QStringLiteral("duo_chat");
        result = m_store->aggregate(q);
        QCOMPARE(result->value(QStringLiteral("total")).toObject().value(QStringLiteral("requests")).toInteger(), 50);

        // A later batch in the same minute adds to the rollup.
        insert({makeRecord(m_t0 + 60001, QStringLiteral("duo_chat"), 200)});
        result = m_store->aggregate(q);
        QCOMPARE(result->value(QStringLiteral("total")).toObject().value(QStringLiteral("requests")).toInteger(), 51);
    }

    void telemetryAndDailyUsers()
    {
        RequestRecord a = makeRecord(m_t0, QStringLiteral("code_completions"), 200, QStringLiteral("u1"));
        a.telemetryJson = "[{\"model_engine\":\"litellm\",\"model_name\":\"codestral\",\"lang\":\"python\",\"requests\":10,"
                          "\"accepts\":4,\"errors\":1},{\"model_name\":\"codestral\",\"lang\":\"go\",\"requests\":5,\"accepts\":5}]";
        RequestRecord b = makeRecord(m_t0 + 1000, QStringLiteral("code_completions"), 200, QStringLiteral("u2"));
        b.telemetryJson = "[{\"model_engine\":\"litellm\",\"model_name\":\"codestral\",\"lang\":\"python\",\"requests\":10,"
                          "\"accepts\":2,\"errors\":0}, 7, {\"bad\":true}]";
        RequestRecord c = makeRecord(m_t0 + 86400000, QStringLiteral("code_completions"), 200, QStringLiteral("u1"));
        RequestRecord d = makeRecord(m_t0 + 2000, QStringLiteral("code_completions"), 200, QStringLiteral("u1"));
        d.telemetryJson = "not json";
        insert({a, b, c, d});

        TelemetryQuery q{dayOf(m_t0), dayOf(m_t0 + 86400000)};
        auto t = m_store->telemetry(q);
        QVERIFY2(t, t ? "" : qPrintable(t.error().message));
        const QJsonArray rows = t->value(QStringLiteral("by_day_model_language")).toArray();
        QCOMPARE(rows.size(), 2);
        QJsonObject python;
        for (const QJsonValue &v : rows) {
            if (v.toObject().value(QStringLiteral("lang")).toString() == QLatin1String("python"))
                python = v.toObject();
        }
        QCOMPARE(python.value(QStringLiteral("requests")).toInteger(), 20);
        QCOMPARE(python.value(QStringLiteral("accepts")).toInteger(), 6);
        QCOMPARE(python.value(QStringLiteral("acceptance_rate")).toDouble(), 0.3);
        QCOMPARE(python.value(QStringLiteral("day")).toString(), dayOf(m_t0));
        QCOMPARE(t->value(QStringLiteral("by_language")).toArray().size(), 2);
        QCOMPARE(t->value(QStringLiteral("by_model")).toArray().at(0).toObject().value(QStringLiteral("requests")).toInteger(), 25);
        const QJsonArray users = t->value(QStringLiteral("daily_users")).toArray();
        QCOMPARE(users.size(), 2);
        QCOMPARE(users.at(0).toObject().value(QStringLiteral("unique_users")).toInteger(), 2);
        QCOMPARE(users.at(0).toObject().value(QStringLiteral("requests")).toInteger(), 3);
        QCOMPARE(users.at(1).toObject().value(QStringLiteral("unique_users")).toInteger(), 1);
    }

    void retentionByAgeRowsAndBytes()
    {
        const qint64 now = m_t0 + 10LL * 86400000;
        QList<RequestRecord> records;
        for (int i = 0; i < 5000; ++i)
            records.append(makeRecord(m_t0 + qint64(i) * 200000, QStringLiteral("code_completions"), 200)); // ~11.6 days
        insert(records);

        // By age, in small steps.
        RetentionPolicy age;
        age.maxAgeMs = 5LL * 86400000;
        int steps = 0;
        for (;;) {
            auto removed = m_store->enforceRetention(age, now, 500);
            QVERIFY(removed);
            QVERIFY(*removed <= 500);
            if (*removed == 0)
                break;
            ++steps;
        }
        QVERIFY2(steps >= 4, qPrintable(QString::number(steps)));
        LogQuery old;
        old.toMs = now - age.maxAgeMs;
        QCOMPARE(ids(old).size(), 0);
        const qint64 afterAge = *m_store->countRows();
        QVERIFY(afterAge > 0);

        // By rows.
        RetentionPolicy rows;
        rows.maxAgeMs = 0;
        rows.maxRows = 1000;
        while (*m_store->enforceRetention(rows, now, 300) > 0) {
        }
        QCOMPARE(*m_store->countRows(), 1000);
        // The newest stay.
        LogQuery latest;
        latest.limit = 1;
        QCOMPARE(ids(latest).at(0).toString(), QStringLiteral("req-%1").arg(m_t0 + qint64(4999) * 200000));

        // By bytes: a tiny cap removes the oldest rows until nothing is left to remove.
        RetentionPolicy bytes;
        bytes.maxAgeMs = 0;
        bytes.maxBytes = 1;
        qint64 total = 0;
        for (int i = 0; i < 100; ++i) {
            const qint64 removed = *m_store->enforceRetention(bytes, now, 400);
            total += removed;
            if (removed == 0)
                break;
        }
        QCOMPARE(total, 1000);
        QCOMPARE(*m_store->countRows(), 0);
    }

    // Every field of every record survives the writer's multi-row statements (64, 16, 4 and 1 rows per
    // INSERT): batch sizes around the statement sizes, text beyond ASCII, NULLs, bodies.
    void batchBoundariesRoundTrip_data()
    {
        QTest::addColumn<int>("count");
        for (int n : {1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 127, 1000})
            QTest::addRow("%d", n) << n;
    }

    void batchBoundariesRoundTrip()
    {
        QFETCH(int, count);
        // Something there already: ids continue after it.
        insert({makeRecord(m_t0 - 1, QStringLiteral("code_completions"), 200)});
        StoredBatch batch;
        for (int i = 0; i < count; ++i) {
            StoredRecord s;
            s.record = fullRecord(i);
            batch.append(std::move(s));
        }
        const StoredBatch original = batch;
        const Status st = m_store->insertBatch(batch);
        QVERIFY2(st, st ? "" : qPrintable(st.error().message));
        QCOMPARE(*m_store->countRows(), count + 1);
        for (int i = 0; i < count; ++i)
            QCOMPARE(batch.at(i).id, batch.at(0).id + i); // commit order
        QCOMPARE(batch.at(0).id, 2);

        LogQuery all;
        all.fromMs = m_t0;
        all.limit = 1000;
        auto page = m_store->query(all);
        QVERIFY2(page, page ? "" : qPrintable(page.error().message));
        QCOMPARE(page->items.size(), count);
        QHash<qint64, QJsonObject> byId;
        for (const QJsonValue &v : std::as_const(page->items))
            byId.insert(v.toObject().value(QStringLiteral("id")).toInteger(), v.toObject());
        for (int i = 0; i < count; ++i) {
            StoredRecord expected = original.at(i);
            expected.id = batch.at(i).id;
            QCOMPARE(byId.value(expected.id), recordToJson(expected));
            if (expected.record.captureBodies || i < 3) {
                auto one = m_store->record(expected.id);
                QVERIFY(one);
                QCOMPARE(*one, recordToJson(expected, true));
            }
        }
        // The rollup counted each of them once.
        AggregateQuery q;
        q.fromMs = m_t0;
        q.toMs = m_t0 + 3600000;
        auto agg = m_store->aggregate(q);
        QVERIFY(agg);
        QCOMPARE(agg->value(QStringLiteral("total")).toObject().value(QStringLiteral("requests")).toInteger(), count);
    }

    // request_log_hours equals a GROUP BY over the raw rows; a whole-hour step over a range that does not
    // start or end on the hour gives what the per-minute rollup gives.
    void hourlyRollupMatchesRawRows()
    {
        QList<RequestRecord> records;
        const QStringList features{QStringLiteral("code_completions"), QStringLiteral("duo_chat"), QString()};
        const QStringList models{QStringLiteral("a"), QStringLiteral("b")};
        // ~50 hours, in batches of different sizes; latencies across every histogram bucket.
        quint32 seed = 1;
        auto next = [&seed](quint32 n) {
            seed = seed * 1103515245u + 12345u;
            return (seed >> 8) % n;
        };
        for (int i = 0; i < 3000; ++i) {
            RequestRecord r = makeRecord(m_t0 + qint64(i) * 60013, features.at(int(next(3))), next(10) == 0 ? 502 : 200,
                                         QStringLiteral("u%1").arg(next(7)), double(next(130000)) + 0.25);
            r.modelEndpoint = models.at(int(next(2)));
            // Quarter milliseconds: every sum below is exact, so sums by hour and by minute compare equal.
            r.upstreamMs = next(4) == 0 ? -1 : qMax(0.0, r.totalMs - double(next(100)));
            r.promptTokens = next(5) == 0 ? -1 : int(next(1000));
            records.append(r);
        }
        for (int from = 0, size = 1; from < records.size(); from += size, size = size * 3 % 997 + 1)
            insert(records.mid(from, size));

        QStringList buckets;
        double lower = -1;
        for (double bound : kLatencyBoundsMs) {
            buckets.append(QStringLiteral("SUM(t > %1 AND t <= %2)").arg(lower).arg(bound));
            lower = bound;
        }
        buckets.append(QStringLiteral("SUM(t > %1)").arg(lower));
        auto raw = m_db->run(QStringLiteral(
            "SELECT started_ms / 3600000 * 3600000 AS hour, COALESCE(feature, ''), COALESCE(model_endpoint, ''), COUNT(*), "
            "SUM(status >= 400 OR status = 0), SUM(t), SUM(MAX(0, t - COALESCE(u, 0))), SUM(COALESCE(prompt_tokens, 0)), "
            "SUM(COALESCE(answer_tokens, 0)), %1 FROM (SELECT *, MAX(0, COALESCE(total_ms, 0)) AS t, MAX(0, upstream_ms) AS u "
            "FROM request_log) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").arg(buckets.join(QStringLiteral(", "))));
        QVERIFY(raw);
        auto hours = m_db->run(QStringLiteral("SELECT hour_ms, feature, model_endpoint, requests, errors, total_ms_sum, "
                                              "overhead_ms_sum, prompt_tokens, answer_tokens, %1 FROM request_log_hours "
                                              "ORDER BY 1, 2, 3")
                                   .arg([] {
                                       QStringList h;
                                       for (int i = 0; i < kLatencyBuckets; ++i)
                                           h.append(QStringLiteral("h%1").arg(i));
                                       return h.join(QStringLiteral(", "));
                                   }()));
        QVERIFY(hours);
        int rows = 0;
        while (raw->next()) {
            QVERIFY(hours->next());
            ++rows;
            for (int c = 0; c < 9 + kLatencyBuckets; ++c) {
                if (c == 5 || c == 6)
                    QVERIFY2(qAbs(raw->value(c).toDouble() - hours->value(c).toDouble()) < 1e-6, qPrintable(QString::number(c)));
                else
                    QCOMPARE(hours->value(c).toString(), raw->value(c).toString());
            }
        }
        QVERIFY(!hours->next());
        QVERIFY(rows > 100);

        AggregateQuery byHour;
        byHour.fromMs = m_t0 + 17 * 60000 + 123;
        byHour.toMs = m_t0 + 40LL * 3600000 + 43 * 60000;
        byHour.stepSeconds = 3600;
        AggregateQuery byMinuteSums = byHour;
        byMinuteSums.stepSeconds = 60;
        for (auto group : {AggregateQuery::Group::None, AggregateQuery::Group::Feature}) {
            byHour.group = byMinuteSums.group = group;
            auto h = m_store->aggregate(byHour);
            auto m = m_store->aggregate(byMinuteSums);
            QVERIFY(h && m);
            QCOMPARE(h->value(QStringLiteral("total")), m->value(QStringLiteral("total")));
            QCOMPARE(h->value(QStringLiteral("by_feature")), m->value(QStringLiteral("by_feature")));
            QCOMPARE(h->value(QStringLiteral("by_model")), m->value(QStringLiteral("by_model")));
        }
        // The series against the raw rows of the same range.
        byHour.group = AggregateQuery::Group::None;
        auto h = m_store->aggregate(byHour);
        QVERIFY(h);
        auto perHour = m_db->run(QStringLiteral("SELECT started_ms / 3600000 * 3600000, COUNT(*), SUM(status >= 400) FROM "
                                                "request_log WHERE started_ms >= ? AND started_ms < ? GROUP BY 1 ORDER BY 1"),
                                 {byHour.fromMs / 60000 * 60000, (byHour.toMs + 59999) / 60000 * 60000});
        QVERIFY(perHour);
        const QJsonArray series = h->value(QStringLiteral("series")).toArray();
        int i = 0;
        while (perHour->next()) {
            QVERIFY(i < series.size());
            const QJsonObject point = series.at(i++).toObject();
            QCOMPARE(point.value(QStringLiteral("t")).toInteger(), perHour->value(0).toLongLong());
            QCOMPARE(point.value(QStringLiteral("requests")).toInteger(), perHour->value(1).toLongLong());
            QCOMPARE(point.value(QStringLiteral("errors")).toInteger(), perHour->value(2).toLongLong());
        }
        QCOMPARE(i, series.size());
        QCOMPARE(i, 41);
    }

    // Rollups written less often than rows: queries add the rows above the watermark; a writer that
    // died before writing its rollups leaves them to the next writer, which counts them exactly once.
    void deferredRollupsStayExactAcrossACrash()
    {
        auto totalRequests = [&](RequestLogStore &store) {
            AggregateQuery q;
            q.fromMs = m_t0;
            q.toMs = m_t0 + 86400000;
            q.stepSeconds = 3600;
            auto a = store.aggregate(q);
            return a ? a->value(QStringLiteral("total")).toObject().value(QStringLiteral("requests")).toInteger() : -1;
        };
        auto dailyUsers = [&](RequestLogStore &store) {
            auto t = store.telemetry(TelemetryQuery{dayOf(m_t0), dayOf(m_t0)});
            if (!t)
                return QJsonObject();
            return t->value(QStringLiteral("daily_users")).toArray().at(0).toObject();
        };
        auto minuteSum = [&] {
            auto q = m_db->run(QStringLiteral("SELECT (SELECT SUM(requests) FROM request_log_minutes), (SELECT "
                                              "SUM(requests) FROM request_log_hours), (SELECT SUM(requests) FROM daily_users)"));
            return q && q->next() ? std::tuple{q->value(0).toLongLong(), q->value(1).toLongLong(), q->value(2).toLongLong()}
                                  : std::tuple{qint64(-1), qint64(-1), qint64(-1)};
        };
        m_store->setRollupInterval(3600 * 1000);
        QList<RequestRecord> records;
        for (int i = 0; i < 100; ++i)
            records.append(makeRecord(m_t0 + i * 1000, QStringLiteral("duo_chat"), 200, QStringLiteral("u%1").arg(i % 4)));
        insert(records.mid(0, 10)); // the first batch writes its rollups
        insert(records.mid(10, 50)); // these wait for the interval
        QCOMPARE(minuteSum(), std::tuple(qint64(10), qint64(10), qint64(10)));
        QCOMPARE(totalRequests(*m_store), 60);
        QCOMPARE(dailyUsers(*m_store).value(QStringLiteral("requests")).toInteger(), 60);
        QCOMPARE(dailyUsers(*m_store).value(QStringLiteral("unique_users")).toInteger(), 4);

        // "Crash": the store goes away without writing its pending rollups.
        m_store = std::make_unique<RequestLogStore>(*m_db);
        QCOMPARE(totalRequests(*m_store), 60);
        m_store->setRollupInterval(3600 * 1000);
        insert(records.mid(60, 40));
        QCOMPARE(totalRequests(*m_store), 100);
        QVERIFY(m_store->flushRollups());
        QCOMPARE(minuteSum(), std::tuple(qint64(100), qint64(100), qint64(100)));
        QCOMPARE(totalRequests(*m_store), 100);
        QCOMPARE(dailyUsers(*m_store).value(QStringLiteral("requests")).toInteger(), 100);
        QCOMPARE(dailyUsers(*m_store).value(QStringLiteral("unique_users")).toInteger(), 4);
        auto covered = m_db->run(QStringLiteral("SELECT covered_id, (SELECT MAX(id) FROM request_log) FROM request_log_rollup"));
        QVERIFY(covered && covered->next());
        QCOMPARE(covered->value(0).toLongLong(), covered->value(1).toLongLong());
        // Nothing pending: a second flush writes nothing and counts nothing twice.
        QVERIFY(m_store->flushRollups());
        QCOMPARE(minuteSum(), std::tuple(qint64(100), qint64(100), qint64(100)));
    }

    // Migration 5 fills the hourly rollup from the minutes already stored and marks every existing row
    // as covered.
    void migrationFillsHoursFromMinutes()
    {
        m_store.reset();
        m_db.reset();
        QFile::remove(m_dir.filePath(QStringLiteral("airlock.db")));
        DatabaseOptions v4;
        v4.migrations = schemaMigrations().mid(0, 4);
        QCOMPARE(v4.migrations->constLast().version, 4);
        {
            auto db = Database::open(m_dir.path(), v4);
            QVERIFY(db);
            for (int m = 0; m < 130; ++m) {
                QVERIFY((*db)->exec(QStringLiteral("INSERT INTO request_log_minutes (minute_ms, feature, model_endpoint, "
                                                   "requests, errors, h3) VALUES (?, 'f', 'm', 2, 1, 2)"),
                                    {m_t0 + m * 60000}));
            }
            QVERIFY((*db)->exec(QStringLiteral("INSERT INTO request_log (id, started_ms, request_id, status) VALUES (41, ?, "
                                               "'x', 200)"),
                                {m_t0}));
        }
        auto db = Database::open(m_dir.path());
        QVERIFY(db);
        auto hours = (*db)->run(QStringLiteral("SELECT hour_ms, requests, errors, h3 FROM request_log_hours ORDER BY 1"));
        QVERIFY(hours);
        QList<qint64> requests;
        while (hours->next()) {
            QCOMPARE(hours->value(0).toLongLong() % 3600000, 0);
            QCOMPARE(hours->value(1).toLongLong(), hours->value(3).toLongLong());
            requests.append(hours->value(1).toLongLong());
        }
        QCOMPARE(requests, (QList<qint64>{120, 120, 20}));
        auto covered = (*db)->run(QStringLiteral("SELECT covered_id FROM request_log_rollup"));
        QVERIFY(covered && covered->next());
        QCOMPARE(covered->value(0).toLongLong(), 41);
    }

    void percentileMath()
    {
        std::array<qint64, kLatencyBuckets> b{};
        QCOMPARE(percentileFromBuckets(b, 0.5), -1.0);
        b[latencyBucket(7)] = 100; // all in (5, 10]
        const double p = percentileFromBuckets(b, 0.5);
        QVERIFY(p > 5 && p <= 10);
        QCOMPARE(latencyBucket(0), 0);
        QCOMPARE(latencyBucket(1e9), kLatencyBuckets - 1);
    }
};

QTEST_GUILESS_MAIN(tst_RequestLogStore)
#include "tst_requestlogstore.moc"
