#include "testtiming.h"

#include <QtCore/QAbstractEventDispatcher>
#include <QtCore/QDebug>
#include <QtCore/QEventLoop>
#include <QtCore/QTimer>

#include <algorithm>

namespace airlock::test {

bool waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    if (condition())
        return true;

    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    deadline.setTimerType(Qt::PreciseTimer);
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);

    const auto check = [&] {
        if (condition())
            loop.quit();
    };
    // aboutToBlock fires after each batch of events, before the dispatcher sleeps: the condition is seen as
    // soon as the event that made it true has been handled.
    if (auto *dispatcher = QAbstractEventDispatcher::instance())
        QObject::connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, &loop, check);
    // Safety net: the dispatcher does not emit aboutToBlock while posted events keep it busy.
    QTimer poll;
    poll.setInterval(5);
    QObject::connect(&poll, &QTimer::timeout, &loop, check);

    deadline.start(timeoutMs);
    poll.start();
    loop.exec();
    return condition();
}

void spinFor(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, Qt::PreciseTimer, &loop, &QEventLoop::quit);
    loop.exec();
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype index = std::min<qsizetype>(values.size() - 1, qsizetype(p * double(values.size() - 1) + 0.5));
    return values.at(index);
}

bool reportLatency(const char *what, double ms)
{
    qInfo("latency: %s: %.1f ms", what, ms);
    return ms >= 0;
}

} // namespace airlock::test
