#include "uitour.h"

#include "colorscheme.h"
#include "consolecore.h"
#include "consolelog.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QQmlApplicationEngine>
#include <QQmlIncubationController>
#include <QQuickWindow>
#include <QTimer>

namespace airlock {

using namespace Qt::StringLiterals;

namespace {
constexpr int kSettleMs = 1500;
constexpr int kConnectTimeoutMs = 20000;
constexpr int kIncubationPollMs = 20;
constexpr int kIncubationLimitMs = 10000;

void pollIncubation(QQmlEngine *engine, QObject *context, std::function<void()> then, QDeadlineTimer deadline)
{
    QQmlIncubationController *controller = engine->incubationController();
    const int pending = controller ? controller->incubatingObjectCount() : 0;
    if (pending == 0 || deadline.hasExpired()) {
        if (pending > 0)
            qCWarning(lcConsole) << pending << "QML object(s) still incubating after" << kIncubationLimitMs << "ms";
        then();
        return;
    }
    QTimer::singleShot(kIncubationPollMs, context, [engine, context, then = std::move(then), deadline]() mutable {
        pollIncubation(engine, context, std::move(then), deadline);
    });
}
} // namespace

void whenIncubated(QQmlEngine *engine, QObject *context, std::function<void()> then)
{
    pollIncubation(engine, context, std::move(then), QDeadlineTimer(kIncubationLimitMs));
}

UiTour::UiTour(ConsoleCore *core, QObject *pages, QQmlApplicationEngine *engine, QString directory,
               const int *qmlWarnings, QObject *parent)
    : QObject(parent)
    , m_core(core)
    , m_pages(pages)
    , m_engine(engine)
    , m_dir(std::move(directory))
    , m_qmlWarnings(qmlWarnings)
{
}

QQuickWindow *UiTour::window() const
{
    return qobject_cast<QQuickWindow *>(m_engine->rootObjects().value(0));
}

bool UiTour::shoot(const QString &name)
{
    QQuickWindow *w = window();
    const QImage image = w ? w->grabWindow() : QImage();
    const QString file = QDir(m_dir).filePath(m_prefix + name + u".png"_s);
    if (image.isNull() || !image.save(file, "PNG")) {
        qCCritical(lcConsole).noquote() << "cannot save screenshot" << file;
        m_exitCode = 4;
        return false;
    }
    int checked = 0;
    const QList<ContrastProblem> problems = checkTextContrast(w, image, &checked);
    for (const ContrastProblem &problem : problems)
        qCWarning(lcConsole).noquote() << "low contrast on" << m_prefix + name << describe(problem);
    if (!problems.isEmpty() && m_exitCode == 0)
        m_exitCode = 6;
    qCInfo(lcConsole).noquote() << "screenshot saved:" << file << "(contrast of" << checked << "texts checked)";
    return true;
}

void UiTour::start()
{
    QDir().mkpath(m_dir);
    m_core->language()->apply(m_languages.first());
    auto *timeout = new QTimer(this);
    timeout->setSingleShot(true);
    const auto begin = [this, timeout] {
        timeout->stop();
        disconnect(m_core->connection(), nullptr, this, nullptr);
        QTimer::singleShot(kSettleMs, this, &UiTour::next);
    };
    connect(timeout, &QTimer::timeout, this, [this] {
        qCCritical(lcConsole) << "tour: not connected in time";
        shoot(u"connect-failed"_s);
        Q_EMIT finished(5);
    });
    const auto check = [this, begin] {
        switch (m_core->connection()->state()) {
        case ConnectionController::State::Connected: begin(); break;
        case ConnectionController::State::Error:
            qCCritical(lcConsole).noquote() << "tour: connection failed:" << m_core->connection()->errorMessage();
            shoot(u"connect-failed"_s);
            Q_EMIT finished(5);
            break;
        default: break;
        }
    };
    if (m_core->connection()->state() == ConnectionController::State::Disconnected) {
        // Nothing to connect to: the welcome page is the tour.
        QTimer::singleShot(kSettleMs, this, [this] {
            for (const QString &language : std::as_const(m_languages)) {
                m_core->language()->apply(language);
                QCoreApplication::processEvents();
                shoot(language + u"-00-welcome"_s);
            }
            Q_EMIT finished(*m_qmlWarnings > 0 ? 3 : m_exitCode);
        });
        return;
    }
    connect(m_core->connection(), &ConnectionController::stateChanged, this, check);
    timeout->start(kConnectTimeoutMs);
    check();
}

void UiTour::next()
{
    const QStringList pages = m_pages->property("pageNames").toStringList();
    if (pages.isEmpty()) {
        qCCritical(lcConsole) << "tour: no pageNames";
        Q_EMIT finished(4);
        return;
    }
    m_pages->setProperty("pageIndex", m_page);
    QTimer::singleShot(kSettleMs, this, [this, pages] {
        shoot(u"%1-%2-%3"_s.arg(m_languages.at(m_language)).arg(m_page + 1, 2, 10, QLatin1Char('0')).arg(pages.at(m_page)));
        if (++m_page >= pages.size()) {
            m_page = 0;
            if (++m_language >= m_languages.size()) {
                whenIncubated(m_engine, this, [this] {
                    if (*m_qmlWarnings > 0) {
                        qCCritical(lcConsole) << *m_qmlWarnings << "QML warning(s)";
                        m_exitCode = 3;
                    }
                    Q_EMIT finished(m_exitCode);
                });
                return;
            }
            m_core->language()->apply(m_languages.at(m_language));
        }
        next();
    });
}

} // namespace airlock
