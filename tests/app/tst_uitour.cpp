// The UI test: the real airlock-admin under Xvfb against a running gateway (in this process) whose model
// endpoint is a fake model server, with client traffic flowing. The app visits every page in English and
// in Korean (airlock-admin --tour), saving a screenshot of each to tests/app/artifacts/; the test fails
// when the app exits non-zero (3: QML warnings, 6: text contrast below 4.5:1 (3:1 large), measured by the
// app on every page) or any warning/critical line is in its log. Each tour runs with the system palette
// (light under Xvfb) and with a dark one (--color-scheme dark; screenshots dark-*.png), and the
// screenshots must be light and dark respectively.

#include "colorscheme.h"
#include "gateway.h"
#include "prerequisite.h"
#include "testgateway.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace airlock;
using namespace Qt::StringLiterals;

namespace {
constexpr int kTimeoutMs = 15000;
const QString kAdminToken = u"ui-tour-admin-token"_s;
} // namespace

class tst_UiTour : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tour_data();
    void tour();
    void welcome_data();
    void welcome();

private:
    QJsonObject admin(const QByteArray &verb, const QString &path, const QJsonObject &body);
    QProcess *startApp(const QStringList &args, const QString &name);
    static double meanLuminance(const QString &png);
    static void removeShots(const QString &prefix);

    QTemporaryDir m_dir; // the app's HOME and XDG directories
    std::unique_ptr<test::TestGateway> m_env;
    Gateway *m_gateway = nullptr;
    QString m_xvfbRun;
};

QJsonObject tst_UiTour::admin(const QByteArray &verb, const QString &path, const QJsonObject &body)
{
    const test::HttpAnswer answer = m_env->admin(verb, path, body, kTimeoutMs);
    if (answer.status != 200)
        qWarning().noquote() << path << answer.status << answer.json.value("message"_L1).toString();
    return answer.json;
}

void tst_UiTour::initTestCase()
{
    m_xvfbRun = QStandardPaths::findExecutable(u"xvfb-run"_s);
    AIRLOCK_REQUIRE(!m_xvfbRun.isEmpty(), "xvfb-run (package xvfb)");
    QVERIFY(m_dir.isValid());
    qunsetenv("AIRLOCK_ADMIN_TOKEN");
    m_env = std::make_unique<test::TestGateway>(kAdminToken);
    QVERIFY2(m_env->start(), qPrintable(m_env->errorMessage()));
    m_gateway = m_env->gateway();
    test::FakeModelServer *fake = m_env->fake();
    test::FakeBehavior answer = test::FakeBehavior::answer(4, 5, 30);
    answer.chunkTexts = {u"    if n < 2:\n"_s, u"        return n\n"_s, u"    return fibonacci(n - 1)"_s, u" + fibonacci(n - 2)"_s};
    fake->setDefaultBehavior(answer);

    // What an admin has after the first steps: a model, assignments, a token, captured bodies.
    QJsonObject config{
        {u"models"_s, QJsonArray{QJsonObject{{u"name"_s, u"codestral-a"_s}, {u"family"_s, u"codestral"_s},
                                             {u"base_url"_s, fake->baseUrl().toString()}, {u"identifier"_s, u"fake-model"_s}},
                                 QJsonObject{{u"name"_s, u"gemma-small"_s}, {u"family"_s, u"codegemma"_s},
                                             {u"base_url"_s, fake->baseUrl().toString()}, {u"identifier"_s, u"fake-model"_s}}}},
        {u"features"_s, QJsonObject{{u"code_completions"_s, u"codestral-a"_s}, {u"code_generations"_s, u"codestral-a"_s},
                                    {u"duo_chat"_s, u"gemma-small"_s}}}};
    admin("PUT", u"api/v1/config"_s, config);
    admin("PUT", u"api/v1/logs/settings"_s, QJsonObject{{u"capture_bodies"_s, true}});
    const QJsonObject token = admin("POST", u"api/v1/tokens"_s,
                                    QJsonObject{{u"subject"_s, u"alice"_s}, {u"scopes"_s, u"complete_code,direct_model_access"_s},
                                                {u"description"_s, u"IDE"_s}});
    QVERIFY(!token.value("token"_L1).toString().isEmpty());
    qputenv("AIRLOCK_UITOUR_CLIENT_TOKEN", token.value("token"_L1).toString().toUtf8());
}

QProcess *tst_UiTour::startApp(const QStringList &args, const QString &name)
{
    const QString work = m_dir.filePath(name);
    QDir().mkpath(work + u"/home"_s);
    QDir().mkpath(work + u"/runtime"_s);
    QFile::setPermissions(work + u"/runtime"_s, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"QT_QPA_PLATFORM"_s, u"xcb"_s);
    env.insert(u"QT_MESSAGE_PATTERN"_s, u"%{type} %{category}: %{message}"_s);
    env.insert(u"HOME"_s, work + u"/home"_s);
    env.insert(u"XDG_RUNTIME_DIR"_s, work + u"/runtime"_s);
    env.insert(u"XDG_CONFIG_HOME"_s, work + u"/home/.config"_s);
    env.insert(u"XDG_DATA_HOME"_s, work + u"/home/.local/share"_s);
    env.insert(u"LANG"_s, u"C.UTF-8"_s);
    env.insert(u"LC_ALL"_s, u"C.UTF-8"_s);
    env.insert(u"AIRLOCK_UITOUR_TOKEN"_s, kAdminToken);
    env.remove(u"AIRLOCK_ADMIN_TOKEN"_s);
    auto *process = new QProcess(this);
    process->setProcessEnvironment(env);
    process->setProcessChannelMode(QProcess::MergedChannels);
    process->start(m_xvfbRun, QStringList{u"-a"_s, u"-s"_s, u"-screen 0 1280x800x24"_s, QStringLiteral(AIRLOCK_ADMIN_BINARY)} + args);
    return process;
}

double tst_UiTour::meanLuminance(const QString &png)
{
    const QImage image = QImage(png).scaled(128, 80, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    if (image.isNull())
        return -1;
    double sum = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x)
            sum += relativeLuminance(image.pixelColor(x, y));
    }
    return sum / (image.width() * image.height());
}

// This run's screenshots replace the previous run's (of the same palette); other tests' stay.
void tst_UiTour::removeShots(const QString &prefix)
{
    QDir dir(QStringLiteral(AIRLOCK_UI_ARTIFACTS));
    const QStringList patterns = prefix.isEmpty() ? QStringList{u"en-*.png"_s, u"ko-*.png"_s, u"connect-failed.png"_s}
                                                  : QStringList{prefix + u"*.png"_s};
    for (const QString &file : dir.entryList(patterns, QDir::Files))
        dir.remove(file);
}

void tst_UiTour::tour_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<bool>("dark");
    QTest::newRow("system palette") << QStringList() << QString() << false;
    QTest::newRow("dark") << QStringList{u"--color-scheme"_s, u"dark"_s} << u"dark-"_s << true;
}

void tst_UiTour::tour()
{
    QFETCH(QStringList, args);
    QFETCH(QString, prefix);
    QFETCH(bool, dark);
    const QString artifacts = QStringLiteral(AIRLOCK_UI_ARTIFACTS);
    QVERIFY(QDir().mkpath(artifacts));
    removeShots(prefix);

    QProcess *app = startApp(QStringList{u"--connect"_s, u"http://"_s + m_gateway->adminAddress().toString(), u"--token-env"_s,
                                         u"AIRLOCK_UITOUR_TOKEN"_s, u"--tour"_s, artifacts} + args,
                             u"tour"_s + prefix);
    // Client traffic while the console watches: one completion every 400 ms.
    QNetworkAccessManager network;
    QTimer traffic;
    int sent = 0;
    connect(&traffic, &QTimer::timeout, this, [&] {
        QNetworkRequest request(QUrl(u"http://"_s + m_gateway->gatewayAddress().toString() + u"/v1/completions"_s));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        request.setRawHeader("Authorization", "Bearer " + qgetenv("AIRLOCK_UITOUR_CLIENT_TOKEN"));
        const QByteArray body = QJsonDocument(QJsonObject{{u"model"_s, u"codestral-a"_s},
                                                          {u"prompt"_s, u"def fibonacci(n):\n"_s},
                                                          {u"max_tokens"_s, 32}}).toJson(QJsonDocument::Compact);
        QNetworkReply *reply = network.post(request, body);
        connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        ++sent;
    });
    traffic.start(400);
    const bool finished = QTest::qWaitFor([app] { return app->state() == QProcess::NotRunning; }, 150000);
    traffic.stop();
    const QString log = QString::fromUtf8(app->readAll());
    QFile logFile(QDir(artifacts).filePath(prefix + u"tour.log"_s));
    if (logFile.open(QIODevice::WriteOnly))
        logFile.write(log.toUtf8());
    if (!finished) {
        app->kill();
        app->waitForFinished();
        QFAIL("the tour did not finish in time");
    }
    QVERIFY(sent > 0);
    QVERIFY2(app->exitStatus() == QProcess::NormalExit && app->exitCode() == 0,
             qPrintable(u"exit %1 (3: QML warnings, 4: screenshot, 5: connection, 6: contrast); log:\n%2"_s.arg(app->exitCode()).arg(log)));
    static const QRegularExpression bad(u"^(warning|critical|fatal) .*$"_s, QRegularExpression::MultilineOption);
    const QRegularExpressionMatch warning = bad.match(log);
    QVERIFY2(!warning.hasMatch(), qPrintable(u"warning in the log: "_s + warning.captured(0)));

    const QStringList pages{u"overview"_s, u"models"_s, u"features"_s, u"tokens"_s, u"logs"_s, u"playground"_s, u"settings"_s};
    for (const QString &language : {u"en"_s, u"ko"_s}) {
        for (int i = 0; i < pages.size(); ++i) {
            const QString file = QDir(artifacts).filePath(prefix + u"%1-%2-%3.png"_s.arg(language).arg(i + 1, 2, 10, QLatin1Char('0')).arg(pages.at(i)));
            QVERIFY2(QFileInfo(file).size() > 10000, qPrintable(file));
            // The palette reached the whole window: mostly dark pixels, or mostly light ones.
            const double luminance = meanLuminance(file);
            QVERIFY2(dark ? luminance < 0.2 : luminance > 0.5, qPrintable(u"%1: mean luminance %2"_s.arg(file).arg(luminance)));
        }
    }
    // The app measured the contrast of every page's text (a low one is a warning, failing above).
    QVERIFY2(log.count(u"texts checked)"_s) == 2 * pages.size(), qPrintable(log));
}

void tst_UiTour::welcome_data()
{
    tour_data();
}

void tst_UiTour::welcome()
{
    QFETCH(QStringList, args);
    QFETCH(QString, prefix);
    QFETCH(bool, dark);
    const QString artifacts = QStringLiteral(AIRLOCK_UI_ARTIFACTS);
    QVERIFY(QDir().mkpath(artifacts));
    QProcess *app = startApp(QStringList{u"--tour"_s, artifacts} + args, u"welcome"_s + prefix);
    QVERIFY(QTest::qWaitFor([app] { return app->state() == QProcess::NotRunning; }, 60000));
    const QString log = QString::fromUtf8(app->readAll());
    QVERIFY2(app->exitCode() == 0, qPrintable(log));
    static const QRegularExpression bad(u"^(warning|critical|fatal) .*$"_s, QRegularExpression::MultilineOption);
    QVERIFY2(!bad.match(log).hasMatch(), qPrintable(log));
    for (const QString &language : {u"en"_s, u"ko"_s}) {
        const QString file = QDir(artifacts).filePath(prefix + language + u"-00-welcome.png"_s);
        QVERIFY2(QFileInfo(file).size() > 5000, qPrintable(file));
        const double luminance = meanLuminance(file);
        QVERIFY2(dark ? luminance < 0.2 : luminance > 0.5, qPrintable(u"%1: mean luminance %2"_s.arg(file).arg(luminance)));
    }
}

QTEST_GUILESS_MAIN(tst_UiTour)
#include "tst_uitour.moc"
