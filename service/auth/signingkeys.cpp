#include "signingkeys.h"

#include "authlog.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <sys/stat.h>

namespace airlock::auth {

namespace {

Error ioError(const QString &message)
{
    return Error::make(QStringLiteral("key_store_error"), message);
}

} // namespace

Status writePrivateFile(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return ioError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    // Before any byte is written: the temporary file must never be readable by others.
    if (!file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return ioError(QStringLiteral("cannot restrict %1: %2").arg(path, file.errorString()));
    if (file.write(bytes) != bytes.size() || !file.commit())
        return ioError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

QJsonObject SigningKeyInfo::toJson(bool active) const
{
    QJsonObject o{{QStringLiteral("kid"), kid},
                  {QStringLiteral("alg"), algName(alg)},
                  {QStringLiteral("created_at"), createdAt},
                  {QStringLiteral("state"), active ? QStringLiteral("active") : QStringLiteral("retired")}};
    if (retiredAt) {
        o.insert(QStringLiteral("retired_at"), retiredAt);
        o.insert(QStringLiteral("verify_until"), verifyUntil);
    }
    return o;
}

Result<std::unique_ptr<SigningKeyStore>> SigningKeyStore::open(const QString &dataDir, KeyAlg newKeyAlg,
                                                               std::function<qint64()> nowSeconds)
{
    std::unique_ptr<SigningKeyStore> store(new SigningKeyStore);
    store->m_now = nowSeconds ? std::move(nowSeconds) : [] { return QDateTime::currentSecsSinceEpoch(); };
    store->m_dir = QDir(dataDir).filePath(QStringLiteral("keys"));
    if (!QDir(store->m_dir).exists() && !QDir().mkpath(store->m_dir))
        return ioError(QStringLiteral("cannot create %1").arg(store->m_dir));
    ::chmod(QFile::encodeName(store->m_dir).constData(), 0700);
    if (auto st = store->load(); !st)
        return st.error();
    if (store->m_activeKid.isEmpty()) {
        auto key = SigningKey::generate(newKeyAlg);
        if (!key)
            return key.error();
        if (auto st = store->writeKey(*key); !st)
            return st.error();
        store->m_keys.insert(key->kid(), *key);
        store->m_info.prepend(SigningKeyInfo{key->kid(), key->alg(), store->m_now(), 0, 0});
        store->m_activeKid = key->kid();
        if (auto st = store->saveIndex(); !st)
            return st.error();
        qCInfo(lcAuth).noquote() << "created signing key" << key->kid() << "(" << algName(key->alg()) << ") in"
                                 << store->m_dir;
    }
    return store;
}

Status SigningKeyStore::load()
{
    std::lock_guard lock(m_mutex);
    m_info.clear();
    m_keys.clear();
    m_activeKid.clear();
    QFile index(QDir(m_dir).filePath(QStringLiteral("keys.json")));
    if (!index.exists())
        return {};
    if (!index.open(QIODevice::ReadOnly))
        return ioError(QStringLiteral("cannot read %1: %2").arg(index.fileName(), index.errorString()));
    const QJsonObject root = QJsonDocument::fromJson(index.readAll()).object();
    const QString active = root.value(QLatin1String("active")).toString();
    for (const QJsonValue &v : root.value(QLatin1String("keys")).toArray()) {
        const QJsonObject o = v.toObject();
        SigningKeyInfo info;
        info.kid = o.value(QLatin1String("kid")).toString();
        info.createdAt = qint64(o.value(QLatin1String("created_at")).toDouble());
        info.retiredAt = qint64(o.value(QLatin1String("retired_at")).toDouble());
        info.verifyUntil = qint64(o.value(QLatin1String("verify_until")).toDouble());
        if (info.kid.isEmpty() || info.kid.contains(QLatin1Char('/')) || info.kid.contains(QLatin1Char('.')))
            continue;
        QFile pem(QDir(m_dir).filePath(info.kid + QStringLiteral(".pem")));
        if (!pem.open(QIODevice::ReadOnly)) {
            qCWarning(lcAuth).noquote() << "signing key" << info.kid << "is listed but its file is unreadable:" << pem.errorString();
            continue;
        }
        if (pem.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther)) {
            qCWarning(lcAuth).noquote() << pem.fileName() << "was readable by others; restricting it to the owner";
            pem.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        auto key = SigningKey::fromPem(pem.readAll());
        if (!key) {
            qCWarning(lcAuth).noquote() << "signing key" << info.kid << "cannot be read:" << key.error().message;
            continue;
        }
        info.alg = key->alg();
        m_keys.insert(info.kid, *key);
        m_info.append(info);
    }
    if (m_keys.contains(active))
        m_activeKid = active;
    return {};
}

Status SigningKeyStore::reload()
{
    return load();
}

Status SigningKeyStore::writeKey(const SigningKey &key) const
{
    return writePrivateFile(QDir(m_dir).filePath(key.kid() + QStringLiteral(".pem")), key.toPem());
}

Status SigningKeyStore::saveIndex() const
{
    QJsonArray list;
    for (const SigningKeyInfo &info : m_info) {
        QJsonObject o = info.toJson(info.kid == m_activeKid);
        o.remove(QStringLiteral("state"));
        list.append(o);
    }
    const QJsonObject root{{QStringLiteral("active"), m_activeKid}, {QStringLiteral("keys"), list}};
    return writePrivateFile(QDir(m_dir).filePath(QStringLiteral("keys.json")), QJsonDocument(root).toJson());
}

SigningKey SigningKeyStore::active() const
{
    std::lock_guard lock(m_mutex);
    return m_keys.value(m_activeKid);
}

QList<SigningKeyInfo> SigningKeyStore::keys() const
{
    std::lock_guard lock(m_mutex);
    return m_info;
}

QList<PublicKey> SigningKeyStore::verificationKeys() const
{
    std::lock_guard lock(m_mutex);
    const qint64 now = m_now();
    QList<PublicKey> out;
    for (const SigningKeyInfo &info : m_info) {
        if (info.retiredAt && info.verifyUntil < now)
            continue;
        const PublicKey key = m_keys.value(info.kid).publicKey();
        if (info.kid == m_activeKid)
            out.prepend(key);
        else
            out.append(key);
    }
    return out;
}

QJsonObject SigningKeyStore::jwks() const
{
    QJsonArray keys;
    for (const PublicKey &key : verificationKeys())
        keys.append(key.toJwk());
    return QJsonObject{{QStringLiteral("keys"), keys}};
}

Result<SigningKeyInfo> SigningKeyStore::rotate(KeyAlg alg, qint64 previousVerifyUntil)
{
    auto key = SigningKey::generate(alg);
    if (!key)
        return key.error();
    if (auto st = writeKey(*key); !st)
        return st.error();
    std::lock_guard lock(m_mutex);
    const qint64 now = m_now();
    for (SigningKeyInfo &info : m_info) {
        if (info.kid == m_activeKid) {
            info.retiredAt = now;
            info.verifyUntil = std::max(previousVerifyUntil, now);
        }
    }
    const SigningKeyInfo info{key->kid(), alg, now, 0, 0};
    m_info.prepend(info);
    m_keys.insert(key->kid(), *key);
    m_activeKid = key->kid();
    if (auto st = saveIndex(); !st)
        return st.error();
    qCInfo(lcAuth).noquote() << "rotated signing keys: new key" << key->kid() << "(" << algName(alg) << ")";
    return info;
}

int SigningKeyStore::prune()
{
    std::lock_guard lock(m_mutex);
    const qint64 now = m_now();
    int removed = 0;
    for (auto it = m_info.begin(); it != m_info.end();) {
        if (it->retiredAt && it->verifyUntil < now) {
            QFile::remove(QDir(m_dir).filePath(it->kid + QStringLiteral(".pem")));
            m_keys.remove(it->kid);
            qCInfo(lcAuth).noquote() << "removed retired signing key" << it->kid << "(its last token has expired)";
            it = m_info.erase(it);
            ++removed;
        } else {
            ++it;
        }
    }
    if (removed)
        (void)saveIndex();
    return removed;
}

} // namespace airlock::auth
