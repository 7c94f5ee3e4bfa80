#include "endpointlimiter.h"

#include <QDeadlineTimer>
#include <QMutex>
#include <QMutexLocker>
#include <QTimer>

#include <deque>
#include <vector>

namespace airlock::upstream {

namespace {

struct Waiter
{
    EndpointLimiter::Ticket ticket;
    QPointer<QObject> context;
    EndpointLimiter::Callback callback;
    QDeadlineTimer deadline;
};

} // namespace

struct EndpointLimiter::Private
{
    mutable QMutex mutex;
    int maxConcurrency;
    int maxQueue;
    int queueTimeoutMs; // <= 0: waiters wait until granted or cancelled
    int inUse = 0;
    Ticket lastTicket = 0;
    std::deque<Waiter> queue; // FIFO; the oldest waiter at the front

    // Drops waiters whose context died or whose time is up from the queue (under the mutex). Timed-out
    // ones are returned so their callbacks run outside the lock.
    void prune(std::vector<Waiter> &expired)
    {
        for (auto it = queue.begin(); it != queue.end();) {
            if (it->context.isNull()) {
                it = queue.erase(it);
            } else if (it->deadline.hasExpired()) {
                expired.push_back(std::move(*it));
                it = queue.erase(it);
            } else {
                ++it;
            }
        }
    }
};

// Runs `callback(Slot{}, false)` on the waiter's thread.
static void postRefusal(Waiter &&waiter)
{
    if (!waiter.context)
        return;
    QMetaObject::invokeMethod(
        waiter.context.data(), [callback = std::move(waiter.callback)] { callback(EndpointLimiter::Slot{}, false); },
        Qt::QueuedConnection);
}

std::shared_ptr<EndpointLimiter> EndpointLimiter::create(int maxConcurrency, int maxQueue, int queueTimeoutMs)
{
    return std::shared_ptr<EndpointLimiter>(new EndpointLimiter(maxConcurrency, maxQueue, queueTimeoutMs));
}

EndpointLimiter::EndpointLimiter(int maxConcurrency, int maxQueue, int queueTimeoutMs)
    : d(new Private{{}, std::max(0, maxConcurrency), std::max(0, maxQueue), queueTimeoutMs})
{
}

EndpointLimiter::~EndpointLimiter()
{
    // No Slot can be alive here (each holds a reference). Waiters still queued will never be granted:
    // tell them so on their own threads.
    for (Waiter &waiter : d->queue)
        postRefusal(std::move(waiter));
}

EndpointLimiter::Ticket EndpointLimiter::acquire(QObject *context, Callback callback)
{
    QMutexLocker locker(&d->mutex);
    if (d->inUse < d->maxConcurrency && d->queue.empty()) {
        ++d->inUse;
        locker.unlock();
        callback(Slot(shared_from_this()), true);
        return 0;
    }
    std::vector<Waiter> expired;
    if (int(d->queue.size()) >= d->maxQueue)
        d->prune(expired); // make room from waiters that are gone but were not yet pruned
    // Without a context there is no thread to call back on later, so such a caller cannot wait.
    if (!context || int(d->queue.size()) >= d->maxQueue) {
        locker.unlock();
        for (Waiter &waiter : expired)
            postRefusal(std::move(waiter));
        callback(Slot{}, false);
        return 0;
    }
    const Ticket ticket = ++d->lastTicket;
    const QDeadlineTimer deadline = d->queueTimeoutMs > 0 ? QDeadlineTimer(d->queueTimeoutMs)
                                                          : QDeadlineTimer(QDeadlineTimer::Forever);
    d->queue.push_back(Waiter{ticket, context, std::move(callback), deadline});
    const int timeoutMs = d->queueTimeoutMs;
    locker.unlock();
    for (Waiter &waiter : expired)
        postRefusal(std::move(waiter));

    if (timeoutMs > 0) {
        // The timer lives on the context's thread and dies with the context. It holds a weak
        // reference: an expired limiter has nobody left to refuse.
        std::weak_ptr<EndpointLimiter> weak = weak_from_this();
        QTimer::singleShot(timeoutMs, Qt::CoarseTimer, context, [weak, ticket] {
            const auto self = weak.lock();
            if (!self)
                return;
            QMutexLocker locker(&self->d->mutex);
            auto &queue = self->d->queue;
            for (auto it = queue.begin(); it != queue.end(); ++it) {
                if (it->ticket == ticket) {
                    Callback callback = std::move(it->callback);
                    queue.erase(it);
                    locker.unlock();
                    callback(Slot{}, false);
                    return;
                }
            }
            // Not queued any more: granted or cancelled meanwhile; nothing to do.
        });
    }
    return ticket;
}

void EndpointLimiter::cancel(Ticket ticket)
{
    if (ticket == 0)
        return;
    Callback dropped; // destroyed outside the lock: it may own objects whose destructors call back in
    QMutexLocker locker(&d->mutex);
    for (auto it = d->queue.begin(); it != d->queue.end(); ++it) {
        if (it->ticket == ticket) {
            dropped = std::move(it->callback);
            d->queue.erase(it);
            return;
        }
    }
}

void EndpointLimiter::releaseOne()
{
    QMutexLocker locker(&d->mutex);
    --d->inUse;
    // Hand the freed slot (and any others free after a setMaxConcurrency raise) to the oldest waiters.
    std::vector<Waiter> granted;
    std::vector<Waiter> expired;
    while (d->inUse < d->maxConcurrency && !d->queue.empty()) {
        Waiter waiter = std::move(d->queue.front());
        d->queue.pop_front();
        if (waiter.context.isNull())
            continue; // its context is gone: the next waiter gets the turn
        if (waiter.deadline.hasExpired()) {
            expired.push_back(std::move(waiter)); // its timer may not have fired yet; refuse it now
            continue;
        }
        ++d->inUse;
        granted.push_back(std::move(waiter));
    }
    locker.unlock();

    auto self = shared_from_this();
    for (Waiter &waiter : granted) {
        // If the context dies before the queued call runs, the functor is destroyed with the event;
        // the Slot inside it is released then and goes to the next waiter.
        QMetaObject::invokeMethod(
            waiter.context.data(),
            [callback = std::move(waiter.callback), slot = std::make_shared<Slot>(Slot(self))]() mutable {
                callback(std::move(*slot), true);
            },
            Qt::QueuedConnection);
    }
    for (Waiter &waiter : expired)
        postRefusal(std::move(waiter));
}

int EndpointLimiter::inUse() const
{
    QMutexLocker locker(&d->mutex);
    return d->inUse;
}

int EndpointLimiter::queued() const
{
    QMutexLocker locker(&d->mutex);
    return int(d->queue.size());
}

int EndpointLimiter::maxConcurrency() const
{
    QMutexLocker locker(&d->mutex);
    return d->maxConcurrency;
}

void EndpointLimiter::setMaxConcurrency(int max)
{
    {
        QMutexLocker locker(&d->mutex);
        d->maxConcurrency = std::max(0, max);
        if (d->inUse >= d->maxConcurrency || d->queue.empty())
            return;
        // Raised: grant queued waiters now. releaseOne() does that after giving a slot back, so take
        // one first to keep the count right.
        ++d->inUse;
    }
    releaseOne();
}

// ---------------------------------------------------------------------------------------------------
// Slot

EndpointLimiter::Slot::Slot(Slot &&other) noexcept : m_limiter(std::move(other.m_limiter)) { }

EndpointLimiter::Slot &EndpointLimiter::Slot::operator=(Slot &&other) noexcept
{
    if (this != &other) {
        release();
        m_limiter = std::move(other.m_limiter);
    }
    return *this;
}

EndpointLimiter::Slot::~Slot()
{
    release();
}

void EndpointLimiter::Slot::release()
{
    if (const auto limiter = std::move(m_limiter))
        limiter->releaseOne();
}

} // namespace airlock::upstream
