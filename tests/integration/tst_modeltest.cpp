// POST /api/v1/models/test against the fake model server answering as the servers (and the things in
// front of them) do: an HTML login page, a redirect, no model list (llama.cpp, TGI), a list without the
// configured identifier. Each step's status and message, and that the completion step decides.

#include "gatewayfixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace airlock;
using namespace airlock::test;

namespace {

constexpr QByteArrayView kLoginPage =
    "<!DOCTYPE html><html><head><title>Sign in - Corporate SSO</title></head><body><form>...</form></body></html>";

} // namespace

Q_DECLARE_METATYPE(airlock::test::FakeBehavior)

class tst_ModelTest : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    // Runs the test of an endpoint at the fake with `identifier`; the answer's JSON.
    QJsonObject runTest(const QString &identifier = QStringLiteral("fake-model"))
    {
        const QJsonObject body{{QStringLiteral("name"), QStringLiteral("candidate")},
                               {QStringLiteral("family"), QStringLiteral("codestral")},
                               {QStringLiteral("base_url"), m_fake->baseUrl().toString()},
                               {QStringLiteral("identifier"), identifier}};
        const HttpResponse r =
            m_gw->admin("POST", "/api/v1/models/test", QJsonDocument(body).toJson(QJsonDocument::Compact));
        if (r.status != 200)
            qWarning("model test answered %d: %s", r.status, r.body.constData());
        return r.json();
    }

    static QJsonObject step(const QJsonObject &answer, const QString &name)
    {
        for (const QJsonValue &v : answer.value(QStringLiteral("steps")).toArray()) {
            if (v.toObject().value(QStringLiteral("name")).toString() == name)
                return v.toObject();
        }
        return {};
    }

    static QStringList statuses(const QJsonObject &answer)
    {
        QStringList out;
        for (const QJsonValue &v : answer.value(QStringLiteral("steps")).toArray())
            out << v.toObject().value(QStringLiteral("status")).toString();
        return out;
    }

    static QString message(const QJsonObject &answer, const QString &name)
    {
        return step(answer, name).value(QStringLiteral("message")).toString();
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        QVERIFY(m_fake->isListening());
        m_gw = std::make_unique<GatewayFixture>();
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl()));
    }

    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    void everythingPasses()
    {
        const QJsonObject answer = runTest();
        QCOMPARE(answer.value(QStringLiteral("ok")).toBool(), true);
        QCOMPARE(statuses(answer), (QStringList{QStringLiteral("ok"), QStringLiteral("ok"), QStringLiteral("ok")}));
        // The fields the console read before `status` are still there.
        for (const QJsonValue &v : answer.value(QStringLiteral("steps")).toArray()) {
            const QJsonObject s = v.toObject();
            QCOMPARE(s.value(QStringLiteral("ok")).toBool(), true);
            QCOMPARE(s.value(QStringLiteral("skipped")).toBool(), false);
            QCOMPARE(s.value(QStringLiteral("detail")).toString(), s.value(QStringLiteral("message")).toString());
            QVERIFY(s.value(QStringLiteral("ms")).toInteger(-1) >= 0);
        }
        QVERIFY2(message(answer, QStringLiteral("models")).contains(QLatin1String("\"fake-model\" is listed")),
                 qPrintable(message(answer, QStringLiteral("models"))));
        QVERIFY(message(answer, QStringLiteral("completion")).contains(QLatin1String("answered in")));
    }

    void htmlLoginPageIsNotHttpJson()
    {
        const FakeBehavior page = FakeBehavior::replyAs(200, "text/html; charset=utf-8", kLoginPage.toByteArray());
        m_fake->setModelsBehavior(page);
        m_fake->setDefaultBehavior(page);
        const QJsonObject answer = runTest();
        QCOMPARE(answer.value(QStringLiteral("ok")).toBool(), false);
        QCOMPARE(statuses(answer), (QStringList{QStringLiteral("ok"), QStringLiteral("failed"), QStringLiteral("failed")}));
        for (const char *name : {"models", "completion"}) {
            const QString text = message(answer, QLatin1String(name));
            QVERIFY2(text.contains(QLatin1String("not HTTP/JSON (got text/html")), qPrintable(text));
            QVERIFY2(text.contains(QLatin1String("Sign in")), qPrintable(text)); // what came back
            QVERIFY2(!text.contains(QLatin1String("serves: nothing")), qPrintable(text));
        }
        // The completion ran although the list failed.
        QCOMPARE(m_fake->requestCount(QStringLiteral("/v1/completions")), 1);
    }

    void redirectToALoginPageIsNotHttpJson()
    {
        FakeBehavior redirect = FakeBehavior::replyAs(302, "text/html", "<a href=\"https://sso.example/login\">login</a>");
        redirect.extraHeaders = {{"Location", "https://sso.example/login"}};
        m_fake->setModelsBehavior(redirect);
        const QJsonObject answer = runTest();
        const QString text = message(answer, QStringLiteral("models"));
        QCOMPARE(step(answer, QStringLiteral("models")).value(QStringLiteral("status")).toString(), QStringLiteral("failed"));
        QVERIFY2(text.contains(QLatin1String("not HTTP/JSON")) && text.contains(QLatin1String("sso.example/login")),
                 qPrintable(text));
    }

    void noModelListIsSkippedAndTheCompletionDecides_data()
    {
        QTest::addColumn<FakeBehavior>("models");
        QTest::addColumn<QStringList>("listed");
        QTest::addColumn<QString>("mention");
        QTest::newRow("404 (JSON)") << FakeBehavior::reply(404, R"({"error":"Not Found"})") << QStringList{QStringLiteral("x")}
                                    << QStringLiteral("HTTP 404");
        QTest::newRow("404 (empty)") << FakeBehavior::replyAs(404, "text/plain", {}) << QStringList{QStringLiteral("x")}
                                     << QStringLiteral("HTTP 404");
        QTest::newRow("empty list") << FakeBehavior::answer() << QStringList{} << QStringLiteral("empty");
    }
    void noModelListIsSkippedAndTheCompletionDecides()
    {
        QFETCH(FakeBehavior, models);
        QFETCH(QStringList, listed);
        QFETCH(QString, mention);
        m_fake->setModelsBehavior(models);
        m_fake->setModels(listed);
        QJsonObject answer = runTest();
        QCOMPARE(statuses(answer), (QStringList{QStringLiteral("ok"), QStringLiteral("skipped"), QStringLiteral("ok")}));
        QCOMPARE(answer.value(QStringLiteral("ok")).toBool(), true);
        const QString text = message(answer, QStringLiteral("models"));
        QVERIFY2(text.contains(QLatin1String("does not list models (skipped)")) && text.contains(mention), qPrintable(text));
        QCOMPARE(step(answer, QStringLiteral("models")).value(QStringLiteral("skipped")).toBool(), true);
        QCOMPARE(m_fake->requestCount(QStringLiteral("/v1/completions")), 1);

        // The same server refusing the completion: the test fails on that step.
        m_fake->setDefaultBehavior(FakeBehavior::error(404, R"({"error":{"message":"model 'fake-model' not found"}})"));
        answer = runTest();
        QCOMPARE(answer.value(QStringLiteral("ok")).toBool(), false);
        QCOMPARE(statuses(answer), (QStringList{QStringLiteral("ok"), QStringLiteral("skipped"), QStringLiteral("failed")}));
        QVERIFY2(message(answer, QStringLiteral("completion")).contains(QLatin1String("HTTP 404: model 'fake-model' not found")),
                 qPrintable(message(answer, QStringLiteral("completion"))));
    }

    void listWithoutTheIdentifierIsAWarningNamingWhatItLists()
    {
        m_fake->setModels({QStringLiteral("llama-3-8b-instruct"), QStringLiteral("qwen2.5-coder-7b")});
        QJsonObject answer = runTest(QStringLiteral("codestral-22b"));
        QCOMPARE(statuses(answer), (QStringList{QStringLiteral("ok"), QStringLiteral("warning"), QStringLiteral("ok")}));
        QCOMPARE(answer.value(QStringLiteral("ok")).toBool(), true); // the fake serves the name anyway
        const QString text = message(answer, QStringLiteral("models"));
        QVERIFY2(text.contains(QLatin1String("lists models but not \"codestral-22b\"")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("llama-3-8b-instruct")) && text.contains(QLatin1String("qwen2.5-coder-7b")),
                 qPrintable(text));
        QCOMPARE(m_fake->lastRequest().json().value(QStringLiteral("model")).toString(), QStringLiteral("codestral-22b"));

        m_fake->setDefaultBehavior(FakeBehavior::error(400, R"({"error":{"message":"The model codestral-22b does not exist."}})"));
        answer = runTest(QStringLiteral("codestral-22b"));
        QCOMPARE(answer.value(QStringLiteral("ok")).toBool(), false);
        QCOMPARE(statuses(answer), (QStringList{QStringLiteral("ok"), QStringLiteral("warning"), QStringLiteral("failed")}));
        QVERIFY2(message(answer, QStringLiteral("completion")).contains(QLatin1String("does not exist")),
                 qPrintable(message(answer, QStringLiteral("completion"))));
    }

    void nothingListeningSkipsTheRest()
    {
        const quint16 port = m_fake->port();
        m_fake.reset(); // nothing listens there now
        const QJsonObject body{{QStringLiteral("family"), QStringLiteral("codestral")},
                               {QStringLiteral("base_url"), QStringLiteral("http://127.0.0.1:%1/v1").arg(port)},
                               {QStringLiteral("identifier"), QStringLiteral("x")}};
        const QJsonObject answer =
            m_gw->admin("POST", "/api/v1/models/test", QJsonDocument(body).toJson(QJsonDocument::Compact)).json();
        QCOMPARE(answer.value(QStringLiteral("ok")).toBool(), false);
        QCOMPARE(statuses(answer), (QStringList{QStringLiteral("failed"), QStringLiteral("skipped"), QStringLiteral("skipped")}));
        QVERIFY(message(answer, QStringLiteral("completion")).contains(QLatin1String("earlier step failed")));
    }
};

QTEST_MAIN(tst_ModelTest)
#include "tst_modeltest.moc"
