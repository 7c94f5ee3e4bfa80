#pragma once

// Exact-match cache for code completions: the same model, prefix and suffix (and the other inputs that
// shape the prompt) get the same suggestions without asking the model again. Bounded LRU with a TTL.
// Thread-safe; shared by every worker. Keys are SHA-256 digests, so a 100 KB prefix costs 32 bytes.

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QStringList>

#include <chrono>
#include <list>
#include <optional>

namespace airlock::routing {

class CompletionCache
{
public:
    struct Entry
    {
        QStringList choices;
        int promptTokens = -1;
        int completionTokens = -1;
    };

    explicit CompletionCache(int capacity = 4096, std::chrono::milliseconds ttl = std::chrono::minutes(10));

    static QByteArray key(std::initializer_list<QStringView> parts);

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
    quint64 m_hits = 0;
    quint64 m_misses = 0;
};

} // namespace airlock::routing
