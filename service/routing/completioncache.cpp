#include "completioncache.h"

#include <QCryptographicHash>

namespace airlock::routing {

CompletionCache::KeyBuilder::KeyBuilder()
    : m_hash(QCryptographicHash::Sha256)
{
}

CompletionCache::KeyBuilder &CompletionCache::KeyBuilder::add(QStringView part)
{
    const qint64 length = part.size();
    m_hash.addData(QByteArrayView(reinterpret_cast<const char *>(&length), sizeof length));
    m_hash.addData(QByteArrayView(reinterpret_cast<const char *>(part.utf16()), part.size() * 2));
    return *this;
}

CompletionCache::KeyBuilder &CompletionCache::KeyBuilder::add(QByteArrayView part)
{
    const qint64 length = -1 - part.size(); // bytes and text never collide
    m_hash.addData(QByteArrayView(reinterpret_cast<const char *>(&length), sizeof length));
    m_hash.addData(part);
    return *this;
}

QByteArray CompletionCache::KeyBuilder::result()
{
    return m_hash.result();
}

CompletionCache::CompletionCache(int capacity, std::chrono::milliseconds ttl, CacheScope scope)
    : m_capacity(scope == CacheScope::Off ? 0 : capacity)
    , m_ttl(ttl)
    , m_scope(scope)
{
}

QByteArray CompletionCache::key(std::initializer_list<QStringView> parts)
{
    KeyBuilder builder;
    for (QStringView part : parts)
        builder.add(part);
    return builder.result();
}

std::optional<CompletionCache::Entry> CompletionCache::find(const QByteArray &key)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_index.find(key);
    if (it == m_index.end()) {
        ++m_misses;
        return std::nullopt;
    }
    if (Clock::now() >= (*it)->expires) {
        m_lru.erase(*it);
        m_index.erase(it);
        ++m_misses;
        return std::nullopt;
    }
    m_lru.splice(m_lru.begin(), m_lru, *it);
    ++m_hits;
    return m_lru.front().entry;
}

void CompletionCache::insert(const QByteArray &key, Entry entry)
{
    QMutexLocker lock(&m_mutex);
    if (m_capacity <= 0)
        return;
    const auto expires = Clock::now() + m_ttl;
    const auto it = m_index.find(key);
    if (it != m_index.end()) {
        (*it)->entry = std::move(entry);
        (*it)->expires = expires;
        m_lru.splice(m_lru.begin(), m_lru, *it);
        return;
    }
    m_lru.push_front(Node{key, std::move(entry), expires});
    m_index.insert(key, m_lru.begin());
    evictOverflow();
}

void CompletionCache::evictOverflow()
{
    while (int(m_lru.size()) > m_capacity) {
        m_index.remove(m_lru.back().key);
        m_lru.pop_back();
    }
}

void CompletionCache::clear()
{
    QMutexLocker lock(&m_mutex);
    m_lru.clear();
    m_index.clear();
}

int CompletionCache::size() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_lru.size());
}

void CompletionCache::configure(int capacity, std::chrono::milliseconds ttl)
{
    QMutexLocker lock(&m_mutex);
    m_capacity = m_scope == CacheScope::Off ? 0 : capacity;
    m_ttl = ttl;
    evictOverflow();
}

quint64 CompletionCache::hits() const
{
    QMutexLocker lock(&m_mutex);
    return m_hits;
}

quint64 CompletionCache::misses() const
{
    QMutexLocker lock(&m_mutex);
    return m_misses;
}

} // namespace airlock::routing
