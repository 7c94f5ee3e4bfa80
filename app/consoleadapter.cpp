#include "consoleadapter.h"

#include "consolelog.h"

#include <QJSEngine>

namespace airlock {

namespace {
ConsoleAdapter *s_instance = nullptr;
} // namespace

ConsoleAdapter::ConsoleAdapter(ConsoleCore *core, QObject *parent)
    : QObject(parent)
    , m_core(core)
{
}

ConsoleAdapter::~ConsoleAdapter()
{
    if (s_instance == this)
        s_instance = nullptr;
}

QString ConsoleAdapter::consoleVersion() const
{
    return QStringLiteral(AIRLOCK_VERSION);
}

void ConsoleAdapter::setPageIndex(int index)
{
    if (index < 0 || index >= pageNames().size() || index == m_pageIndex)
        return;
    m_pageIndex = index;
    Q_EMIT pageIndexChanged();
}

void ConsoleAdapter::showPage(int index)
{
    setPageIndex(index);
    if (index == m_pageIndex)
        Q_EMIT pageFocusRequested();
}

QStringList ConsoleAdapter::pageNames()
{
    return {QStringLiteral("overview"), QStringLiteral("models"),     QStringLiteral("features"),
            QStringLiteral("tokens"),   QStringLiteral("logs"),       QStringLiteral("playground"),
            QStringLiteral("settings")};
}

void ConsoleAdapter::setInstance(ConsoleAdapter *adapter)
{
    s_instance = adapter;
}

ConsoleAdapter *ConsoleAdapter::create(QQmlEngine *, QJSEngine *jsEngine)
{
    // Returning a null singleton makes every binding fail with a vague error; say why instead.
    if (!s_instance) {
        qCCritical(lcConsole) << "Console used before ConsoleAdapter::setInstance()";
        return nullptr;
    }
    // The object belongs to main() or the test; the engine must not delete it.
    QJSEngine::setObjectOwnership(s_instance, QJSEngine::CppOwnership);
    Q_UNUSED(jsEngine);
    return s_instance;
}

} // namespace airlock
