// LiveText, and the console's C++ messages after a language switch at run time: a controller's message
// shown in English reads in Korean once ConsoleCore's LanguageController switches to Korean, and the
// property's NOTIFY signal says so (that is when QML reads it again). The app's translations are embedded
// under :/i18n as in airlock-admin. No gateway: every message comes from a local check or from a request
// that cannot be sent (the admin client has no address).

#include "consolecore.h"
#include "livetext.h"

#include <QCoreApplication>
#include <QFile>
#include <QMetaProperty>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace airlock;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 10000;

enum class Trigger {
    ConnectionBadUrl,
    ConnectionNoToken,
    ConfigNoFamily,
    PlaygroundNoModel,
    PlaygroundNoPrompt,
    SettingsNotSaved,
    MetricsUnreadable,
    LogRecordUnreadable,
};

bool hasHangul(const QString &text)
{
    return std::any_of(text.cbegin(), text.cend(), [](QChar c) { return c.unicode() >= 0xAC00 && c.unicode() <= 0xD7A3; });
}

} // namespace

Q_DECLARE_METATYPE(Trigger)

class tst_LiveText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void value();
    void rendersInLanguageInForce();
    void controllerFollowsLanguage_data();
    void controllerFollowsLanguage();

private:
    // Makes the message `trigger` names; returns the object and property that show it.
    std::pair<QObject *, const char *> make(Trigger trigger);

    std::unique_ptr<ConsoleCore> m_core;
};

void tst_LiveText::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"AirlockTest"_s);
    QCoreApplication::setApplicationName(u"tst_livetext"_s);
    QSettings().clear();
    QVERIFY2(QFile::exists(u":/i18n/airlock_ko.qm"_s), "the Korean translation is not embedded");
}

void tst_LiveText::init()
{
    m_core = std::make_unique<ConsoleCore>();
    m_core->language()->apply(u"en"_s);
}

void tst_LiveText::cleanup()
{
    m_core.reset(); // its LanguageController removes its translator
}

void tst_LiveText::value()
{
    const LiveText unset;
    QVERIFY(unset.isEmpty());
    QVERIFY(unset.text().isNull());
    QVERIFY(LiveText::fixed(QString()).isEmpty());
    QCOMPARE(LiveText::fixed(u"HTTP 502: upstream"_s).text(), u"HTTP 502: upstream"_s);
    QVERIFY(LiveText([] { return QString(); }).isEmpty()); // empty as its text, like the QString it replaces

    // Built again at each read.
    int reads = 0;
    const LiveText counted([&reads] { return QString::number(++reads); });
    QCOMPARE(counted.text(), u"1"_s);
    QCOMPARE(counted.text(), u"2"_s);
    const LiveText copy = counted;
    QCOMPARE(copy.text(), u"3"_s);
}

void tst_LiveText::rendersInLanguageInForce()
{
    const LiveText saved([] { return QCoreApplication::translate("airlock::SettingsController", "Saved."); });
    QCOMPARE(saved.text(), u"Saved."_s);
    m_core->language()->apply(u"ko"_s);
    QCOMPARE(saved.text(), u"저장했습니다."_s);
    m_core->language()->apply(u"en"_s);
    QCOMPARE(saved.text(), u"Saved."_s);
}

std::pair<QObject *, const char *> tst_LiveText::make(Trigger trigger)
{
    ConsoleCore *core = m_core.get();
    switch (trigger) {
    case Trigger::ConnectionBadUrl:
        core->connection()->connectTo(u"ftp://gateway.example"_s, u"token"_s);
        return {core->connection(), "errorMessage"};
    case Trigger::ConnectionNoToken:
        core->connection()->connectTo(u"http://127.0.0.1:1"_s, QString());
        return {core->connection(), "errorMessage"};
    case Trigger::ConfigNoFamily:
        core->config()->saveModel(QString(), {{u"name"_s, u"a"_s}, {u"family"_s, u"no-such-family"_s}, {u"apiKey"_s, u"sk-secret"_s}});
        return {core->config(), "errorMessage"};
    case Trigger::PlaygroundNoModel:
        core->playground()->render();
        return {core->playground(), "errorMessage"};
    case Trigger::PlaygroundNoPrompt:
        core->playground()->left()->setModel(u"a"_s);
        core->playground()->run();
        return {core->playground(), "errorMessage"};
    case Trigger::SettingsNotSaved:
        core->settings()->saveLogSettings(true, 7);
        return {core->settings(), "errorMessage"};
    case Trigger::MetricsUnreadable:
        core->metrics()->refresh();
        return {core->metrics(), "errorMessage"};
    case Trigger::LogRecordUnreadable:
        core->logs()->select(1);
        return {core->logs(), "errorMessage"};
    }
    return {nullptr, nullptr};
}

void tst_LiveText::controllerFollowsLanguage_data()
{
    QTest::addColumn<Trigger>("trigger");
    QTest::addColumn<QString>("source");   // the tr() source text
    QTest::addColumn<QString>("argument"); // its %1; null: whatever follows the source's text before %1

    QTest::newRow("connection: not a URL") << Trigger::ConnectionBadUrl
                                           << u"\"%1\" is not a gateway admin URL (expected http://host:port)."_s
                                           << u"ftp://gateway.example"_s;
    QTest::newRow("connection: no token") << Trigger::ConnectionNoToken << u"Enter the gateway's admin token."_s << QString();
    QTest::newRow("config: no family") << Trigger::ConfigNoFamily << u"Choose a model family."_s << QString();
    QTest::newRow("playground: no model") << Trigger::PlaygroundNoModel << u"Choose a model endpoint first."_s << QString();
    QTest::newRow("playground: no prompt") << Trigger::PlaygroundNoPrompt
                                           << u"Show the prompt first: the run sends exactly that request."_s << QString();
    QTest::newRow("settings: not saved") << Trigger::SettingsNotSaved << u"The settings were not saved: %1"_s << QString();
    QTest::newRow("metrics: unreadable") << Trigger::MetricsUnreadable << u"Cannot read the metrics: %1"_s << QString();
    QTest::newRow("logs: record unreadable") << Trigger::LogRecordUnreadable << u"Cannot read the record: %1"_s << QString();
}

void tst_LiveText::controllerFollowsLanguage()
{
    QFETCH(Trigger, trigger);
    QFETCH(QString, source);
    QFETCH(QString, argument);

    const auto [object, name] = make(trigger);
    QVERIFY(object);
    const QMetaProperty property = object->metaObject()->property(object->metaObject()->indexOfProperty(name));
    QVERIFY(property.hasNotifySignal());
    QTRY_VERIFY_WITH_TIMEOUT(!property.read(object).toString().isEmpty(), kTimeoutMs); // some come back from the client
    const QString english = property.read(object).toString();

    const qsizetype at = source.indexOf(u"%1"_s);
    if (at >= 0 && argument.isNull()) {
        QVERIFY2(english.startsWith(source.left(at)), qPrintable(english));
        argument = english.mid(at);
    }
    const QByteArray context = object->metaObject()->className();
    const auto render = [&] {
        const QString text = QCoreApplication::translate(context.constData(), source.toUtf8().constData());
        return at >= 0 ? text.arg(argument) : text;
    };
    QCOMPARE(english, render());

    QSignalSpy notified(object, property.notifySignal());
    m_core->language()->apply(u"ko"_s);
    QCOMPARE(notified.count(), 1);
    const QString korean = property.read(object).toString();
    QVERIFY2(hasHangul(korean), qPrintable(korean));
    QCOMPARE(korean, render());
    QVERIFY(korean != english);

    // And back.
    m_core->language()->apply(u"en"_s);
    QCOMPARE(notified.count(), 2);
    QCOMPARE(property.read(object).toString(), english);
}

QTEST_MAIN(tst_LiveText)
#include "tst_livetext.moc"
