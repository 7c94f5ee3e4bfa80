// The console with the keyboard alone: the real console window (Main.qml with the app's controllers, in
// this process, under Xvfb) driven only by key events sent to the window, through what an admin who has
// never seen Airlock does: reach the connect form (and "run on this computer"), connect, add a model
// endpoint, test it, assign it to code completion with the Features page's drop-down, issue a token,
// copy it, watch a request made with it arrive in the live log, and change the request log's settings
// (listeners and TLS are shown with the airlockd options that change them). After each step the gateway's admin
// API (or the fake model server behind it) shows that the step really happened. Last, the language is
// switched with the Settings page's drop-down, and the texts the pages build (drop-downs, badges, the
// sidebar) must follow at once, and again on the way back. Any QML warning fails.
//
// The flow runs in the language of the system: English, or Korean with AIRLOCK_TEST_LANGUAGE=ko (ctest runs
// both: tst_keyboardflow and tst_keyboardflow_ko).
//
// Controls are found by objectName only to check where the focus is and what they show; nothing is clicked
// or set directly. Screenshots of the focus at some steps go to tests/app/artifacts/keyboard-*.png
// (keyboard-ko-*.png for the Korean run).

#include "colorscheme.h"
#include "consoleadapter.h"
#include "consolecore.h"
#include "testgateway.h"

#include <QClipboard>
#include <QDir>
#include <QGuiApplication>
#include <QJsonArray>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

Q_IMPORT_QML_PLUGIN(Airlock_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Airlock_Console_ComponentsPlugin)

using namespace airlock;
using namespace Qt::StringLiterals;

namespace {
constexpr int kTimeoutMs = 15000;
constexpr int kMaxTabs = 160; // more presses than any page has controls (Features: two per feature): "not reachable" otherwise
const QString kAdminToken = u"keyboard-flow-admin-token"_s;
const QString kModel = u"kb-codestral"_s;
// Where GitLab is not: the Tokens page shows the instance's state and details.
const QString kUnreachableGitLab = u"http://127.0.0.1:9"_s;

// The system's language in this run: "en", or "ko" with AIRLOCK_TEST_LANGUAGE=ko.
QString startLanguage()
{
    return qgetenv("AIRLOCK_TEST_LANGUAGE") == "ko" ? u"ko"_s : u"en"_s;
}

// What the pages show in each language (translations/airlock_ko.ts).
struct UiTexts
{
    QStringList pages;      // the sidebar
    QString healthy;        // an endpoint's health (Overview)
    QString reachableStep;  // the first step of "Test connection" (Models)
    QString gitlabError;    // the GitLab instance's state when its keys cannot be fetched (Tokens & trust)
    QString noKeys;         // the start of its details: how many keys it has
    QString thirtyDays;     // the token expiry drop-down's default
    QString systemLanguage; // the language drop-down's first entry
};

UiTexts uiTexts(const QString &language)
{
    if (language == "ko"_L1) {
        return {{u"개요"_s, u"모델"_s, u"기능"_s, u"토큰 및 신뢰"_s, u"로그"_s, u"플레이그라운드"_s, u"설정"_s},
                u"정상"_s, u"서버 연결 가능"_s, u"키를 가져올 수 없음"_s, u"키 0개"_s, u"30일"_s, u"시스템 언어"_s};
    }
    return {{u"Overview"_s, u"Models"_s, u"Features"_s, u"Tokens & trust"_s, u"Logs"_s, u"Playground"_s, u"Settings"_s},
            u"Healthy"_s, u"Server reachable"_s, u"Cannot fetch its keys"_s, u"0 keys"_s, u"30 days"_s, u"System language"_s};
}

// HOME and XDG directories of this run: the console's settings (saved gateways) stay out of the user's.
QTemporaryDir &homeDir()
{
    static QTemporaryDir dir;
    return dir;
}
} // namespace

class tst_KeyboardFlow : public QObject
{
    Q_OBJECT

public:
    static void initMain();

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void connectForm();
    void addModel();
    void testConnection();
    void assignCodeCompletion();
    void routeEditor();
    void issueToken();
    void watchRequest();
    void settings();
    void switchLanguage();

private:
    QQuickItem *focused() const { return m_window->activeFocusItem(); }
    static QString describe(const QQuickItem *item);
    static bool isNamed(const QQuickItem *item, const QString &name);
    // Presses Tab (or Shift+Tab) until the control named `name` has the focus; false after kMaxTabs
    // presses, with the controls visited in `m_lastWalk`, or when it is out of view.
    bool tabTo(const QString &name, bool backwards = false);
    bool inView(const QQuickItem *item) const;
    void key(Qt::Key key, Qt::KeyboardModifiers modifiers = Qt::NoModifier);
    void type(const QString &text);
    QQuickItem *item(const QString &name) const;
    void shoot(const QString &name);
    QJsonObject model(const QString &name);
    // Chooses the language `code` ("" = the system's) with the Settings page's drop-down, by keyboard.
    void chooseLanguage(const QString &code);
    // Visits the pages and checks the texts they build in `language`.
    void checkTexts(const QString &language);
    QString featureName(const QString &id, const QString &language) const;
    static QStringList itemTexts(QQuickItem *view);

    std::unique_ptr<test::TestGateway> m_env;
    std::unique_ptr<ConsoleCore> m_core;
    std::unique_ptr<ConsoleAdapter> m_adapter;
    std::unique_ptr<QQmlApplicationEngine> m_engine;
    QQuickWindow *m_window = nullptr;
    QStringList m_qmlWarnings;
    QStringList m_lastWalk;
    QString m_clientToken;
    const QString m_startLanguage = startLanguage();
    QHash<QString, QJsonObject> m_catalog; // feature id -> its catalog entry (name_en, name_ko)
};

void tst_KeyboardFlow::initMain()
{
    QTemporaryDir &home = homeDir();
    qputenv("HOME", home.path().toUtf8());
    qputenv("XDG_CONFIG_HOME", home.filePath(u"config"_s).toUtf8());
    qputenv("XDG_DATA_HOME", home.filePath(u"data"_s).toUtf8());
    qputenv("XDG_CACHE_HOME", home.filePath(u"cache"_s).toUtf8());
    qputenv("LANG", "C.UTF-8");
    qputenv("LC_ALL", "C.UTF-8");
    // The console follows the system's language (Qt reads LANGUAGE first for the UI languages).
    if (startLanguage() == "ko"_L1)
        qputenv("LANGUAGE", "ko");
    else
        qunsetenv("LANGUAGE");
    qunsetenv("AIRLOCK_ADMIN_TOKEN");
}

void tst_KeyboardFlow::initTestCase()
{
    QVERIFY(homeDir().isValid());
    m_env = std::make_unique<test::TestGateway>(kAdminToken);
    QVERIFY2(m_env->start(), qPrintable(m_env->errorMessage()));

    // As main() does it.
    QQuickStyle::setStyle(u"Fusion"_s);
    applyColorScheme(ColorScheme::System);
    m_core = std::make_unique<ConsoleCore>();
    m_adapter = std::make_unique<ConsoleAdapter>(m_core.get());
    ConsoleAdapter::setInstance(m_adapter.get());
    m_engine = std::make_unique<QQmlApplicationEngine>();
    connect(m_engine.get(), &QQmlEngine::warnings, this, [this](const QList<QQmlError> &warnings) {
        for (const QQmlError &w : warnings)
            m_qmlWarnings << w.toString();
    });
    m_core->language()->setEngine(m_engine.get());
    m_core->language()->initialize();
    m_engine->addImportPath(u"qrc:/qt/qml"_s);
    m_engine->load(QUrl(u"qrc:/qt/qml/Airlock/Console/Main.qml"_s));
    QVERIFY(!m_engine->rootObjects().isEmpty());
    m_window = qobject_cast<QQuickWindow *>(m_engine->rootObjects().constFirst());
    QVERIFY(m_window);
    m_window->requestActivate();
    QVERIFY(QTest::qWaitForWindowActive(m_window));
    QCOMPARE(m_core->language()->language(), m_startLanguage);
    QCOMPARE(m_core->language()->choice(), QString());
}

void tst_KeyboardFlow::cleanupTestCase()
{
    m_engine.reset();
    m_adapter.reset();
    m_core.reset();
    m_env.reset();
}

void tst_KeyboardFlow::cleanup()
{
    QVERIFY2(m_qmlWarnings.isEmpty(), qPrintable(m_qmlWarnings.join(u'\n')));
}

QString tst_KeyboardFlow::describe(const QQuickItem *item)
{
    if (!item)
        return u"(nothing)"_s;
    QString name = item->objectName();
    if (name.isEmpty())
        name = item->property("text").toString();
    return u"%1 \"%2\""_s.arg(QString::fromLatin1(item->metaObject()->className()), name);
}

bool tst_KeyboardFlow::isNamed(const QQuickItem *item, const QString &name)
{
    // The control itself, or the control an inner editor belongs to (an editable SpinBox's text input).
    for (int depth = 0; item && depth < 3; ++depth, item = item->parentItem()) {
        if (item->objectName() == name)
            return true;
    }
    return false;
}

void tst_KeyboardFlow::key(Qt::Key key, Qt::KeyboardModifiers modifiers)
{
    QTest::keyClick(m_window, key, modifiers);
}

void tst_KeyboardFlow::type(const QString &text)
{
    for (const QChar c : text)
        QTest::keyClick(m_window, c.toLatin1());
}

bool tst_KeyboardFlow::inView(const QQuickItem *item) const
{
    const QRectF scene = item->mapRectToScene(item->boundingRect());
    return QRectF(0, 0, m_window->width(), m_window->height()).contains(scene);
}

bool tst_KeyboardFlow::tabTo(const QString &name, bool backwards)
{
    m_lastWalk.clear();
    for (int i = 0; i < kMaxTabs; ++i) {
        if (isNamed(focused(), name)) {
            // Reached, and scrolled into view: the admin sees where the focus is.
            if (!inView(focused())) {
                m_lastWalk << u"(reached, but out of view)"_s;
                return false;
            }
            return true;
        }
        if (backwards)
            key(Qt::Key_Backtab, Qt::ShiftModifier);
        else
            key(Qt::Key_Tab);
        m_lastWalk << describe(focused());
    }
    return isNamed(focused(), name) && inView(focused());
}

QQuickItem *tst_KeyboardFlow::item(const QString &name) const
{
    // Through the visual tree: a list's delegates are not QObject children of anything.
    QList<QQuickItem *> queue{m_window->contentItem()};
    while (!queue.isEmpty()) {
        QQuickItem *candidate = queue.takeFirst();
        if (candidate->objectName() == name)
            return candidate;
        queue.append(candidate->childItems());
    }
    return nullptr;
}

void tst_KeyboardFlow::shoot(const QString &name)
{
    const QString dir = QStringLiteral(AIRLOCK_UI_ARTIFACTS);
    QDir().mkpath(dir);
    const QImage image = m_window->grabWindow();
    const QString file = m_startLanguage == "en"_L1 ? u"keyboard-%1.png"_s : u"keyboard-%1-%2.png"_s.arg(m_startLanguage);
    QVERIFY2(!image.isNull() && image.save(QDir(dir).filePath(file.arg(name)), "PNG"), qPrintable(name));
}

QJsonObject tst_KeyboardFlow::model(const QString &name)
{
    const test::HttpAnswer config = m_env->admin("GET", u"api/v1/config"_s);
    for (const QJsonValue &m : config.json.value("models"_L1).toArray()) {
        if (m.toObject().value("name"_L1).toString() == name)
            return m.toObject();
    }
    return {};
}

#define TAB_TO(name) QVERIFY2(tabTo(name), qPrintable(u"%1 not reachable with Tab; visited: %2"_s.arg(name, m_lastWalk.join(u", "_s))))
#define BACKTAB_TO(name) QVERIFY2(tabTo(name, true), qPrintable(u"%1 not reachable with Shift+Tab; visited: %2"_s.arg(name, m_lastWalk.join(u", "_s))))

void tst_KeyboardFlow::connectForm()
{
    // The welcome page opens with the admin URL field focused.
    QTRY_VERIFY2_WITH_TIMEOUT(isNamed(focused(), u"adminUrlField"_s), qPrintable(describe(focused())), kTimeoutMs);
    // Both ways in are reachable: the form and "run a gateway on this computer", forwards and back.
    TAB_TO(u"embeddedButton"_s);
    BACKTAB_TO(u"connectButton"_s);
    BACKTAB_TO(u"adminUrlField"_s);

    key(Qt::Key_A, Qt::ControlModifier); // replaces the suggested address
    type(m_env->adminUrl().toString());
    key(Qt::Key_Tab);
    QVERIFY2(isNamed(focused(), u"adminTokenField"_s), qPrintable(describe(focused())));
    type(kAdminToken);
    shoot(u"01-connect-form"_s);
    key(Qt::Key_Return);

    QTRY_COMPARE_WITH_TIMEOUT(m_core->connection()->state(), ConnectionController::State::Connected, kTimeoutMs);
    QCOMPARE(m_core->connection()->adminUrl(), m_env->adminUrl().toString());
    // The console shows what the gateway's admin API has: features from its catalog, no models yet.
    const test::HttpAnswer catalog = m_env->admin("GET", u"api/v1/catalog"_s);
    QCOMPARE(catalog.status, 200);
    QStringList catalogIds;
    for (const QJsonValue &f : catalog.json.value("features"_L1).toArray())
        catalogIds << f.toObject().value("id"_L1).toString();
    QTRY_VERIFY_WITH_TIMEOUT(m_core->config()->isLoaded() && m_core->config()->features()->rowCount() > 0, kTimeoutMs);
    for (const QString &id : m_core->config()->features()->featureIds())
        QVERIFY2(catalogIds.contains(id), qPrintable(id));
    QVERIFY(m_core->config()->features()->featureIds().contains(u"code_completions"_s));
    QCOMPARE(m_core->config()->models()->rowCount(), 0);
    // Nothing stored in the keychain or settings: "remember" was left unchecked.
    QCOMPARE(m_core->connections()->rowCount(), 0);
}

void tst_KeyboardFlow::addModel()
{
    key(Qt::Key_2, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 1, kTimeoutMs);
    // The page's first control takes the focus.
    QTRY_VERIFY2_WITH_TIMEOUT(isNamed(focused(), u"addModelButton"_s), qPrintable(describe(focused())), kTimeoutMs);

    TAB_TO(u"modelNameField"_s);
    type(kModel);
    key(Qt::Key_Tab);
    QVERIFY2(isNamed(focused(), u"modelFamilyBox"_s), qPrintable(describe(focused())));
    QCOMPARE(focused()->property("currentText").toString(), u"codestral"_s); // the suggested family
    key(Qt::Key_Tab);
    QVERIFY2(isNamed(focused(), u"modelUrlField"_s), qPrintable(describe(focused())));
    key(Qt::Key_A, Qt::ControlModifier);
    type(m_env->fake()->baseUrl().toString());
    // Past the replica list's "Add replica" button.
    TAB_TO(u"modelIdentifierField"_s);
    type(u"fake-model"_s);
    key(Qt::Key_Tab);
    QVERIFY2(isNamed(focused(), u"modelKeyField"_s), qPrintable(describe(focused())));
    type(u"key-one"_s);
    key(Qt::Key_Return); // Enter in the form saves

    QTRY_VERIFY_WITH_TIMEOUT(!model(kModel).isEmpty(), kTimeoutMs);
    const QJsonObject stored = model(kModel);
    QCOMPARE(stored.value("family"_L1).toString(), u"codestral"_s);
    QCOMPARE(stored.value("base_url"_L1).toString(), m_env->fake()->baseUrl().toString());
    QCOMPARE(stored.value("identifier"_L1).toString(), u"fake-model"_s);
    QVERIFY(!stored.contains("api_key"_L1)); // write-only; testConnection() proves it was stored
    QTRY_COMPARE_WITH_TIMEOUT(m_core->config()->models()->rowCount(), 1, kTimeoutMs);
}

void tst_KeyboardFlow::testConnection()
{
    m_env->fake()->resetRecords();
    TAB_TO(u"testConnectionButton"_s);
    QVERIFY(focused()->property("visualFocus").toBool()); // the focus ring is drawn
    key(Qt::Key_Space);
    QTRY_VERIFY_WITH_TIMEOUT(m_core->config()->testResult() != ConfigController::NotRun
                                 && !m_core->config()->isTestRunning(), kTimeoutMs);
    QCOMPARE(m_core->config()->testResult(), int(ConfigController::Passed));
    // The gateway ran the checks against the model server, with the key typed in the form.
    const QList<test::RecordedRequest> requests = m_env->fake()->requests();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.at(0).path, u"/v1/models"_s);
    QCOMPARE(requests.at(1).path, u"/v1/completions"_s);
    for (const test::RecordedRequest &r : requests)
        QCOMPARE(r.header("Authorization"), QByteArray("Bearer key-one"));

    // Enter on a focused button presses it too.
    m_env->fake()->resetRecords();
    key(Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(m_env->fake()->requestCount() == 2 && !m_core->config()->isTestRunning(), kTimeoutMs);
    QCOMPARE(m_core->config()->testResult(), int(ConfigController::Passed));
}

void tst_KeyboardFlow::assignCodeCompletion()
{
    key(Qt::Key_3, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 2, kTimeoutMs);
    const QString boxName = u"featureModelBox-code_completions"_s;
    TAB_TO(boxName);
    QQuickItem *box = focused();
    QCOMPARE(box->property("currentIndex").toInt(), 0); // Disabled
    auto *popup = box->property("popup").value<QObject *>();
    QVERIFY(popup);

    key(Qt::Key_Space); // opens the list
    QTRY_VERIFY_WITH_TIMEOUT(popup->property("opened").toBool(), kTimeoutMs);
    key(Qt::Key_Down); // Disabled -> the model
    QCOMPARE(box->property("highlightedIndex").toInt(), 1);
    shoot(u"02-feature-dropdown"_s);
    QCOMPARE(model(kModel).isEmpty(), false);
    key(Qt::Key_Return); // choose it
    QTRY_VERIFY_WITH_TIMEOUT(!popup->property("visible").toBool(), kTimeoutMs);

    const auto assigned = [this] {
        return m_env->admin("GET", u"api/v1/config"_s).json.value("features"_L1).toObject().value("code_completions"_L1).toString();
    };
    QTRY_COMPARE_WITH_TIMEOUT(assigned(), kModel, kTimeoutMs);
    // The focus stays on the drop-down, which shows the choice.
    QVERIFY(item(boxName));
    QTRY_COMPARE_WITH_TIMEOUT(item(boxName)->property("displayText").toString(), kModel, kTimeoutMs);
    QVERIFY2(isNamed(focused(), boxName), qPrintable(describe(focused())));

    // The table is taller than the window: Tab to the last feature's drop-down scrolls it into view.
    const QString last = u"featureModelBox-"_s + m_core->config()->features()->featureIds().constLast();
    TAB_TO(last);
    BACKTAB_TO(boxName);
}

// The drop-down's last choice opens the route editor; in it, by keyboard: a fallback tier added, the
// save refused while its target has no model (the dialog stays, with the message), the tier removed,
// and the route of one model saved as the plain assignment.
void tst_KeyboardFlow::routeEditor()
{
    const QString boxName = u"featureModelBox-code_completions"_s;
    TAB_TO(boxName);
    QQuickItem *box = focused();
    auto *popup = box->property("popup").value<QObject *>();
    QVERIFY(popup);
    key(Qt::Key_Space);
    QTRY_VERIFY_WITH_TIMEOUT(popup->property("opened").toBool(), kTimeoutMs);
    key(Qt::Key_Down); // the model -> "Route: split and fallbacks…"
    QCOMPARE(box->property("highlightedIndex").toInt(), 2);
    key(Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(item(u"routeEditor"_s) && item(u"routeEditor"_s)->isVisible(), kTimeoutMs);
    // The drop-down still shows the assignment, and the editor the route of that one model.
    QTRY_COMPARE_WITH_TIMEOUT(box->property("displayText").toString(), kModel, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(item(u"routeModel-0-0"_s), kTimeoutMs);
    QCOMPARE(item(u"routeModel-0-0"_s)->property("currentText").toString(), kModel);
    QCOMPARE(item(u"routePercent-0-0"_s)->property("text").toString(), u"100 %"_s);

    TAB_TO(u"addTier"_s);
    key(Qt::Key_Space);
    QTRY_VERIFY_WITH_TIMEOUT(item(u"routeModel-1-0"_s), kTimeoutMs);
    shoot(u"05-route-editor"_s);
    TAB_TO(u"saveRouteButton"_s);
    key(Qt::Key_Space);
    QTRY_VERIFY_WITH_TIMEOUT(!m_core->config()->errorMessage().isEmpty(), kTimeoutMs);
    QVERIFY(item(u"routeError"_s)->isVisible());
    QVERIFY(item(u"routeEditor"_s)->isVisible());

    TAB_TO(u"removeTier-1"_s);
    key(Qt::Key_Space);
    QTRY_VERIFY_WITH_TIMEOUT(!item(u"routeModel-1-0"_s), kTimeoutMs);
    TAB_TO(u"saveRouteButton"_s);
    key(Qt::Key_Space);
    QTRY_VERIFY_WITH_TIMEOUT(!item(u"routeEditor"_s) || !item(u"routeEditor"_s)->isVisible(), kTimeoutMs);
    QVERIFY2(m_core->config()->errorMessage().isEmpty(), qPrintable(m_core->config()->errorMessage()));
    const QJsonValue stored = m_env->admin("GET", u"api/v1/config"_s).json.value("features"_L1).toObject().value("code_completions"_L1);
    QCOMPARE(stored, QJsonValue(kModel));

    // On the Models page the model's replica shows its health, read live from the gateway: the fake
    // model server answers the probe.
    key(Qt::Key_2, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(item(u"replicaState"_s) && item(u"replicaState"_s)->property("tone").toString() == "ok"_L1,
                             kTimeoutMs);
    QVERIFY(m_core->replicaHealth()->isRunning());
    shoot(u"06-replica-health"_s);
    key(Qt::Key_3, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 2, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!m_core->replicaHealth()->isRunning(), kTimeoutMs); // only while the page is shown
}

void tst_KeyboardFlow::issueToken()
{
    key(Qt::Key_4, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 3, kTimeoutMs);
    TAB_TO(u"tokenSubjectField"_s);
    type(u"alice"_s);
    key(Qt::Key_Return); // with the default scopes (code completion and generation) and expiry (30 days)

    // The gateway lists it...
    QJsonArray tokens;
    QTRY_VERIFY_WITH_TIMEOUT((tokens = m_env->admin("GET", u"api/v1/tokens"_s).json.value("tokens"_L1).toArray()).size() == 1,
                             kTimeoutMs);
    const QJsonObject token = tokens.first().toObject();
    QCOMPARE(token.value("subject"_L1).toString(), u"alice"_s);
    QVERIFY(token.value("scopes"_L1).toVariant().toStringList().join(u',').contains(u"complete_code"_s));
    // The expiry drop-down's default: 30 days.
    QCOMPARE(token.value("expires_at"_L1).toInteger() - token.value("issued_at"_L1).toInteger(), 30 * 86400);
    // ...and the console shows it once, with the focus on Copy: Space copies it.
    QTRY_VERIFY2_WITH_TIMEOUT(isNamed(focused(), u"copyTokenButton"_s), qPrintable(describe(focused())), kTimeoutMs);
    QVERIFY(item(u"issuedTokenField"_s));
    const QString shown = item(u"issuedTokenField"_s)->property("text").toString();
    QVERIFY(!shown.isEmpty());
    shoot(u"03-token-copy"_s);
    QGuiApplication::clipboard()->clear();
    key(Qt::Key_Space);
    QTRY_COMPARE_WITH_TIMEOUT(QGuiApplication::clipboard()->text(), shown, kTimeoutMs);
    m_clientToken = QGuiApplication::clipboard()->text();
}

void tst_KeyboardFlow::watchRequest()
{
    QVERIFY(!m_clientToken.isEmpty());
    key(Qt::Key_5, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 4, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_core->logs()->isLive(), kTimeoutMs);

    // An IDE's request with the copied token: served by the assigned model...
    m_env->fake()->resetRecords();
    const test::HttpAnswer answer = m_env->post(u"/v1/completions"_s, m_clientToken,
                                                QJsonObject{{u"model"_s, u"code_completions"_s},
                                                            {u"prompt"_s, u"def add(a, b):"_s},
                                                            {u"max_tokens"_s, 8}});
    QCOMPARE(answer.status, 200);
    QCOMPARE(m_env->fake()->requestCount(), 1);
    QCOMPARE(m_env->fake()->lastRequest().header("Authorization"), QByteArray("Bearer key-one"));
    // ...and it arrives in the live log.
    QTRY_VERIFY_WITH_TIMEOUT(m_core->logs()->records()->rowCount() >= 1, kTimeoutMs);
    const QModelIndex newest = m_core->logs()->records()->index(0);
    QCOMPARE(newest.data(LogListModel::ModelRole).toString(), kModel);
    QCOMPARE(newest.data(LogListModel::UserRole).toString(), u"alice"_s);
    QCOMPARE(newest.data(LogListModel::StatusRole).toInt(), 200);
}

void tst_KeyboardFlow::settings()
{
    key(Qt::Key_7, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 6, kTimeoutMs);
    // Listeners are fixed at start: the page gives the options the gateway runs with.
    QVERIFY(item(u"startOptionsField"_s));
    QTRY_VERIFY2_WITH_TIMEOUT(item(u"startOptionsField"_s)->property("text").toString().startsWith(
                                  u"--listen %1 --admin-listen %2"_s.arg(m_env->gatewayUrl().authority(), m_env->adminUrl().authority())),
                              qPrintable(item(u"startOptionsField"_s)->property("text").toString()), kTimeoutMs);

    const test::HttpAnswer before = m_env->admin("GET", u"api/v1/logs/settings"_s);
    QCOMPARE(before.status, 200);
    const bool captured = before.json.value("capture_bodies"_L1).toBool();
    QTRY_VERIFY_WITH_TIMEOUT(m_core->settings()->isLoaded(), kTimeoutMs);
    TAB_TO(u"captureBodiesSwitch"_s);
    key(Qt::Key_Space);
    TAB_TO(u"retentionBox"_s);
    key(Qt::Key_A, Qt::ControlModifier);
    type(u"14"_s);
    TAB_TO(u"saveLogSettingsButton"_s);
    key(Qt::Key_Return);

    const auto stored = [this] { return m_env->admin("GET", u"api/v1/logs/settings"_s).json; };
    QTRY_COMPARE_WITH_TIMEOUT(stored().value("retention_days"_L1).toDouble(), 14.0, kTimeoutMs);
    QCOMPARE(stored().value("capture_bodies"_L1).toBool(), !captured);
}

QString tst_KeyboardFlow::featureName(const QString &id, const QString &language) const
{
    return m_catalog.value(id).value(language == "ko"_L1 ? "name_ko"_L1 : "name_en"_L1).toString();
}

QStringList tst_KeyboardFlow::itemTexts(QQuickItem *view)
{
    // The texts of a ListView's delegates (a drop-down's list, the sidebar), in order; a null string for
    // those not created (out of view).
    QStringList texts;
    const int count = view->property("count").toInt();
    for (int i = 0; i < count; ++i) {
        QQuickItem *delegate = nullptr;
        QMetaObject::invokeMethod(view, "itemAtIndex", Q_RETURN_ARG(QQuickItem *, delegate), Q_ARG(int, i));
        // "&&": an ampersand shown as such, not a mnemonic.
        texts << (delegate ? delegate->property("text").toString().replace(u"&&"_s, u"&"_s) : QString()); // null: not created
    }
    return texts;
}

void tst_KeyboardFlow::chooseLanguage(const QString &code)
{
    key(Qt::Key_7, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 6, kTimeoutMs);
    TAB_TO(u"languageBox"_s);
    QQuickItem *box = focused();
    auto *popup = box->property("popup").value<QObject *>();
    QVERIFY(popup);
    const QVariantList languages = m_core->language()->languages();
    int target = -1;
    for (int i = 0; i < languages.size(); ++i) {
        if (languages.at(i).toMap().value(u"code"_s).toString() == code)
            target = i;
    }
    QVERIFY2(target >= 0, qPrintable(code));

    key(Qt::Key_Space); // opens the list
    QTRY_VERIFY_WITH_TIMEOUT(popup->property("opened").toBool(), kTimeoutMs);
    for (int i = 0; i < languages.size() && box->property("highlightedIndex").toInt() != target; ++i)
        key(box->property("highlightedIndex").toInt() < target ? Qt::Key_Down : Qt::Key_Up);
    QCOMPARE(box->property("highlightedIndex").toInt(), target);
    key(Qt::Key_Return); // chooses it
    QTRY_VERIFY_WITH_TIMEOUT(!popup->property("visible").toBool(), kTimeoutMs);

    QTRY_COMPARE_WITH_TIMEOUT(m_core->language()->choice(), code, kTimeoutMs);
    QCOMPARE(m_core->language()->language(), code.isEmpty() ? m_startLanguage : code);
    QCOMPARE(QSettings().value(u"language"_s).toString(), code); // kept for the next start
    // The admin stays where they were: on the Settings page, on the drop-down, which shows the choice.
    QCOMPARE(m_adapter->pageIndex(), 6);
    QTRY_VERIFY2_WITH_TIMEOUT(isNamed(focused(), u"languageBox"_s), qPrintable(describe(focused())), kTimeoutMs);
    const QString shown = code.isEmpty() ? uiTexts(m_core->language()->language()).systemLanguage
                                         : code == "ko"_L1 ? u"한국어"_s : u"English"_s;
    QTRY_COMPARE_WITH_TIMEOUT(item(u"languageBox"_s)->property("displayText").toString(), shown, kTimeoutMs);
}

void tst_KeyboardFlow::checkTexts(const QString &language)
{
    const UiTexts expected = uiTexts(language);
    const QString completion = featureName(u"code_completions"_s, language);
    QVERIFY(!completion.isEmpty());

    QVERIFY(item(u"pageList"_s));
    QTRY_COMPARE_WITH_TIMEOUT(itemTexts(item(u"pageList"_s)), expected.pages, kTimeoutMs);

    // Playground: the feature drop-down and its list.
    key(Qt::Key_6, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 5, kTimeoutMs);
    TAB_TO(u"playgroundFeatureBox"_s);
    QQuickItem *box = focused();
    QCOMPARE(m_core->playground()->feature(), u"code_completions"_s);
    QTRY_COMPARE_WITH_TIMEOUT(box->property("displayText").toString(), completion, kTimeoutMs);
    auto *popup = box->property("popup").value<QObject *>();
    QVERIFY(popup);
    key(Qt::Key_Space);
    QTRY_VERIFY_WITH_TIMEOUT(popup->property("opened").toBool(), kTimeoutMs);
    QStringList names;
    for (const QString &id : m_core->config()->features()->featureIds())
        names << featureName(id, language);
    auto *list = qobject_cast<QQuickItem *>(popup->property("contentItem").value<QObject *>());
    QVERIFY(list);
    // The entries the list created (the ones in view; at least the current one).
    const auto shownNames = [&] {
        QStringList shown = itemTexts(list);
        for (qsizetype i = 0; i < shown.size() && i < names.size(); ++i) {
            if (shown.at(i).isNull())
                shown[i] = names.at(i);
        }
        return shown;
    };
    QVERIFY(!itemTexts(list).value(box->property("currentIndex").toInt()).isNull());
    QTRY_COMPARE_WITH_TIMEOUT(shownNames(), names, kTimeoutMs);
    shoot(u"04-playground-"_s + language);
    key(Qt::Key_Escape);
    QTRY_VERIFY_WITH_TIMEOUT(!popup->property("visible").toBool(), kTimeoutMs);
    QCOMPARE(m_core->playground()->feature(), u"code_completions"_s);

    // Logs: the feature filter. (The requests of watchRequest() name a model, not a feature: the log has
    // no feature for them to show.)
    key(Qt::Key_5, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 4, kTimeoutMs);
    QCOMPARE(m_core->logs()->featureFilter(), u"code_completions"_s);
    QTRY_COMPARE_WITH_TIMEOUT(item(u"logsFeatureFilter"_s)->property("displayText").toString(), completion, kTimeoutMs);

    // Tokens & trust: the GitLab instance's state and details, the expiry drop-down.
    key(Qt::Key_4, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 3, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(item(u"gitlabStateBadge"_s)->property("text").toString(), expected.gitlabError, kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(item(u"gitlabDetailLabel"_s)->property("text").toString().startsWith(expected.noKeys + u" · "_s),
                              qPrintable(item(u"gitlabDetailLabel"_s)->property("text").toString()), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(item(u"tokenExpiryBox"_s)->property("displayText").toString(), expected.thirtyDays, kTimeoutMs);
    QCOMPARE(item(u"tokenExpiryBox"_s)->property("currentText").toString(), u"30d"_s); // the choice stays

    // Models: the steps of the last connection test.
    key(Qt::Key_2, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(item(u"testStepLabel"_s), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(item(u"testStepLabel"_s)->property("text").toString(), expected.reachableStep, kTimeoutMs);

    // Overview: the endpoint's health.
    key(Qt::Key_1, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(item(u"endpointHealthBadge"_s), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(item(u"endpointHealthBadge"_s)->property("text").toString(), expected.healthy, kTimeoutMs);
}

void tst_KeyboardFlow::switchLanguage()
{
    const QString other = m_startLanguage == "en"_L1 ? u"ko"_s : u"en"_s;
    const test::HttpAnswer catalog = m_env->admin("GET", u"api/v1/catalog"_s);
    QCOMPARE(catalog.status, 200);
    for (const QJsonValue &f : catalog.json.value("features"_L1).toArray())
        m_catalog.insert(f.toObject().value("id"_L1).toString(), f.toObject());
    QVERIFY(featureName(u"code_completions"_s, u"en"_s) != featureName(u"code_completions"_s, u"ko"_s));

    // Texts the pages build from what the gateway sends: a GitLab instance that cannot be reached...
    key(Qt::Key_4, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 3, kTimeoutMs);
    TAB_TO(u"gitlabUrlField"_s);
    key(Qt::Key_A, Qt::ControlModifier);
    type(kUnreachableGitLab);
    key(Qt::Key_Return);
    // ...whose state the page follows until the gateway gave up fetching its keys...
    QTRY_COMPARE_WITH_TIMEOUT(m_core->tokens()->gitlabState(), u"error"_s, kTimeoutMs);
    QCOMPARE(m_core->tokens()->gitlabUrl(), kUnreachableGitLab);
    // ...and the log filtered to code completion.
    key(Qt::Key_5, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(m_adapter->pageIndex(), 4, kTimeoutMs);
    TAB_TO(u"logsFeatureFilter"_s);
    auto *popup = focused()->property("popup").value<QObject *>();
    QVERIFY(popup);
    key(Qt::Key_Space);
    QTRY_VERIFY_WITH_TIMEOUT(popup->property("opened").toBool(), kTimeoutMs);
    key(Qt::Key_Down); // All features -> the first feature
    key(Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(m_core->logs()->featureFilter(), m_core->config()->features()->featureIds().constFirst(), kTimeoutMs);

    checkTexts(m_startLanguage);
    if (QTest::currentTestFailed())
        return;
    chooseLanguage(other);
    if (QTest::currentTestFailed())
        return;
    checkTexts(other);
    if (QTest::currentTestFailed())
        return;
    // Back to the system's language.
    chooseLanguage(QString());
    if (QTest::currentTestFailed())
        return;
    checkTexts(m_startLanguage);
}

QTEST_MAIN(tst_KeyboardFlow)
#include "tst_keyboardflow.moc"
