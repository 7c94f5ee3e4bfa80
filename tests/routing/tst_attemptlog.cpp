// The attempt log's JSON (routing/attemptlog.h): what a try's record looks like, that it always parses as
// a JSON array whatever the names and URLs hold, and the integer millisecond format against the double one
// it replaced.

#include "routing/attemptlog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>

using namespace airlock::routing;

class tst_AttemptLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twoTriesFormOneArray()
    {
        QByteArray json;
        appendAttempt(json, AttemptEntry{"m1", "http://10.0.0.5:8000/v1", 503, 12.5, 13.125, 120, "status_503", false});
        appendAttempt(json, AttemptEntry{"m2", "http://10.0.0.6:8000/v1", 200, 40.0, 250.0005, 900, "ok", true});
        QCOMPARE(json, QByteArray(R"([{"endpoint":"m1","replica":"http://10.0.0.5:8000/v1","status":503,)"
                                  R"("first_byte_ms":12.5,"ms":13.125,"bytes":120,"end":"status_503"},)"
                                  R"({"endpoint":"m2","replica":"http://10.0.0.6:8000/v1","status":200,)"
                                  R"("first_byte_ms":40,"ms":250.001,"bytes":900,"end":"ok","hedge":true}])"));
    }

    void noHeadLeavesOutFirstByte()
    {
        QByteArray json;
        appendAttempt(json, AttemptEntry{"m", "http://h/v1", 0, -1, 3, 0, "connect_failed", false});
        const QJsonObject o = QJsonDocument::fromJson(json).array().at(0).toObject();
        QVERIFY(!o.contains(QLatin1String("first_byte_ms")));
        QCOMPARE(o.value(QLatin1String("status")).toInt(), 0);
        QCOMPARE(o.value(QLatin1String("end")).toString(), QStringLiteral("connect_failed"));
    }

    // Quotes, backslashes, control and non-ASCII bytes are escaped: the column stays ASCII JSON.
    void oddBytesAreEscaped()
    {
        QByteArray json;
        const QByteArray replica("http://h/v1?a=\"b\\c\"\n\x01\xc3\xa9");
        appendAttempt(json, AttemptEntry{"m", replica, 200, 1, 2, 3, "ok", false});
        for (const char c : json)
            QVERIFY2(uchar(c) >= 0x20 && uchar(c) < 0x7f, json.constData());
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(doc.array().at(0).toObject().value(QLatin1String("replica")).toString(),
                 QString::fromLatin1(replica)); // each byte as its Latin-1 code point
    }

    void milliseconds_data()
    {
        QTest::addColumn<double>("ms");
        for (const double v : {0.0, 0.0004, 0.0005, 0.001, 0.01, 0.1, 0.25, 1.0, 7.0, 12.5, 13.1, 99.999, 99.9995,
                               1000.0, 1234.5678, 30000.0, 86400000.123})
            QTest::addRow("%g", v) << v;
    }

    // The same text as the rounded double printed with %.12g, which is what readers got before.
    void milliseconds()
    {
        QFETCH(double, ms);
        QByteArray out;
        appendMilliseconds(out, ms);
        QCOMPARE(out, QByteArray::number(std::round(ms * 1000.0) / 1000.0, 'g', 12));
    }

    void millisecondsNeverInvalidJson()
    {
        for (const double v : {-1.0, std::nan(""), 1e300}) {
            QByteArray out;
            appendMilliseconds(out, v);
            QCOMPARE(out, QByteArray("0"));
        }
    }
};

QTEST_APPLESS_MAIN(tst_AttemptLog)
#include "tst_attemptlog.moc"
