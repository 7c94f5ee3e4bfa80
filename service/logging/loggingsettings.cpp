#include "loggingsettings.h"

#include "storage/redaction.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace airlock::logging {

namespace {

Error fieldError(const QString &code, const QString &field, const QString &message)
{
    return Error::make(code, QStringLiteral("%1: %2").arg(field, message), field);
}

Error unknownKey(const QString &path)
{
    return Error::make(QStringLiteral("unknown_key"), QStringLiteral("unknown key \"%1\"").arg(path), path);
}

Error inlineSecret(const QString &path, const QString &fileKey, const char *envName)
{
    return fieldError(QStringLiteral("inline_secret"), path,
                      QStringLiteral("secrets are not written in the configuration file: put it in a file of its own and "
                                     "name that with \"%1\", or set $%2")
                          .arg(fileKey, QLatin1String(envName)));
}

// The values the declarative file's "logging" section gives (empty: not given).
struct FileValues
{
    std::optional<bool> requestLog;
    QString backend;
    QString redis;
    QString redisPasswordFile;
    QString metricsTokenFile;
    std::shared_ptr<const storage::Redactor> redactor;
};

// "redaction": {"disable": [rule names], "rules": [{"name": ..., "pattern": ...}]}
Result<std::shared_ptr<const storage::Redactor>> parseRedaction(const QJsonValue &value, const QString &path)
{
    if (!value.isObject())
        return fieldError(QStringLiteral("invalid_type"), path, QStringLiteral("must be an object"));
    QStringList disabled;
    QList<storage::Redactor::CustomRule> custom;
    const QJsonObject o = value.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString key = path + QLatin1Char('.') + it.key();
        if (it.key() == QLatin1String("disable")) {
            if (!it.value().isArray())
                return fieldError(QStringLiteral("invalid_type"), key, QStringLiteral("must be a list of rule names"));
            const QJsonArray names = it.value().toArray();
            for (qsizetype i = 0; i < names.size(); ++i) {
                if (!names.at(i).isString()) {
                    return fieldError(QStringLiteral("invalid_type"), QStringLiteral("%1[%2]").arg(key).arg(i),
                                      QStringLiteral("must be a rule name"));
                }
                disabled << names.at(i).toString();
            }
        } else if (it.key() == QLatin1String("rules")) {
            if (!it.value().isArray())
                return fieldError(QStringLiteral("invalid_type"), key, QStringLiteral("must be a list of rules"));
            const QJsonArray rules = it.value().toArray();
            for (qsizetype i = 0; i < rules.size(); ++i) {
                const QString rulePath = QStringLiteral("%1[%2]").arg(key).arg(i);
                if (!rules.at(i).isObject()) {
                    return fieldError(QStringLiteral("invalid_type"), rulePath,
                                      QStringLiteral("must be an object {\"name\": ..., \"pattern\": ...}"));
                }
                const QJsonObject rule = rules.at(i).toObject();
                storage::Redactor::CustomRule c;
                for (auto r = rule.begin(); r != rule.end(); ++r) {
                    const QString field = rulePath + QLatin1Char('.') + r.key();
                    if (r.key() != QLatin1String("name") && r.key() != QLatin1String("pattern"))
                        return unknownKey(field);
                    if (!r.value().isString())
                        return fieldError(QStringLiteral("invalid_type"), field, QStringLiteral("must be a string"));
                    (r.key() == QLatin1String("name") ? c.name : c.pattern) = r.value().toString();
                }
                for (const char *required : {"name", "pattern"}) {
                    if (!rule.contains(QLatin1String(required))) {
                        return fieldError(QStringLiteral("missing_field"), rulePath + QLatin1Char('.') + QLatin1String(required),
                                          QStringLiteral("is required"));
                    }
                }
                custom << c;
            }
        } else {
            return unknownKey(key);
        }
    }
    return storage::Redactor::make(disabled, custom, path);
}

Result<QString> nonEmptyString(const QJsonValue &value, const QString &path)
{
    if (!value.isString())
        return fieldError(QStringLiteral("invalid_type"), path, QStringLiteral("must be a string"));
    const QString s = value.toString().trimmed();
    if (s.isEmpty())
        return fieldError(QStringLiteral("invalid_value"), path, QStringLiteral("must not be empty"));
    return s;
}

Result<FileValues> parseFileSection(const QJsonValue &section)
{
    FileValues f;
    if (section.isUndefined() || section.isNull())
        return f;
    const QString root = QStringLiteral("logging");
    if (!section.isObject())
        return fieldError(QStringLiteral("invalid_type"), root, QStringLiteral("must be an object"));
    const QJsonObject o = section.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString path = root + QLatin1Char('.') + it.key();
        if (it.key() == QLatin1String("request_log")) {
            if (!it.value().isBool())
                return fieldError(QStringLiteral("invalid_type"), path, QStringLiteral("must be true or false"));
            f.requestLog = it.value().toBool();
        } else if (it.key() == QLatin1String("metrics_token_file")) {
            auto s = nonEmptyString(it.value(), path);
            if (!s)
                return s.error();
            f.metricsTokenFile = *s;
        } else if (it.key() == QLatin1String("metrics_token")) {
            return inlineSecret(path, QStringLiteral("metrics_token_file"), "AIRLOCK_METRICS_TOKEN");
        } else if (it.key() == QLatin1String("chat_history")) {
            if (!it.value().isObject())
                return fieldError(QStringLiteral("invalid_type"), path, QStringLiteral("must be an object"));
            const QJsonObject chat = it.value().toObject();
            for (auto c = chat.begin(); c != chat.end(); ++c) {
                const QString cpath = path + QLatin1Char('.') + c.key();
                if (c.key() == QLatin1String("backend")) {
                    auto s = nonEmptyString(c.value(), cpath);
                    if (!s)
                        return s.error();
                    if (*s != QLatin1String("store") && *s != QLatin1String("redis")) {
                        return fieldError(QStringLiteral("invalid_value"), cpath,
                                          QStringLiteral("must be \"store\" or \"redis\", not \"%1\"").arg(*s));
                    }
                    f.backend = *s;
                } else if (c.key() == QLatin1String("redis")) {
                    auto s = nonEmptyString(c.value(), cpath);
                    if (!s)
                        return s.error();
                    if (auto address = parseRedisAddress(*s, cpath); !address)
                        return address.error();
                    f.redis = *s;
                } else if (c.key() == QLatin1String("redis_password_file")) {
                    auto s = nonEmptyString(c.value(), cpath);
                    if (!s)
                        return s.error();
                    f.redisPasswordFile = *s;
                } else if (c.key() == QLatin1String("redis_password")) {
                    return inlineSecret(cpath, QStringLiteral("redis_password_file"), "AIRLOCK_CHAT_REDIS_PASSWORD");
                } else {
                    return unknownKey(cpath);
                }
            }
            if (f.backend == QLatin1String("store") && !f.redis.isEmpty()) {
                return fieldError(QStringLiteral("invalid_value"), path + QStringLiteral(".redis"),
                                  QStringLiteral("is given but backend is \"store\""));
            }
        } else if (it.key() == QLatin1String("redaction")) {
            auto redactor = parseRedaction(it.value(), path);
            if (!redactor)
                return redactor.error();
            f.redactor = std::move(redactor).value();
        } else {
            return unknownKey(path);
        }
    }
    return f;
}

// A secret kept in a file: its first line, without surrounding white space.
Result<QByteArray> readSecretFile(const QString &fileName, const QString &where)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly))
        return fieldError(QStringLiteral("secret_unreadable"), where, QStringLiteral("cannot read %1: %2").arg(fileName, file.errorString()));
    const QByteArray content = file.read(64 * 1024);
    const qsizetype newline = content.indexOf('\n');
    const QByteArray secret = (newline < 0 ? content : content.first(newline)).trimmed();
    if (secret.isEmpty())
        return fieldError(QStringLiteral("invalid_value"), where, QStringLiteral("%1 is empty").arg(fileName));
    return secret;
}

Status checkMetricsToken(const QByteArray &token, const QString &where)
{
    if (token.size() < 16 || token.size() > 4096) {
        return fieldError(QStringLiteral("invalid_value"), where,
                          QStringLiteral("the metrics token must have 16 to 4096 characters (e.g. openssl rand -hex 32)"));
    }
    for (const char c : token) {
        if (c <= ' ' || c > '~') {
            return fieldError(QStringLiteral("invalid_value"), where,
                              QStringLiteral("the metrics token may contain only visible ASCII characters"));
        }
    }
    return {};
}

} // namespace

Result<std::pair<QString, quint16>> parseRedisAddress(const QString &text, const QString &where)
{
    const auto bad = [&] {
        return fieldError(QStringLiteral("invalid_value"), where,
                          QStringLiteral("\"%1\" is not HOST:PORT (e.g. 127.0.0.1:6379, [::1]:6379)").arg(text));
    };
    const QString t = text.trimmed();
    QString host;
    QString port;
    if (t.startsWith(QLatin1Char('['))) {
        const qsizetype close = t.indexOf(QLatin1Char(']'));
        if (close < 0)
            return bad();
        host = t.mid(1, close - 1);
        const QString rest = t.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(QLatin1Char(':')))
                return bad();
            port = rest.mid(1);
            if (port.isEmpty())
                return bad();
        }
    } else if (t.count(QLatin1Char(':')) == 1) {
        const qsizetype colon = t.indexOf(QLatin1Char(':'));
        host = t.left(colon);
        port = t.mid(colon + 1);
        if (port.isEmpty())
            return bad();
    } else {
        host = t; // a host name, or a bare IPv6 address: the default port
    }
    if (host.isEmpty())
        return bad();
    for (const QChar c : std::as_const(host)) {
        if (c.isSpace() || c == QLatin1Char('/') || c == QLatin1Char('@'))
            return bad();
    }
    quint16 number = 6379;
    if (!port.isEmpty()) {
        bool ok = false;
        const uint p = port.toUInt(&ok);
        if (!ok || p == 0 || p > 65535)
            return bad();
        number = quint16(p);
    }
    return std::pair<QString, quint16>{host, number};
}

Result<LoggingSettings> resolveLoggingSettings(const LoggingOptions &options, const QJsonValue &fileSection,
                                               const QString &fileDir, EnvironmentReader env)
{
    if (!env)
        env = [](const char *name) { return qgetenv(name); };
    auto file = parseFileSection(fileSection);
    if (!file)
        return file.error();
    const auto inFileDir = [&](const QString &name) {
        return fileDir.isEmpty() || QDir::isAbsolutePath(name) ? name : QDir(fileDir).filePath(name);
    };

    LoggingSettings s;
    s.redactor = file->redactor;

    // Request log.
    if (options.requestLog) {
        s.requestLog = *options.requestLog;
    } else if (file->requestLog) {
        s.requestLog = *file->requestLog;
    } else if (const QByteArray e = env("AIRLOCK_REQUEST_LOG").trimmed().toLower(); !e.isEmpty()) {
        if (e == "off" || e == "0" || e == "false")
            s.requestLog = false;
        else if (e == "on" || e == "1" || e == "true")
            s.requestLog = true;
        else
            return fieldError(QStringLiteral("invalid_value"), QStringLiteral("$AIRLOCK_REQUEST_LOG"), QStringLiteral("must be on or off"));
    }

    // Chat history backend and address.
    const QString cliBackend = options.chatBackend.trimmed();
    if (!cliBackend.isEmpty() && cliBackend != QLatin1String("store") && cliBackend != QLatin1String("redis")) {
        return fieldError(QStringLiteral("invalid_value"), QStringLiteral("--chat-history"),
                          QStringLiteral("must be \"store\" or \"redis\", not \"%1\"").arg(cliBackend));
    }
    if (cliBackend == QLatin1String("store") && !options.chatRedis.isEmpty()) {
        return fieldError(QStringLiteral("invalid_value"), QStringLiteral("--chat-redis"),
                          QStringLiteral("is given but --chat-history is \"store\""));
    }
    QString backend;
    QString address;
    QString addressWhere;
    if (!cliBackend.isEmpty() || !options.chatRedis.isEmpty()) {
        backend = cliBackend.isEmpty() ? QStringLiteral("redis") : cliBackend;
        address = options.chatRedis;
        addressWhere = QStringLiteral("--chat-redis");
    }
    if (backend.isEmpty() && (!file->backend.isEmpty() || !file->redis.isEmpty()))
        backend = file->backend.isEmpty() ? QStringLiteral("redis") : file->backend;
    if (address.isEmpty() && !file->redis.isEmpty()) {
        address = file->redis;
        addressWhere = QStringLiteral("logging.chat_history.redis");
    }
    const QString envRedis = QString::fromLocal8Bit(env("AIRLOCK_CHAT_REDIS")).trimmed();
    if (backend.isEmpty() && !envRedis.isEmpty())
        backend = QStringLiteral("redis");
    if (address.isEmpty() && !envRedis.isEmpty()) {
        address = envRedis;
        addressWhere = QStringLiteral("$AIRLOCK_CHAT_REDIS");
    }
    if (backend == QLatin1String("redis")) {
        s.chatBackend = ChatHistoryBackend::Redis;
        if (address.isEmpty()) {
            return fieldError(QStringLiteral("missing_field"), QStringLiteral("logging.chat_history.redis"),
                              QStringLiteral("the redis chat history backend needs an address: --chat-redis HOST:PORT or "
                                             "\"logging\": {\"chat_history\": {\"redis\": \"HOST:PORT\"}}"));
        }
        auto parsed = parseRedisAddress(address, addressWhere);
        if (!parsed)
            return parsed.error();
        s.redisHost = parsed->first;
        s.redisPort = parsed->second;
        // The password is read only when Redis is used.
        if (!options.chatRedisPassword.isEmpty()) {
            s.redisPassword = options.chatRedisPassword;
        } else if (!options.chatRedisPasswordFile.isEmpty()) {
            auto secret = readSecretFile(options.chatRedisPasswordFile, QStringLiteral("--chat-redis-password-file"));
            if (!secret)
                return secret.error();
            s.redisPassword = QString::fromUtf8(*secret);
        } else if (!file->redisPasswordFile.isEmpty()) {
            auto secret = readSecretFile(inFileDir(file->redisPasswordFile), QStringLiteral("logging.chat_history.redis_password_file"));
            if (!secret)
                return secret.error();
            s.redisPassword = QString::fromUtf8(*secret);
        } else {
            s.redisPassword = QString::fromLocal8Bit(env("AIRLOCK_CHAT_REDIS_PASSWORD"));
        }
    }

    // Metrics token.
    if (!options.metricsToken.isEmpty()) {
        s.metricsToken = options.metricsToken;
        if (auto st = checkMetricsToken(s.metricsToken, QStringLiteral("metrics token")); !st)
            return st.error();
    } else if (!options.metricsTokenFile.isEmpty()) {
        auto secret = readSecretFile(options.metricsTokenFile, QStringLiteral("--metrics-token-file"));
        if (!secret)
            return secret.error();
        if (auto st = checkMetricsToken(*secret, QStringLiteral("--metrics-token-file")); !st)
            return st.error();
        s.metricsToken = *secret;
    } else if (!file->metricsTokenFile.isEmpty()) {
        auto secret = readSecretFile(inFileDir(file->metricsTokenFile), QStringLiteral("logging.metrics_token_file"));
        if (!secret)
            return secret.error();
        if (auto st = checkMetricsToken(*secret, QStringLiteral("logging.metrics_token_file")); !st)
            return st.error();
        s.metricsToken = *secret;
    } else if (const QByteArray e = env("AIRLOCK_METRICS_TOKEN").trimmed(); !e.isEmpty()) {
        if (auto st = checkMetricsToken(e, QStringLiteral("$AIRLOCK_METRICS_TOKEN")); !st)
            return st.error();
        s.metricsToken = e;
    }
    return s;
}

QJsonValue takeJsonSection(QByteArray *json, QLatin1StringView key)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(*json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject() || !doc.object().contains(key))
        return QJsonValue(QJsonValue::Undefined);
    QJsonObject root = doc.object();
    const QJsonValue section = root.take(key);
    *json = QJsonDocument(root).toJson(QJsonDocument::Compact);
    return section;
}

} // namespace airlock::logging
