// The request log's SQL: batches, the console's filters and paging, one record, aggregates,
// telemetry, retention.

#include "logging/requestlogstore.h"
#include "storage/database.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock;
using namespace airlock::logging;

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
