#include "admincredential.h"

#include "authlog.h"
#include "crypto.h"
#include "http/httpexchange.h"
#include "signingkeys.h"

#include <QDateTime>
#include <QDir>
#include <QFile>

#include <atomic>

namespace airlock::auth {

namespace {

constexpr int kFreeFailures = 5;
constexpr qint64 kMaxBlockMs = 5 * 60 * 1000;
constexpr qint64 kForgetAfterMs = 15 * 60 * 1000;

QString hashPath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("admin-token.hash"));
}

} // namespace

struct AdminCredential::StoreJob
{
    std::atomic<bool> done{false};
    Status status; // written by the job before `done`
};

AdminCredential::~AdminCredential()
{
    if (m_thread.joinable())
        m_thread.join(); // a clean stop still stores the hash
}

std::unique_ptr<AdminCredential> AdminCredential::fromToken(QByteArrayView token)
{
    std::unique_ptr<AdminCredential> c(new AdminCredential);
    c->m_acceptedDigest = sha256(token); // m_hash stays empty: no other token can match
    c->m_now = [] { return QDateTime::currentMSecsSinceEpoch(); };
    return c;
}

void AdminCredential::storeInBackground(const QString &path, const QByteArray &token, const QString &legacyFile,
                                        Background background)
{
    m_job = std::make_shared<StoreJob>();
    // Deep copies: the job shares no implicitly shared data with this thread (whose reference counts
    // ThreadSanitizer cannot follow into the uninstrumented Qt), and its token copy can be wiped.
    auto job = [state = m_job, path = QString(path.constData(), path.size()), token = QByteArray(token.constData(), token.size()),
                legacyFile = QString(legacyFile.constData(), legacyFile.size())]() mutable {
        const QByteArray encoded = hash(token) + '\n';
        token.fill('\0'); // its own buffer (not shared): wiped, not detached
        token.clear();
        Status st = writePrivateFile(path, encoded);
        if (st && !legacyFile.isEmpty())
            QFile::remove(legacyFile); // only now that the hash replaces it
        if (st)
            qCInfo(lcAuth).noquote() << "the admin token's salted hash is stored in" << path;
        else
            qCCritical(lcAuth).noquote() << "cannot store the admin token's hash:" << st.error().message
                                         << "- the token works only until this process stops";
        state->status = std::move(st);
        state->done.store(true, std::memory_order_release);
    };
    if (background)
        background(std::move(job));
    else
        m_thread = std::thread(std::move(job));
}

bool AdminCredential::stored() const
{
    return !m_job || m_job->done.load(std::memory_order_acquire);
}

Status AdminCredential::waitUntilStored()
{
    if (m_thread.joinable())
        m_thread.join();
    if (!m_job)
        return {};
    if (!m_job->done.load(std::memory_order_acquire))
        return Error::make(QStringLiteral("admin_token_not_stored"), QStringLiteral("the admin token's hash is not stored yet"));
    return m_job->status;
}

QByteArray AdminCredential::hash(QByteArrayView token, int iterations)
{
    const QByteArray salt = randomBytes(16);
    const QByteArray derived = pbkdf2Sha256(token, salt, iterations);
    return "pbkdf2-sha256$" + QByteArray::number(iterations) + '$' + base64UrlEncode(salt) + '$' + base64UrlEncode(derived);
}

Result<std::unique_ptr<AdminCredential>> AdminCredential::fromHash(const QByteArray &encoded)
{
    const QList<QByteArray> parts = encoded.trimmed().split('$');
    bool ok = false;
    const int iterations = parts.size() == 4 ? parts.at(1).toInt(&ok) : 0;
    const auto salt = parts.size() == 4 ? base64UrlDecode(parts.at(2)) : std::nullopt;
    const auto derived = parts.size() == 4 ? base64UrlDecode(parts.at(3)) : std::nullopt;
    if (parts.size() != 4 || parts.at(0) != "pbkdf2-sha256" || !ok || iterations < 100000 || !salt || !derived
        || salt->size() < 16 || derived->size() != 32) {
        return Error::make(QStringLiteral("admin_token_hash_invalid"),
                           QStringLiteral("the stored admin token hash is not pbkdf2-sha256 with at least 100000 iterations"));
    }
    std::unique_ptr<AdminCredential> c(new AdminCredential);
    c->m_iterations = iterations;
    c->m_salt = *salt;
    c->m_hash = *derived;
    c->m_now = [] { return QDateTime::currentMSecsSinceEpoch(); };
    return c;
}

Result<AdminCredential::Resolved> AdminCredential::resolve(const QString &dataDir, const QByteArray &given,
                                                           const QByteArray &fromEnvironment, Background background)
{
    Resolved out;
    if (!given.isEmpty()) {
        out.credential = fromToken(given);
        out.source = QStringLiteral("option");
        return out;
    }
    const QString path = hashPath(dataDir);
    if (!fromEnvironment.isEmpty()) {
        out.credential = fromToken(fromEnvironment);
        out.credential->storeInBackground(path, fromEnvironment, QString(), std::move(background));
        out.source = QStringLiteral("environment");
        return out;
    }
    QFile stored(path);
    if (stored.exists()) {
        if (!stored.open(QIODevice::ReadOnly)) {
            return Error::make(QStringLiteral("admin_token_unreadable"),
                               QStringLiteral("cannot read %1: %2").arg(path, stored.errorString()));
        }
        auto credential = fromHash(stored.readAll());
        if (!credential)
            return credential.error();
        out.credential = std::move(credential).value();
        out.source = QStringLiteral("stored");
        return out;
    }
    QFile legacy(QDir(dataDir).filePath(QStringLiteral("admin-token")));
    if (legacy.exists() && legacy.open(QIODevice::ReadOnly)) {
        const QByteArray token = legacy.readAll().trimmed();
        legacy.close();
        if (!token.isEmpty()) {
            out.credential = fromToken(token);
            out.credential->storeInBackground(path, token, legacy.fileName(), std::move(background));
            out.source = QStringLiteral("migrated");
            return out;
        }
    }
    const QByteArray token = base64UrlEncode(randomBytes(32));
    out.credential = fromToken(token);
    out.credential->storeInBackground(path, token, QString(), std::move(background));
    out.source = QStringLiteral("bootstrap");
    out.bootstrapToken = token;
    return out;
}

bool AdminCredential::verify(QByteArrayView token)
{
    if (token.isEmpty() || token.size() > 4096)
        return false;
    const QByteArray digest = sha256(token);
    if (!m_acceptedDigest.isEmpty() && constantTimeEquals(digest, m_acceptedDigest))
        return true;
    if (m_hash.isEmpty())
        return false; // the token itself is known (not a stored hash): nothing else matches
    if (m_rejected.contains(digest))
        return false;
    ++m_runs;
    const bool ok = constantTimeEquals(pbkdf2Sha256(token, m_salt, m_iterations), m_hash);
    if (ok) {
        m_acceptedDigest = digest;
    } else {
        if (m_rejected.size() > 1024)
            m_rejected.clear();
        m_rejected.insert(digest, false);
    }
    return ok;
}

Result<AdminCaller> AdminCredential::admit(const http::HttpRequest &request)
{
    const qint64 now = m_now();
    const QString peer = request.peer.toString();
    Backoff &backoff = m_backoff[peer];
    if (backoff.failures && now - backoff.lastFailureMs > kForgetAfterMs)
        backoff = Backoff{};
    if (backoff.blockedUntilMs > now) {
        const qint64 seconds = (backoff.blockedUntilMs - now + 999) / 1000;
        return Error::make(QStringLiteral("too_many_attempts"),
                           QStringLiteral("too many failed admin token attempts; retry in %1 s").arg(seconds),
                           QString::number(seconds));
    }
    const QByteArray header = request.header("authorization");
    const QByteArray presented = header.size() > 7 && header.first(7).compare("Bearer ", Qt::CaseInsensitive) == 0
        ? header.mid(7).trimmed()
        : QByteArray();
    if (verify(presented)) {
        backoff = Backoff{};
        return AdminCaller{QStringLiteral("admin@") + peer, request.peer};
    }
    if (!presented.isEmpty()) {
        ++backoff.failures;
        backoff.lastFailureMs = now;
        if (backoff.failures >= kFreeFailures) {
            const int exponent = std::min(backoff.failures - kFreeFailures, 20);
            backoff.blockedUntilMs = now + std::min(kMaxBlockMs, qint64(1000) << exponent);
        }
        qCWarning(lcAuth).noquote() << "admin request refused: wrong admin token" << fingerprint(presented) << "from" << peer
                                    << "(" << backoff.failures << "failures)";
    }
    if (m_backoff.size() > 4096) {
        for (auto it = m_backoff.begin(); it != m_backoff.end();) {
            if (now - it->lastFailureMs > kForgetAfterMs && it->blockedUntilMs <= now)
                it = m_backoff.erase(it);
            else
                ++it;
        }
    }
    return Error::make(QStringLiteral("unauthorized"),
                       presented.isEmpty() ? QStringLiteral("the admin API needs an Authorization: Bearer <admin token> header")
                                           : QStringLiteral("the admin token is not valid"));
}

} // namespace airlock::auth
