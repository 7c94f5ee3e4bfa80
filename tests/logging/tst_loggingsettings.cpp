// Logging start-up settings (command line > declarative file > environment), secrets from files only,
// errors naming the key; and the pieces that feed chat history: whose history a principal writes to,
// the user's question, the answer text of relayed OpenAI answers (whole and streamed), the size cap.

#include "auth/authenticator.h"
#include "dialects/common/chatcapture.h"
#include "logging/loggingsettings.h"
#include "storage/redaction.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock;
using namespace airlock::logging;

namespace {

QJsonValue section(const char *json)
{
    return QJsonDocument::fromJson(json).object().value(QStringLiteral("logging"));
}

EnvironmentReader env(QHash<QByteArray, QByteArray> values)
{
    return [values](const char *name) { return values.value(QByteArray(name)); };
}

const EnvironmentReader kNoEnv = env({});

QByteArray sse(const QString &text)
{
    return "data: " + QJsonDocument(QJsonObject{{QStringLiteral("choices"),
                                                QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                                       {QStringLiteral("delta"),
                                                                        QJsonObject{{QStringLiteral("content"), text}}}}}}})
                          .toJson(QJsonDocument::Compact)
        + "\n\n";
}

} // namespace

class tst_LoggingSettings : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write(content);
        return path;
    }

private Q_SLOTS:
    void defaults()
    {
        auto s = resolveLoggingSettings({}, {}, {}, kNoEnv);
        QVERIFY(s);
        QVERIFY(s->requestLog);
        QCOMPARE(s->chatBackend, ChatHistoryBackend::Store);
        QVERIFY(s->metricsToken.isEmpty());
        QVERIFY(s->redisPassword.isEmpty());
    }

    void fileSection()
    {
        writeFile(QStringLiteral("redis-password"), "s3cret-pw\n");
        writeFile(QStringLiteral("metrics-token"), "0123456789abcdef0123\n");
        auto s = resolveLoggingSettings({}, section("{\"logging\":{\"request_log\":false,\"metrics_token_file\":\"metrics-token\", "
            "            \"chat_history\":{\"backend\":\"redis\",\"redis\":\"10.1.2.3:6380\",\"redis_password_file\":\"redis-password\"}}}"),
                                        m_dir.path(), kNoEnv);
        QVERIFY2(s, s ? "" : qPrintable(s.error().message));
        QVERIFY(!s->requestLog);
        QCOMPARE(s->chatBackend, ChatHistoryBackend::Redis);
        QCOMPARE(s->redisHost, QStringLiteral("10.1.2.3"));
        QCOMPARE(s->redisPort, quint16(6380));
        QCOMPARE(s->redisPassword, QStringLiteral("s3cret-pw")); // relative to the file's folder, newline dropped
        QCOMPARE(s->metricsToken, QByteArray("0123456789abcdef0123"));
    }

    void commandLineWinsOverFileOverEnvironment()
    {
        const QJsonValue file = section("{\"logging\":{\"request_log\":true,\"chat_history\":{\"backend\":\"redis\",\"redis\":\"file-host:1\"}}}");
        const auto environment = env({{"AIRLOCK_REQUEST_LOG", "off"}, {"AIRLOCK_CHAT_REDIS", "env-host:2"},
                                      {"AIRLOCK_METRICS_TOKEN", "env-token-0123456789"}});
        LoggingOptions cli;
        cli.requestLog = false;
        cli.chatRedis = QStringLiteral("[::1]:7000");
        auto s = resolveLoggingSettings(cli, file, m_dir.path(), environment);
        QVERIFY(s);
        QVERIFY(!s->requestLog);
        QCOMPARE(s->redisHost, QStringLiteral("::1"));
        QCOMPARE(s->redisPort, quint16(7000));
        QCOMPARE(s->metricsToken, QByteArray("env-token-0123456789"));

        s = resolveLoggingSettings({}, file, m_dir.path(), environment);
        QVERIFY(s);
        QVERIFY(s->requestLog); // the file beats the environment
        QCOMPARE(s->redisHost, QStringLiteral("file-host"));

        // The environment alone (the variables of earlier versions keep working).
        s = resolveLoggingSettings({}, {}, {}, env({{"AIRLOCK_REQUEST_LOG", "off"}, {"AIRLOCK_CHAT_REDIS", "env-host:2"},
                                                    {"AIRLOCK_CHAT_REDIS_PASSWORD", "pw"}}));
        QVERIFY(s);
        QVERIFY(!s->requestLog);
        QCOMPARE(s->chatBackend, ChatHistoryBackend::Redis);
        QCOMPARE(s->redisHost, QStringLiteral("env-host"));
        QCOMPARE(s->redisPort, quint16(2));
        QCOMPARE(s->redisPassword, QStringLiteral("pw"));

        // --chat-history store wins over a Redis address from the file or the environment.
        cli = {};
        cli.chatBackend = QStringLiteral("store");
        s = resolveLoggingSettings(cli, file, m_dir.path(), environment);
        QVERIFY(s);
        QCOMPARE(s->chatBackend, ChatHistoryBackend::Store);
    }

    void badValuesNameTheKey_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QString>("field");
        QTest::newRow("unknown key") << QByteArray("{\"logging\":{\"request_logs\":true}}") << QStringLiteral("logging.request_logs");
        QTest::newRow("unknown chat key") << QByteArray("{\"logging\":{\"chat_history\":{\"ttl\":3}}}")
                                          << QStringLiteral("logging.chat_history.ttl");
        QTest::newRow("not an object") << QByteArray("{\"logging\":true}") << QStringLiteral("logging");
        QTest::newRow("request_log type") << QByteArray("{\"logging\":{\"request_log\":\"off\"}}") << QStringLiteral("logging.request_log");
        QTest::newRow("backend") << QByteArray("{\"logging\":{\"chat_history\":{\"backend\":\"memcached\"}}}")
                                 << QStringLiteral("logging.chat_history.backend");
        QTest::newRow("address") << QByteArray("{\"logging\":{\"chat_history\":{\"redis\":\"host:99999\"}}}")
                                 << QStringLiteral("logging.chat_history.redis");
        QTest::newRow("address type") << QByteArray("{\"logging\":{\"chat_history\":{\"redis\":6379}}}")
                                      << QStringLiteral("logging.chat_history.redis");
        QTest::newRow("redis without address") << QByteArray("{\"logging\":{\"chat_history\":{\"backend\":\"redis\"}}}")
                                               << QStringLiteral("logging.chat_history.redis");
        QTest::newRow("store with address") << QByteArray("{\"logging\":{\"chat_history\":{\"backend\":\"store\",\"redis\":\"h:1\"}}}")
                                            << QStringLiteral("logging.chat_history.redis");
        QTest::newRow("inline password") << QByteArray("{\"logging\":{\"chat_history\":{\"redis\":\"h:1\",\"redis_password\":\"x\"}}}")
                                         << QStringLiteral("logging.chat_history.redis_password");
        QTest::newRow("inline metrics token") << QByteArray("{\"logging\":{\"metrics_token\":\"0123456789abcdef\"}}")
                                              << QStringLiteral("logging.metrics_token");
        QTest::newRow("missing password file")
            << QByteArray("{\"logging\":{\"chat_history\":{\"redis\":\"h:1\",\"redis_password_file\":\"no-such-file\"}}}")
            << QStringLiteral("logging.chat_history.redis_password_file");
        QTest::newRow("short metrics token") << QByteArray("{\"logging\":{\"metrics_token_file\":\"short-token\"}}")
                                             << QStringLiteral("logging.metrics_token_file");
        QTest::newRow("redaction not an object") << QByteArray("{\"logging\":{\"redaction\":[]}}")
                                                 << QStringLiteral("logging.redaction");
        QTest::newRow("redaction unknown key") << QByteArray("{\"logging\":{\"redaction\":{\"enable\":[]}}}")
                                               << QStringLiteral("logging.redaction.enable");
        QTest::newRow("redaction unknown rule") << QByteArray("{\"logging\":{\"redaction\":{\"disable\":[\"jwt\",\"aws\"]}}}")
                                                << QStringLiteral("logging.redaction.disable[1]");
        QTest::newRow("redaction rule name type") << QByteArray("{\"logging\":{\"redaction\":{\"disable\":[7]}}}")
                                                  << QStringLiteral("logging.redaction.disable[0]");
        QTest::newRow("redaction bad regex")
            << QByteArray("{\"logging\":{\"redaction\":{\"rules\":[{\"name\":\"t\",\"pattern\":\"a(\"}]}}}")
            << QStringLiteral("logging.redaction.rules[0].pattern");
        QTest::newRow("redaction rule without pattern")
            << QByteArray("{\"logging\":{\"redaction\":{\"rules\":[{\"name\":\"t\"}]}}}")
            << QStringLiteral("logging.redaction.rules[0].pattern");
        QTest::newRow("redaction rule unknown key")
            << QByteArray("{\"logging\":{\"redaction\":{\"rules\":[{\"name\":\"t\",\"pattern\":\"x\",\"flags\":\"i\"}]}}}")
            << QStringLiteral("logging.redaction.rules[0].flags");
    }

    void redactionSection()
    {
        auto s = resolveLoggingSettings(
            {}, section("{\"logging\":{\"redaction\":{\"disable\":[\"jwt\"],\"rules\":[{\"name\":\"ticket\",\"pattern\":\"TKT-[0-9]{4}\"}]}}}"),
            {}, kNoEnv);
        QVERIFY(s);
        QVERIFY(s->redactor);
        QVERIFY(!s->redactor->ruleNames().contains(QStringLiteral("jwt")));
        QCOMPARE(s->redactor->redact("id TKT-1234"), QByteArray("id [REDACTED]"));
        auto none = resolveLoggingSettings({}, {}, {}, kNoEnv);
        QVERIFY(none && !none->redactor); // every built-in rule
    }
    void badValuesNameTheKey()
    {
        QFETCH(QByteArray, file);
        QFETCH(QString, field);
        writeFile(QStringLiteral("short-token"), "abc\n");
        auto s = resolveLoggingSettings({}, section(file.constData()), m_dir.path(), kNoEnv);
        QVERIFY(!s);
        QCOMPARE(s.error().field, field);
        QVERIFY2(s.error().message.contains(field), qPrintable(s.error().message));
        QVERIFY(!s.error().message.contains(QLatin1String("0123456789abcdef"))); // a secret is never repeated
    }

    void badCommandLineValuesNameTheOption_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::addColumn<QString>("redis");
        QTest::addColumn<QString>("passwordFile");
        QTest::addColumn<QString>("metricsFile");
        QTest::addColumn<QString>("field");
        QTest::newRow("backend") << QStringLiteral("postgres") << QStringLiteral("") << QStringLiteral("") << QStringLiteral("") << QStringLiteral("--chat-history");
        QTest::newRow("address") << QStringLiteral("") << QStringLiteral("host:port") << QStringLiteral("") << QStringLiteral("") << QStringLiteral("--chat-redis");
        QTest::newRow("store + address") << QStringLiteral("store") << QStringLiteral("h:1") << QStringLiteral("") << QStringLiteral("") << QStringLiteral("--chat-redis");
        QTest::newRow("password file") << QStringLiteral("") << QStringLiteral("h:1") << QStringLiteral("/no/such/file") << QStringLiteral("") << QStringLiteral("--chat-redis-password-file");
        QTest::newRow("metrics file") << QStringLiteral("") << QStringLiteral("") << QStringLiteral("") << QStringLiteral("/no/such/file") << QStringLiteral("--metrics-token-file");
    }
    void badCommandLineValuesNameTheOption()
    {
        QFETCH(QString, backend);
        QFETCH(QString, redis);
        QFETCH(QString, passwordFile);
        QFETCH(QString, metricsFile);
        QFETCH(QString, field);
        LoggingOptions cli;
        cli.chatBackend = backend;
        cli.chatRedis = redis;
        cli.chatRedisPasswordFile = passwordFile;
        cli.metricsTokenFile = metricsFile;
        auto s = resolveLoggingSettings(cli, {}, {}, kNoEnv);
        QVERIFY(!s);
        QCOMPARE(s.error().field, field);
        QVERIFY2(s.error().message.startsWith(field), qPrintable(s.error().message));
    }

    void badEnvironmentIsNamed()
    {
        auto s = resolveLoggingSettings({}, {}, {}, env({{"AIRLOCK_REQUEST_LOG", "sometimes"}}));
        QVERIFY(!s);
        QCOMPARE(s.error().field, QStringLiteral("$AIRLOCK_REQUEST_LOG"));
        s = resolveLoggingSettings({}, {}, {}, env({{"AIRLOCK_CHAT_REDIS", "h:0"}}));
        QVERIFY(!s);
        QCOMPARE(s.error().field, QStringLiteral("$AIRLOCK_CHAT_REDIS"));
    }

    void redisAddresses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::newRow("host:port") << QStringLiteral("redis.internal:6390") << QStringLiteral("redis.internal") << 6390;
        QTest::newRow("host") << QStringLiteral("redis.internal") << QStringLiteral("redis.internal") << 6379;
        QTest::newRow("v4") << QStringLiteral("127.0.0.1:1") << QStringLiteral("127.0.0.1") << 1;
        QTest::newRow("v6 bracketed") << QStringLiteral("[fd00::5]:6000") << QStringLiteral("fd00::5") << 6000;
        QTest::newRow("v6 bracketed, no port") << QStringLiteral("[fd00::5]") << QStringLiteral("fd00::5") << 6379;
        QTest::newRow("v6 bare") << QStringLiteral("fd00::5") << QStringLiteral("fd00::5") << 6379;
        QTest::newRow("empty port") << QStringLiteral("host:") << QStringLiteral("") << 0;
        QTest::newRow("port 0") << QStringLiteral("host:0") << QStringLiteral("") << 0;
        QTest::newRow("no host") << QStringLiteral(":6379") << QStringLiteral("") << 0;
        QTest::newRow("url") << QStringLiteral("redis://host:6379") << QStringLiteral("") << 0;
        QTest::newRow("unclosed bracket") << QStringLiteral("[::1:6379") << QStringLiteral("") << 0;
    }
    void redisAddresses()
    {
        QFETCH(QString, text);
        QFETCH(QString, host);
        QFETCH(int, port);
        auto a = parseRedisAddress(text, QStringLiteral("--chat-redis"));
        if (host.isEmpty()) {
            QVERIFY(!a);
            QVERIFY(a.error().message.startsWith(QLatin1String("--chat-redis: ")));
            return;
        }
        QVERIFY2(a, a ? "" : qPrintable(a.error().message));
        QCOMPARE(a->first, host);
        QCOMPARE(int(a->second), port);
    }

    void takesTheSectionOutOfTheFile()
    {
        QByteArray json = "{\"models\":[],\"logging\":{\"request_log\":false},\"features\":{}}";
        const QJsonValue v = takeJsonSection(&json, QLatin1String("logging"));
        QVERIFY(v.isObject());
        QCOMPARE(v.toObject().value(QStringLiteral("request_log")).toBool(true), false);
        QVERIFY(!json.contains("logging"));
        QVERIFY(json.contains("models"));
        QByteArray none = "{\"models\":[]}";
        QVERIFY(takeJsonSection(&none, QLatin1String("logging")).isUndefined());
        QCOMPARE(none, QByteArray("{\"models\":[]}"));
    }

    // ---- chat capture ---------------------------------------------------------------------------

    void historyOwnerComesFromVerifiedClaims()
    {
        Principal airlockToken;
        airlockToken.issuer = QStringLiteral("gitlab-ai-gateway");
        airlockToken.subject = QStringLiteral("alice");
        airlockToken.globalUserId = QStringLiteral("someone-else"); // a header the token does not vouch for
        QCOMPARE(dialects::chatHistoryOwner(airlockToken), QStringLiteral("airlock:alice"));

        Principal instanceToken;
        instanceToken.issuer = QStringLiteral("https://gitlab.example.internal");
        instanceToken.subject = QStringLiteral("instance-uuid");
        instanceToken.realm = QStringLiteral("self-managed");
        instanceToken.globalUserId = QStringLiteral("user-sha");
        QCOMPARE(dialects::chatHistoryOwner(instanceToken), QStringLiteral("gitlab:instance-uuid:user-sha"));
        instanceToken.globalUserId.clear();
        QVERIFY(dialects::chatHistoryOwner(instanceToken).isEmpty()); // the instance itself is nobody's history

        // A user access token this gateway issued for that user: the same history as through the instance.
        Principal userToken;
        userToken.issuer = QStringLiteral("gitlab-ai-gateway");
        userToken.subject = QStringLiteral("user-sha");
        userToken.realm = QStringLiteral("self-managed");
        userToken.instanceId = QStringLiteral("instance-uuid");
        userToken.globalUserId = QStringLiteral("forged");
        QCOMPARE(dialects::chatHistoryOwner(userToken), QStringLiteral("gitlab:instance-uuid:user-sha"));

        Principal anonymous;
        anonymous.anonymous = true;
        anonymous.globalUserId = QStringLiteral("user-sha");
        QVERIFY(dialects::chatHistoryOwner(anonymous).isEmpty());
    }

    void lastUserMessage()
    {
        const QJsonArray messages = QJsonDocument::fromJson("[{\"role\":\"system\",\"content\":\"be brief\"}, "
            "            {\"role\":\"user\",\"content\":\"first\"},{\"role\":\"assistant\",\"content\":\"ok\"}, "
            "            {\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"second\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}, "
            "                                      {\"type\":\"text\",\"text\":\"part\"}]}, "
            "            {\"role\":\"assistant\",\"content\":\"prefill\"}]").array();
        QCOMPARE(dialects::lastUserMessage(messages), QStringLiteral("second\npart"));
        QVERIFY(dialects::lastUserMessage(QJsonArray{}).isEmpty());
    }

    void captureOnlyWhenATurnWasStarted()
    {
        RequestRecord r;
        dialects::captureChatAnswer(r, u"ignored");
        QVERIFY(r.chatAnswer.isEmpty());
        dialects::beginChatCapture(r, QString(), QStringLiteral("q"));
        QVERIFY(r.chatUserId.isEmpty());
        QVERIFY(r.chatQuestion.isEmpty());
        dialects::beginChatCapture(r, QStringLiteral("airlock:alice"), QStringLiteral("q"));
        dialects::captureChatAnswer(r, u"a");
        dialects::captureChatAnswer(r, u"b");
        QCOMPARE(r.chatQuestion, QStringLiteral("q"));
        QCOMPARE(r.chatAnswer, QStringLiteral("ab"));
    }

    void answerIsCappedWithoutSplittingACharacter()
    {
        RequestRecord r;
        dialects::beginChatCapture(r, QStringLiteral("u"), QString(kMaxChatTextChars + 10, QLatin1Char('q')));
        QCOMPARE(r.chatQuestion.size(), kMaxChatTextChars);
        dialects::captureChatAnswer(r, QString(kMaxChatTextChars - 1, QLatin1Char('a')));
        dialects::captureChatAnswer(r, QStringLiteral("\U0001F600tail")); // a surrogate pair that does not fit
        QCOMPARE(r.chatAnswer.size(), kMaxChatTextChars - 1);
        dialects::captureChatAnswer(r, u"b");
        QCOMPARE(r.chatAnswer.size(), kMaxChatTextChars);
        dialects::captureChatAnswer(r, u"more");
        QCOMPARE(r.chatAnswer.size(), kMaxChatTextChars);
        QVERIFY(r.chatAnswer.endsWith(QLatin1String("ab")));
    }

    void openAiStreamTextWithoutFraming()
    {
        RequestRecord r;
        dialects::beginChatCapture(r, QStringLiteral("u"), QStringLiteral("q"));
        dialects::OpenAiAnswerCapture capture;
        const QByteArray stream = sse(QStringLiteral("Hel")) + sse(QStringLiteral("lo, ")) + sse(QStringLiteral("wörld ✓"))
            + "data: [DONE]\n\n";
        // Split at every awkward place: inside "data:", inside JSON, inside a UTF-8 sequence.
        for (qsizetype i = 0; i < stream.size(); i += 7)
            capture.streamed(r, QByteArrayView(stream).sliced(i, qMin<qsizetype>(7, stream.size() - i)));
        QCOMPARE(r.chatAnswer, QStringLiteral("Hello, wörld ✓"));

        RequestRecord whole;
        dialects::beginChatCapture(whole, QStringLiteral("u"), QStringLiteral("q"));
        dialects::OpenAiAnswerCapture wholeCapture;
        wholeCapture.whole(whole, "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Four.\"}}]}");
        QCOMPARE(whole.chatAnswer, QStringLiteral("Four."));

        RequestRecord none; // no turn: nothing decoded
        dialects::OpenAiAnswerCapture idle;
        idle.streamed(none, stream);
        QVERIFY(none.chatAnswer.isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_LoggingSettings)
#include "tst_loggingsettings.moc"
