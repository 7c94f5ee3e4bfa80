#include "admincredential.h"

#include "authlog.h"
#include "crypto.h"
#include "http/httpexchange.h"
#include "signingkeys.h"

#include <QDateTime>
#include <QDir>
#include <QFile>

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
                                                           const QByteArray &fromEnvironment)
{
    Resolved out;
    auto adopt = [&](const QByteArray &encoded, const char *source) -> Status {
        auto credential = fromHash(encoded);
        if (!credential)
            return credential.error();
        out.credential = std::move(credential).value();
        out.source = QLatin1String(source);
        return {};
    };
    if (!given.isEmpty()) {
        if (auto st = adopt(hash(given), "option"); !st)
            return st.error();
        return out;
    }
    const QString path = hashPath(dataDir);
    if (!fromEnvironment.isEmpty()) {
        const QByteArray encoded = hash(fromEnvironment);
        if (auto st = writePrivateFile(path, encoded + '\n'); !st)
            return st.error();
        if (auto st = adopt(encoded, "environment"); !st)
            return st.error();
        return out;
    }
    QFile stored(path);
    if (stored.exists()) {
        if (!stored.open(QIODevice::ReadOnly)) {
            return Error::make(QStringLiteral("admin_token_unreadable"),
                               QStringLiteral("cannot read %1: %2").arg(path, stored.errorString()));
        }
        if (auto st = adopt(stored.readAll(), "stored"); !st)
            return st.error();
        return out;
    }
    QFile legacy(QDir(dataDir).filePath(QStringLiteral("admin-token")));
    if (legacy.exists() && legacy.open(QIODevice::ReadOnly)) {
        const QByteArray token = legacy.readAll().trimmed();
        legacy.close();
        if (!token.isEmpty()) {
            const QByteArray encoded = hash(token);
            if (auto st = writePrivateFile(path, encoded + '\n'); !st)
                return st.error();
            QFile::remove(legacy.fileName());
            if (auto st = adopt(encoded, "migrated"); !st)
                return st.error();
            return out;
        }
    }
    const QByteArray token = base64UrlEncode(randomBytes(32));
    const QByteArray encoded = hash(token);
    if (auto st = writePrivateFile(path, encoded + '\n'); !st)
        return st.error();
    if (auto st = adopt(encoded, "bootstrap"); !st)
        return st.error();
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

Result<admin::AdminCaller> AdminCredential::admit(const http::HttpRequest &request)
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
        return admin::AdminCaller{QStringLiteral("admin@") + peer, request.peer};
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
