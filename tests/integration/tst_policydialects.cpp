// The policy step holds on every dialect: each of the global switch, the chat switch, a feature's own
// flag, the stage gate and a disabled assignment refuses the feature on its GitLab route and on the
// OpenAI API alike, with the dialect's error body naming what decided. Real gateway, fake model server.

#include "gatewayfixture.h"
#include "gitlabrequests.h"

#include <QJsonArray>

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

namespace {

// The request for `feature` on `dialect` ("gitlab" or "openai").
HttpRequest requestFor(const QString &dialect, const QString &feature)
{
    if (dialect == QLatin1String("openai")) {
        if (feature == QLatin1String("code_completions"))
            return HttpRequest::post("/v1/completions", openAiCompletionBody(feature.toUtf8()));
        return HttpRequest::post("/v1/chat/completions", chatBody(feature.toUtf8()));
    }
    if (feature == QLatin1String("code_completions"))
        return gl::post("/v2/code/completions", gl::completionBody());
    if (feature == QLatin1String("code_generations"))
        return gl::post("/v2/code/generations", gl::generationBody());
    if (feature == QLatin1String("duo_chat_explain_code"))
        return gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("what does this do?")));
    if (feature == QLatin1String("summarize_review")) {
        return gl::post("/v1/prompts/summarize_review",
                        QJsonObject{{QStringLiteral("inputs"), QJsonObject{{QStringLiteral("review"), QStringLiteral("lgtm")}}}});
    }
    qFatal("no GitLab request for %s", qPrintable(feature));
}

} // namespace

class tst_PolicyDialects : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    // Every feature the table uses assigned to the fake endpoint, `disabled` set to "disabled".
    GatewayConfig config(const QJsonObject &flags = {}, const QString &disabled = {}) const
    {
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        for (const char *feature : {"code_completions", "code_generations", "duo_chat", "duo_chat_explain_code",
                                    "summarize_review"})
            c.features.insert(QLatin1String(feature), QStringLiteral("fake"));
        if (!disabled.isEmpty())
            c.features.insert(disabled, QString(kDisabled));
        c.flags = flags;
        return c;
    }

    HttpResponse send(const HttpRequest &request) { return TestHttpClient::fetch(m_gw->port(), request); }

    QStringList listedModels()
    {
        const HttpResponse r = send(HttpRequest::get("/v1/models"));
        QStringList ids;
        for (const QJsonValue &m : r.json().value(QStringLiteral("data")).toArray())
            ids.append(m.toObject().value(QStringLiteral("id")).toString());
        return ids;
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        m_gw = std::make_unique<GatewayFixture>();
    }

    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    void refusedOnEveryDialect_data()
    {
        QTest::addColumn<QJsonObject>("flags");
        QTest::addColumn<QString>("disabled"); // a feature assigned "disabled"
        QTest::addColumn<QString>("feature");  // what the request asks for
        QTest::addColumn<QString>("code");     // the refusal's code
        QTest::addColumn<QString>("names");    // the flag / field the refusal names

        const QJsonObject globalOff{{QStringLiteral("ai_global_switch"), false}};
        const QJsonObject chatOff{{QStringLiteral("ai_duo_chat_switch"), false}};
        const QJsonObject generationsOff{
            {QStringLiteral("flags"), QJsonObject{{QStringLiteral("ai_code_generations"), false}}}};
        struct Case
        {
            const char *name;
            QJsonObject flags;
            QString disabled;
            QString gitlabFeature;
            QString openaiFeature;
            QString code;
            QString names;
        };
        const QList<Case> cases{
            {"global switch", globalOff, {}, QStringLiteral("code_completions"), QStringLiteral("code_completions"),
             QStringLiteral("flag_disabled"), QStringLiteral("ai_global_switch")},
            {"global switch, generations", globalOff, {}, QStringLiteral("code_generations"),
             QStringLiteral("code_generations"), QStringLiteral("flag_disabled"), QStringLiteral("ai_global_switch")},
            {"chat switch", chatOff, {}, QStringLiteral("duo_chat_explain_code"), QStringLiteral("duo_chat"),
             QStringLiteral("flag_disabled"), QStringLiteral("ai_duo_chat_switch")},
            {"feature flag", generationsOff, {}, QStringLiteral("code_generations"), QStringLiteral("code_generations"),
             QStringLiteral("flag_disabled"), QStringLiteral("ai_code_generations")},
            {"stage gate", {}, {}, QStringLiteral("summarize_review"), QStringLiteral("summarize_review"),
             QStringLiteral("stage_not_enabled"), QStringLiteral("stage")},
            {"disabled assignment", {}, QStringLiteral("duo_chat_explain_code"), QStringLiteral("duo_chat_explain_code"),
             QStringLiteral("duo_chat_explain_code"), QStringLiteral("feature_disabled"),
             QStringLiteral("features.duo_chat_explain_code")},
        };
        for (const Case &c : cases) {
            QTest::addRow("%s, gitlab", c.name) << c.flags << c.disabled << QStringLiteral("gitlab:") + c.gitlabFeature
                                                << c.code << c.names;
            QTest::addRow("%s, openai", c.name) << c.flags << c.disabled << QStringLiteral("openai:") + c.openaiFeature
                                                << c.code << c.names;
        }
    }

    void refusedOnEveryDialect()
    {
        QFETCH(QJsonObject, flags);
        QFETCH(QString, disabled);
        QFETCH(QString, feature);
        QFETCH(QString, code);
        QFETCH(QString, names);
        const QString dialect = feature.section(u':', 0, 0);
        const QString id = feature.section(u':', 1);

        // Allowed while the admin has not decided otherwise (experiments on for the stage row's baseline).
        m_gw->apply(config(QJsonObject{{QStringLiteral("experiment_features_enabled"), true}}));
        const HttpResponse allowed = send(requestFor(dialect, id));
        QVERIFY2(allowed.status == 200, allowed.body.constData());

        m_gw->apply(config(flags, disabled));
        const int before = m_fake->requestCount();
        const HttpResponse r = send(requestFor(dialect, id));
        QCOMPARE(r.status, 403);
        if (dialect == QLatin1String("openai")) {
            const QJsonObject error = r.json().value(QStringLiteral("error")).toObject();
            QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("permission_error"));
            QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
            QCOMPARE(error.value(QStringLiteral("param")).toString(), names);
            if (names != QLatin1String("stage"))
                QVERIFY2(error.value(QStringLiteral("message")).toString().contains(names), r.body.constData());
        } else {
            const QString detail = r.json().value(QStringLiteral("detail")).toString();
            QVERIFY2(detail.contains(names == QLatin1String("stage") ? QStringLiteral("experiment") : names),
                     r.body.constData());
        }
        QCOMPARE(m_fake->requestCount(), before); // the model server never saw it
    }

    // An OpenAI request naming the endpoint, not a feature, is the features that endpoint serves.
    void namedEndpointIsItsFeatures()
    {
        // config() also assigns summarize_review, an experiment with experiments off: a feature the
        // namespace is not offered does not close the endpoint its other features use.
        m_gw->apply(config());
        QCOMPARE(send(HttpRequest::post("/v1/completions", openAiCompletionBody("fake"))).status, 200);

        // An endpoint that serves nothing but that experiment is refused by the stage gate.
        GatewayConfig experimentOnly = config();
        experimentOnly.features.clear();
        experimentOnly.features.insert(QStringLiteral("summarize_review"), QStringLiteral("fake"));
        m_gw->apply(experimentOnly);
        HttpResponse gated = send(HttpRequest::post("/v1/chat/completions", chatBody("fake")));
        QCOMPARE(gated.status, 403);
        QCOMPARE(gated.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).toString(),
                 QStringLiteral("stage"));

        m_gw->apply(config(QJsonObject{{QStringLiteral("ai_global_switch"), false}}));
        HttpResponse r = send(HttpRequest::post("/v1/completions", openAiCompletionBody("fake")));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).toString(),
                 QStringLiteral("ai_global_switch"));

        // Only duo_chat (a chat feature) on the endpoint: the chat switch decides, the global one does not.
        GatewayConfig chatOnly = config(QJsonObject{{QStringLiteral("ai_global_switch"), false}});
        chatOnly.features.clear();
        chatOnly.features.insert(QStringLiteral("duo_chat"), QStringLiteral("fake"));
        m_gw->apply(chatOnly);
        QCOMPARE(send(HttpRequest::post("/v1/chat/completions", chatBody("fake"))).status, 200);
        chatOnly.flags = QJsonObject{{QStringLiteral("ai_duo_chat_switch"), false}};
        m_gw->apply(chatOnly);
        r = send(HttpRequest::post("/v1/chat/completions", chatBody("fake")));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).toString(),
                 QStringLiteral("ai_duo_chat_switch"));
    }

    // The admin maps an endpoint to a feature: that feature's flag decides.
    void modelFeaturesMapsAnEndpoint()
    {
        const QJsonObject mapped{{QStringLiteral("model_features"), QJsonObject{{QStringLiteral("fake"), QStringLiteral("code_generations")}}}};
        QJsonObject flags = mapped;
        flags.insert(QStringLiteral("ai_duo_chat_switch"), false); // would refuse duo_chat, which the endpoint serves
        m_gw->apply(config(flags));
        QCOMPARE(send(HttpRequest::post("/v1/chat/completions", chatBody("fake"))).status, 200);
        flags.insert(QStringLiteral("flags"), QJsonObject{{QStringLiteral("ai_code_generations"), false}});
        m_gw->apply(config(flags));
        const HttpResponse r = send(HttpRequest::post("/v1/chat/completions", chatBody("fake")));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).toString(),
                 QStringLiteral("ai_code_generations"));
    }

    // An endpoint no feature uses is the openai_api feature, with its own flag.
    void unusedEndpointIsTheOpenAiApiFeature()
    {
        GatewayConfig c = config();
        c.features.clear();
        m_gw->apply(c);
        QCOMPARE(send(HttpRequest::post("/v1/chat/completions", chatBody("fake"))).status, 200);
        c.flags = QJsonObject{{QStringLiteral("flags"), QJsonObject{{QStringLiteral("ai_openai_api"), false}}}};
        m_gw->apply(c);
        const HttpResponse r = send(HttpRequest::post("/v1/chat/completions", chatBody("fake")));
        QCOMPARE(r.status, 403);
        const QJsonObject error = r.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("param")).toString(), QStringLiteral("ai_openai_api"));
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("flag_disabled"));
        QVERIFY(!listedModels().contains(QStringLiteral("fake")));
    }

    // GET /v1/models lists only what the policy would serve.
    void modelListFollowsThePolicy()
    {
        m_gw->apply(config());
        QStringList ids = listedModels();
        for (const char *id : {"fake", "code_completions", "code_generations", "duo_chat", "duo_chat_explain_code"})
            QVERIFY2(ids.contains(QLatin1String(id)), qPrintable(ids.join(u',')));
        QVERIFY(!ids.contains(QStringLiteral("summarize_review"))); // an experiment, experiments off

        m_gw->apply(config(QJsonObject{{QStringLiteral("ai_duo_chat_switch"), false},
                                       {QStringLiteral("flags"), QJsonObject{{QStringLiteral("ai_code_generations"), false}}}}));
        ids = listedModels();
        QVERIFY2(ids.contains(QStringLiteral("code_completions")), qPrintable(ids.join(u',')));
        for (const char *id : {"duo_chat", "duo_chat_explain_code", "code_generations", "fake"})
            QVERIFY2(!ids.contains(QLatin1String(id)), qPrintable(ids.join(u',')));

        m_gw->apply(config(QJsonObject{{QStringLiteral("ai_global_switch"), false}}));
        ids = listedModels();
        QVERIFY2(ids.contains(QStringLiteral("duo_chat")), qPrintable(ids.join(u',')));
        QVERIFY2(!ids.contains(QStringLiteral("code_completions")), qPrintable(ids.join(u',')));
    }
};

QTEST_MAIN(tst_PolicyDialects)
#include "tst_policydialects.moc"
