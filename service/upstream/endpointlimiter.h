#pragma once

// The per-endpoint concurrency cap set by the admin (max_concurrency), shared by every worker thread.
//
// acquire() hands out a slot at once when one is free. Otherwise the request waits in a bounded FIFO
// queue; when a slot is released, it goes to the oldest waiter, whose callback runs on the waiter's own
// thread (queued to its context object). A waiter whose context is destroyed, or that cancels, gives
// its turn to the next. Waiting longer than the queue timeout calls the callback with granted = false.
//
// Thread-safe. A Slot releases its place when destroyed (RAII) and may be moved across threads.

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

namespace airlock::upstream {

class EndpointLimiter : public std::enable_shared_from_this<EndpointLimiter>
{
public:
    class Slot
    {
    public:
        Slot() = default;
        Slot(Slot &&other) noexcept;
        Slot &operator=(Slot &&other) noexcept;
        Slot(const Slot &) = delete;
        Slot &operator=(const Slot &) = delete;
        ~Slot();
        bool isValid() const { return bool(m_limiter); }
        void release();

    private:
        friend class EndpointLimiter;
        explicit Slot(std::shared_ptr<EndpointLimiter> limiter) : m_limiter(std::move(limiter)) { }
        std::shared_ptr<EndpointLimiter> m_limiter;
    };

    using Callback = std::function<void(Slot slot, bool granted)>;
    // A ticket identifies a queued waiter so it can cancel (client went away).
    using Ticket = quint64;

    static std::shared_ptr<EndpointLimiter> create(int maxConcurrency, int maxQueue, int queueTimeoutMs);

    // Either calls `callback` synchronously with a slot (returns 0), or queues it and returns a ticket.
    // Queue full: callback(Slot{}, false) synchronously, returns 0.
    Ticket acquire(QObject *context, Callback callback);
    void cancel(Ticket ticket);

    int inUse() const;
    int queued() const;
    int maxConcurrency() const;
    void setMaxConcurrency(int max);

    ~EndpointLimiter();

private:
    EndpointLimiter(int maxConcurrency, int maxQueue, int queueTimeoutMs);
    void releaseOne();
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace airlock::upstream
