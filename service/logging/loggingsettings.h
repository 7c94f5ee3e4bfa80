#pragma once

// Start-up settings of the request log, /metrics and chat history. Three sources, the first that says
// something wins, key by key:
//   1. airlockd's command line (GatewayOptions::logging; the console's embedded mode and tests set the
//      same struct): --request-log on|off, --chat-history store|redis, --chat-redis HOST:PORT,
//      --chat-redis-password-file FILE, --metrics-token-file FILE
//   2. the declarative file's "logging" section:
//        "logging": {"request_log": true,
//                    "metrics_token_file": "/etc/airlock/metrics-token",
//                    "chat_history": {"backend": "redis", "redis": "10.0.0.5:6379",
//                                     "redis_password_file": "/etc/airlock/redis-password"},
//                    "redaction": {"disable": ["jwt"],
//                                  "rules": [{"name": "ticket_secret", "pattern": "TKT-[0-9]{8}"}]}}
//      (relative file names are relative to the declarative file's folder; redaction: storage/redaction.h,
//      every built-in rule unless "disable" names it, then the custom "rules")
//   3. the environment variables of earlier versions: AIRLOCK_REQUEST_LOG=off|on,
//      AIRLOCK_CHAT_REDIS=HOST:PORT (implies the redis backend), AIRLOCK_CHAT_REDIS_PASSWORD,
//      AIRLOCK_METRICS_TOKEN
//
// Secrets (the metrics token, the Redis password) come only from a file or the environment: never from
// the command line (visible in ps) nor inline in the declarative file (it gets copied and shared). They
// are never printed, and `config export` never writes them (it writes the stored model configuration;
// these are start-up settings and not stored at all).
//
// Unknown keys and bad values are errors that name the key ("logging.chat_history.redis",
// "--chat-redis"). Turning the request log off also turns chat history off (it is fed by the log's
// writer thread).

#include "result.h"

#include <QByteArray>
#include <QJsonValue>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace airlock::storage {
class Redactor;
}

namespace airlock::logging {

// What the command line (or an embedding program) says; empty / unset: not given.
struct LoggingOptions
{
    std::optional<bool> requestLog;
    QString chatBackend;            // "store" or "redis"
    QString chatRedis;              // HOST:PORT; implies "redis" when chatBackend is empty
    QString chatRedisPasswordFile;
    QString metricsTokenFile;
    // Secrets handed over directly by an embedding program or a test (win over files and environment).
    QString chatRedisPassword;
    QByteArray metricsToken;
    // Request records waiting for the writer before new requests are refused (see RequestLogger);
    // 0: the default. For embedding programs and tests.
    int queueCapacity = 0;
};

enum class ChatHistoryBackend { Store, Redis };

// The settings in force.
struct LoggingSettings
{
    bool requestLog = true;
    ChatHistoryBackend chatBackend = ChatHistoryBackend::Store;
    QString redisHost;
    quint16 redisPort = 6379;
    QString redisPassword;   // secret
    QByteArray metricsToken; // secret; empty: /metrics only from loopback or with the admin token
    // How captured bodies are redacted before they are stored (the file's "logging.redaction"); null:
    // every built-in rule.
    std::shared_ptr<const storage::Redactor> redactor;
};

using EnvironmentReader = std::function<QByteArray(const char *name)>;

// `fileSection`: the declarative file's "logging" value (undefined when the file has none, or there is
// no file); `fileDir`: the file's folder (for relative file names). `env` defaults to qgetenv.
Result<LoggingSettings> resolveLoggingSettings(const LoggingOptions &options, const QJsonValue &fileSection = {},
                                               const QString &fileDir = {}, EnvironmentReader env = {});

// "host:port", "[v6]:port" or "host" (port 6379). The error names `where`.
Result<std::pair<QString, quint16>> parseRedisAddress(const QString &text, const QString &where);

// Removes the top-level member `key` from a JSON object text (the declarative file) and returns its
// value; undefined when the text has no such member or is not a JSON object (the file's own parser
// reports that).
QJsonValue takeJsonSection(QByteArray *json, QLatin1StringView key);

} // namespace airlock::logging
