#pragma once

// Exact-match cache for code completions: the same model, prefix and suffix (and the other inputs that
// shape the prompt) get the same answer without asking the model again. Bounded LRU with a TTL.
// Thread-safe; shared by every worker. Keys are SHA-256 digests, so a 100 KB prefix costs 32 bytes.
//
// An entry is the answer exactly as its client received it (body bytes and content type), so a hit
// replays the original: the same choices, finish_reason, token counts, id and created time. Whose
// answers a hit may replay is the scope (completioncachesettings.h): with CacheScope::User the dialect
// puts the caller's identity into the key (dialects/common/cacheowner.h), so users never share entries.
// Callers mark every looked-up answer with the header `x-airlock-cache: hit` or `miss` (kCacheHeader).

#include <QByteArray>
#include <QCryptographicHash>
#include <QHash>
#include <QMutex>
#include <QStringList>

#include "completioncachesettings.h"

#include <chrono>
#include <list>
#include <optional>

namespace airlock::routing {

inline constexpr char kCacheHeader[] = "x-airlock-cache";

class CompletionCache
{
public:
    struct Entry
    {
        QByteArray body;        // the answer's body, as sent
        QByteArray contentType; // ... and its content type
        int promptTokens = -1;  // for the request record of a hit
        int completionTokens = -1;
    };

    // Builds a key from parts (each length-prefixed, so ("ab","c") and ("a","bc") differ).
    class KeyBuilder
    {
    public:
        KeyBuilder();
        KeyBuilder &add(QStringView part);
        KeyBuilder &add(QByteArrayView part);
        QByteArray result();

    private:
        QCryptographicHash m_hash;
    };

    explicit CompletionCache(int capacity = 4096, std::chrono::milliseconds ttl = std::chrono::minutes(10),
                             CacheScope scope = CacheScope::User);

    static QByteArray key(std::initializer_list<QStringView> parts);

    // User: keys must hold the caller's identity; Shared: they must not; Off: nothing is cached.
    CacheScope scope() const { return m_scope; }

    std::optional<Entry> find(const QByteArray &key);
    void insert(const QByteArray &key, Entry entry);
    void clear();
    int size() const;
    // capacity 0 disables the cache.
    void configure(int capacity, std::chrono::milliseconds ttl);

    quint64 hits() const;
    quint64 misses() const;

private:
    using Clock = std::chrono::steady_clock;
    struct Node
    {
        QByteArray key;
        Entry entry;
        Clock::time_point expires;
    };
    void evictOverflow();

    mutable QMutex m_mutex;
    std::list<Node> m_lru; // front = most recently used
    QHash<QByteArray, std::list<Node>::iterator> m_index;
    int m_capacity;
    std::chrono::milliseconds m_ttl;
    const CacheScope m_scope;
    quint64 m_hits = 0;
    quint64 m_misses = 0;
};

} // namespace airlock::routing
