#include "sharedcounter.h"

#include <atomic>

namespace airlock {

static_assert(std::atomic_ref<quint64>::is_always_lock_free, "a shared counter needs lock-free 64-bit atomics");

Result<std::unique_ptr<SharedCounter>> SharedCounter::open(const QString &path)
{
    std::unique_ptr<SharedCounter> c(new SharedCounter);
    c->m_file.setFileName(path);
    const auto fail = [&](const QString &what) {
        return Error::make(QStringLiteral("shared_counter_error"),
                           QStringLiteral("cannot %1 %2: %3").arg(what, path, c->m_file.errorString()));
    };
    // ReadWrite creates the file when missing; the data dir is owner-only, the file is too.
    if (!c->m_file.open(QIODevice::ReadWrite))
        return fail(QStringLiteral("open"));
    if (!c->m_file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return fail(QStringLiteral("restrict"));
    // Growing is safe while another process maps or grows it too: both write zeros past the old end.
    if (c->m_file.size() < kFileSize) {
        if (!c->m_file.resize(kFileSize))
            return fail(QStringLiteral("size"));
        c->m_file.close(); // Qt 6.4 maps against the size it saw before the resize: start afresh
        if (!c->m_file.open(QIODevice::ReadWrite))
            return fail(QStringLiteral("open"));
    }
    uchar *mapped = c->m_file.map(0, kFileSize);
    if (!mapped)
        return fail(QStringLiteral("map"));
    c->m_word = reinterpret_cast<quint64 *>(mapped); // page-aligned
    return c;
}

SharedCounter::~SharedCounter()
{
    if (m_word)
        m_file.unmap(reinterpret_cast<uchar *>(m_word));
}

quint64 SharedCounter::value() const
{
    return std::atomic_ref<quint64>(*m_word).load(std::memory_order_acquire);
}

quint64 SharedCounter::bump()
{
    return std::atomic_ref<quint64>(*m_word).fetch_add(1, std::memory_order_acq_rel) + 1;
}

} // namespace airlock
