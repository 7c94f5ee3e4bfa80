// The per-endpoint concurrency cap: immediate grants, FIFO queue, cancel, timeouts, threads, RAII.

#include "upstream/endpointlimiter.h"

#include <QElapsedTimer>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include <atomic>
#include <optional>

using airlock::upstream::EndpointLimiter;
using Slot = EndpointLimiter::Slot;

class tst_EndpointLimiter : public QObject
{
    Q_OBJECT

private slots:
    void capRespected();
    void fifoOrder();
    void cancel();
    void destroyedContextGivesTurnAway();
    void queueFull();
    void queueTimeout();
    void releaseFromAnotherThread();
    void manyThreadsNeverExceedCap();
    void slotRaii();
    void raisingTheCapGrantsWaiters();
};

void tst_EndpointLimiter::capRespected()
{
    auto limiter = EndpointLimiter::create(2, 10, 10000);
    std::vector<Slot> held;
    int grantedNow = 0;
    for (int i = 0; i < 2; ++i) {
        const auto ticket = limiter->acquire(this, [&](Slot slot, bool granted) {
            QVERIFY(granted);
            QVERIFY(slot.isValid());
            ++grantedNow;
            held.push_back(std::move(slot));
        });
        QCOMPARE(ticket, EndpointLimiter::Ticket(0));
    }
    QCOMPARE(grantedNow, 2); // synchronously
    QCOMPARE(limiter->inUse(), 2);

    std::optional<Slot> third;
    const auto ticket = limiter->acquire(this, [&](Slot slot, bool granted) {
        QVERIFY(granted);
        third = std::move(slot);
    });
    QVERIFY(ticket != 0);
    QCOMPARE(limiter->queued(), 1);
    QCOMPARE(limiter->inUse(), 2);
    QTest::qWait(20);
    QVERIFY(!third); // still waiting: the cap holds

    held.pop_back(); // Slot destroyed: its place goes to the waiter
    QVERIFY(!third); // granted on the waiter's event loop, not inside release
    QTRY_VERIFY(third.has_value());
    QVERIFY(third->isValid());
    QCOMPARE(limiter->inUse(), 2);
    QCOMPARE(limiter->queued(), 0);
    third.reset();
    held.clear();
    QCOMPARE(limiter->inUse(), 0);
}

void tst_EndpointLimiter::fifoOrder()
{
    auto limiter = EndpointLimiter::create(1, 10, 10000);
    std::optional<Slot> first;
    limiter->acquire(this, [&](Slot slot, bool) { first = std::move(slot); });
    QList<int> order;
    for (int i = 0; i < 5; ++i) {
        limiter->acquire(this, [&order, i](Slot slot, bool granted) {
            QVERIFY(granted);
            order.append(i);
            // The slot is released when this callback returns: the next waiter's turn.
            Q_UNUSED(slot);
        });
    }
    QCOMPARE(limiter->queued(), 5);
    first.reset();
    QTRY_COMPARE(order.size(), 5);
    QCOMPARE(order, (QList<int>{0, 1, 2, 3, 4}));
    QCOMPARE(limiter->inUse(), 0);
}

void tst_EndpointLimiter::cancel()
{
    auto limiter = EndpointLimiter::create(1, 10, 10000);
    std::optional<Slot> held;
    limiter->acquire(this, [&](Slot slot, bool) { held = std::move(slot); });
    bool aCalled = false;
    std::optional<Slot> b;
    const auto a = limiter->acquire(this, [&](Slot, bool) { aCalled = true; });
    limiter->acquire(this, [&](Slot slot, bool granted) {
        QVERIFY(granted);
        b = std::move(slot);
    });
    QCOMPARE(limiter->queued(), 2);
    limiter->cancel(a);
    limiter->cancel(a);     // twice is harmless
    limiter->cancel(12345); // unknown tickets too
    QCOMPARE(limiter->queued(), 1);
    held.reset();
    QTRY_VERIFY(b.has_value());
    QVERIFY(!aCalled);
}

void tst_EndpointLimiter::destroyedContextGivesTurnAway()
{
    auto limiter = EndpointLimiter::create(1, 10, 10000);
    std::optional<Slot> held;
    limiter->acquire(this, [&](Slot slot, bool) { held = std::move(slot); });
    bool goneCalled = false;
    auto *gone = new QObject;
    limiter->acquire(gone, [&](Slot, bool) { goneCalled = true; });
    std::optional<Slot> next;
    limiter->acquire(this, [&](Slot slot, bool granted) {
        QVERIFY(granted);
        next = std::move(slot);
    });
    delete gone;
    held.reset();
    QTRY_VERIFY(next.has_value());
    QVERIFY(!goneCalled);
    QCOMPARE(limiter->inUse(), 1);

    // Destroyed after being granted but before the grant ran: the slot comes back, too.
    auto *late = new QObject;
    std::optional<Slot> after;
    limiter->acquire(late, [&](Slot, bool) { goneCalled = true; });
    limiter->acquire(this, [&](Slot slot, bool) { after = std::move(slot); });
    next.reset(); // grant to `late` is now queued to its event loop
    delete late;
    QTRY_VERIFY(after.has_value());
    QVERIFY(!goneCalled);
    QCOMPARE(limiter->inUse(), 1);
}

void tst_EndpointLimiter::queueFull()
{
    auto limiter = EndpointLimiter::create(1, 2, 10000);
    std::optional<Slot> held;
    limiter->acquire(this, [&](Slot slot, bool) { held = std::move(slot); });
    limiter->acquire(this, [](Slot, bool) { });
    limiter->acquire(this, [](Slot, bool) { });
    std::optional<bool> refused;
    const auto ticket = limiter->acquire(this, [&](Slot slot, bool granted) {
        QVERIFY(!slot.isValid());
        refused = !granted;
    });
    QCOMPARE(ticket, EndpointLimiter::Ticket(0));
    QVERIFY(refused.has_value()); // synchronously
    QVERIFY(*refused);
    QCOMPARE(limiter->queued(), 2);
}

void tst_EndpointLimiter::queueTimeout()
{
    // Nobody ever releases: the waiter still hears granted=false after the queue timeout.
    auto limiter = EndpointLimiter::create(1, 10, 200);
    std::optional<Slot> held;
    limiter->acquire(this, [&](Slot slot, bool) { held = std::move(slot); });
    std::optional<bool> result;
    QElapsedTimer elapsed;
    elapsed.start();
    limiter->acquire(this, [&](Slot slot, bool granted) {
        QVERIFY(!slot.isValid());
        result = granted;
    });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 2000);
    QVERIFY(!*result);
    QVERIFY2(elapsed.elapsed() >= 190, QByteArray::number(elapsed.elapsed()).constData());
    QCOMPARE(limiter->queued(), 0);
    QCOMPARE(limiter->inUse(), 1);
    // Releasing afterwards does not resurrect the timed-out waiter.
    held.reset();
    QTest::qWait(20);
    QVERIFY(!*result);
    QCOMPARE(limiter->inUse(), 0);
}

void tst_EndpointLimiter::releaseFromAnotherThread()
{
    auto limiter = EndpointLimiter::create(1, 10, 10000);
    std::optional<Slot> held;
    limiter->acquire(this, [&](Slot slot, bool) { held = std::move(slot); });
    QThread *grantedOn = nullptr;
    std::optional<Slot> mine;
    limiter->acquire(this, [&](Slot slot, bool granted) {
        QVERIFY(granted);
        grantedOn = QThread::currentThread();
        mine = std::move(slot);
    });

    // The held slot moves to a worker thread, which releases it there.
    Slot moved = std::move(*held);
    held.reset();
    QVERIFY(!held.has_value());
    std::unique_ptr<QThread> thread(QThread::create([slot = std::make_shared<Slot>(std::move(moved))] {
        slot->release();
    }));
    thread->start();
    QVERIFY(thread->wait(5000));
    QTRY_VERIFY(mine.has_value());
    QCOMPARE(grantedOn, QThread::currentThread()); // called back on the waiter's thread
    QCOMPARE(limiter->inUse(), 1);
}

namespace {

// Acquires, holds briefly, releases, repeats, on its own thread's event loop.
class Worker : public QObject
{
public:
    Worker(std::shared_ptr<EndpointLimiter> limiter, std::atomic<int> *concurrent, std::atomic<int> *maxSeen,
           std::atomic<int> *done, int rounds)
        : m_limiter(std::move(limiter)), m_concurrent(concurrent), m_maxSeen(maxSeen), m_done(done), m_rounds(rounds)
    {
    }
    void next()
    {
        if (m_rounds-- == 0) {
            m_done->fetch_add(1);
            return;
        }
        m_limiter->acquire(this, [this](Slot slot, bool granted) {
            if (!granted) { // queue timeout under load: try again
                QMetaObject::invokeMethod(this, [this] { ++m_rounds; next(); }, Qt::QueuedConnection);
                return;
            }
            const int now = m_concurrent->fetch_add(1) + 1;
            int seen = m_maxSeen->load();
            while (now > seen && !m_maxSeen->compare_exchange_weak(seen, now)) { }
            // Hold the slot for a millisecond so that the threads overlap even on a loaded machine.
            QTimer::singleShot(1, this, [this, held = std::make_shared<Slot>(std::move(slot))] {
                m_concurrent->fetch_sub(1);
                held->release();
                next();
            });
        });
    }

private:
    std::shared_ptr<EndpointLimiter> m_limiter;
    std::atomic<int> *m_concurrent;
    std::atomic<int> *m_maxSeen;
    std::atomic<int> *m_done;
    int m_rounds;
};

} // namespace

void tst_EndpointLimiter::manyThreadsNeverExceedCap()
{
    constexpr int Threads = 4;
    constexpr int Cap = 3;
    auto limiter = EndpointLimiter::create(Cap, 100, 10000);
    std::atomic<int> concurrent{0}, maxSeen{0}, done{0};
    std::vector<std::unique_ptr<QThread>> threads;
    std::vector<Worker *> workers;
    for (int i = 0; i < Threads; ++i) {
        auto thread = std::make_unique<QThread>();
        auto *worker = new Worker(limiter, &concurrent, &maxSeen, &done, 300);
        worker->moveToThread(thread.get());
        connect(thread.get(), &QThread::finished, worker, &QObject::deleteLater);
        thread->start();
        QMetaObject::invokeMethod(worker, [worker] { worker->next(); }, Qt::QueuedConnection);
        workers.push_back(worker);
        threads.push_back(std::move(thread));
    }
    QTRY_VERIFY_WITH_TIMEOUT(done.load() == Threads, 60000);
    for (auto &thread : threads) {
        thread->quit();
        QVERIFY(thread->wait(5000));
    }
    QVERIFY(maxSeen.load() <= Cap);
    QVERIFY(maxSeen.load() >= 2); // they did contend
    QCOMPARE(limiter->inUse(), 0);
    QCOMPARE(limiter->queued(), 0);
}

void tst_EndpointLimiter::slotRaii()
{
    auto limiter = EndpointLimiter::create(3, 10, 10000);
    auto take = [&] {
        Slot out;
        limiter->acquire(this, [&](Slot slot, bool) { out = std::move(slot); });
        return out;
    };
    {
        Slot a = take();
        QVERIFY(a.isValid());
        QCOMPARE(limiter->inUse(), 1);
        Slot b = std::move(a); // moving does not release
        QVERIFY(!a.isValid());
        QVERIFY(b.isValid());
        QCOMPARE(limiter->inUse(), 1);
        Slot c = take();
        QCOMPARE(limiter->inUse(), 2);
        c = std::move(b); // assignment releases what c held
        QCOMPARE(limiter->inUse(), 1);
        c.release();
        QVERIFY(!c.isValid());
        QCOMPARE(limiter->inUse(), 0);
        c.release(); // idempotent
        QCOMPARE(limiter->inUse(), 0);
        Slot d = take();
        QCOMPARE(limiter->inUse(), 1);
    } // d released here
    QCOMPARE(limiter->inUse(), 0);

    // A Slot keeps its limiter alive.
    std::weak_ptr<EndpointLimiter> weak = limiter;
    Slot last = take();
    limiter.reset();
    QVERIFY(!weak.expired());
    last.release();
    QVERIFY(weak.expired());
}

void tst_EndpointLimiter::raisingTheCapGrantsWaiters()
{
    auto limiter = EndpointLimiter::create(1, 10, 10000);
    std::vector<Slot> heldSlots;
    for (int i = 0; i < 3; ++i)
        limiter->acquire(this, [&](Slot slot, bool granted) {
            QVERIFY(granted);
            heldSlots.push_back(std::move(slot));
        });
    QCOMPARE(heldSlots.size(), size_t(1));
    QCOMPARE(limiter->queued(), 2);
    limiter->setMaxConcurrency(3);
    QCOMPARE(limiter->maxConcurrency(), 3);
    QTRY_COMPARE(heldSlots.size(), size_t(3));
    QCOMPARE(limiter->inUse(), 3);
    // Lowering it takes effect as heldSlots come back.
    limiter->setMaxConcurrency(1);
    bool granted = false;
    limiter->acquire(this, [&](Slot, bool g) { granted = g; });
    heldSlots.pop_back();
    heldSlots.pop_back();
    QTest::qWait(20);
    QVERIFY(!granted);
    heldSlots.clear();
    QTRY_VERIFY(granted);
}

QTEST_GUILESS_MAIN(tst_EndpointLimiter)
#include "tst_endpointlimiter.moc"
