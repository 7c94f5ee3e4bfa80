#include "logadminapi.h"

#include "adminjson.h"
#include "adminserver.h"
#include "logging/livelog.h"
#include "logging/requestlogger.h"
#include "metrics/gatewaymetrics.h"
#include "storage/configstore.h"
#include "storage/database.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUrlQuery>

Q_DECLARE_LOGGING_CATEGORY(lcLogging)

namespace airlock::admin {

using storage::AggregateQuery;
using logging::LiveLogHub;
using storage::LogQuery;
using storage::RequestLogStore;
using logging::RequestLogger;
using storage::TelemetryQuery;
using storage::dayOf;

using http::HttpExchange;

namespace {

const QString kSettingsKey = QStringLiteral("request_log");
constexpr qint64 kDayMs = 24LL * 3600 * 1000;

void badRequest(HttpExchange &e, const QString &field, const QString &message)
{
    writeError(e, 400, QStringLiteral("invalid_parameter"), message, field);
}

void storeError(HttpExchange &e, const Error &error)
{
    qCWarning(lcLogging).noquote() << "request log query failed:" << error.message;
    writeError(e, 500, error.code, QStringLiteral("the request log could not be read"));
}

// Epoch milliseconds or ISO-8601; -1 if absent; nullopt if malformed.
std::optional<qint64> parseTime(const QString &text)
{
    if (text.isEmpty())
        return -1;
    bool ok = false;
    const qint64 ms = text.toLongLong(&ok);
    if (ok)
        return ms;
    const QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!dt.isValid())
        return std::nullopt;
    return dt.toMSecsSinceEpoch();
}

bool isLoopback(const QHostAddress &address)
{
    return address.isLoopback();
}

} // namespace

QJsonObject LogSettings::toJson() const
{
    return QJsonObject{{QStringLiteral("capture_bodies"), captureBodies},
                       {QStringLiteral("retention_days"), double(retention.maxAgeMs) / double(kDayMs)},
                       {QStringLiteral("max_rows"), retention.maxRows},
                       {QStringLiteral("max_bytes"), retention.maxBytes}};
}

Status LogSettings::update(const QJsonObject &json)
{
    for (auto it = json.begin(); it != json.end(); ++it) {
        const QString key = it.key();
        const QJsonValue v = it.value();
        if (key == QLatin1String("capture_bodies")) {
            if (!v.isBool())
                return Error::make(QStringLiteral("invalid_type"), QStringLiteral("capture_bodies must be a boolean"), key);
            captureBodies = v.toBool();
        } else if (key == QLatin1String("retention_days")) {
            if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > 36500)
                return Error::make(QStringLiteral("invalid_value"),
                                   QStringLiteral("retention_days must be a number from 0 (keep forever) to 36500"), key);
            retention.maxAgeMs = qint64(v.toDouble() * double(kDayMs));
        } else if (key == QLatin1String("max_rows") || key == QLatin1String("max_bytes")) {
            if (!v.isDouble() || v.toDouble() < 0)
                return Error::make(QStringLiteral("invalid_value"),
                                   QStringLiteral("%1 must be a number >= 0 (0: no limit)").arg(key), key);
            (key == QLatin1String("max_rows") ? retention.maxRows : retention.maxBytes) = qint64(v.toDouble());
        } else {
            return Error::make(QStringLiteral("unknown_field"), QStringLiteral("unknown setting \"%1\"").arg(key), key);
        }
    }
    return {};
}

struct LogAdminApi::Private
{
    Database &db;
    RequestLogger &logger;
    LiveLogHub &hub;
    metrics::GatewayMetrics &metrics;
    admin::AdminGate *gate;
    QByteArray metricsToken;
    RequestLogStore store;
    LogSettings settings;

    Private(Database &database, RequestLogger &l, LiveLogHub &h, metrics::GatewayMetrics &m, admin::AdminGate *g,
            QByteArray token)
        : db(database)
        , logger(l)
        , hub(h)
        , metrics(m)
        , gate(g)
        , metricsToken(std::move(token))
        , store(database)
    {
    }

    void list(HttpExchange &e)
    {
        const QUrlQuery q(QString::fromLatin1(e.request().query));
        auto value = [&](const char *key) { return q.queryItemValue(QLatin1String(key), QUrl::FullyDecoded); };
        LogQuery query;
        const auto from = parseTime(value("from"));
        const auto to = parseTime(value("to"));
        if (!from)
            return badRequest(e, QStringLiteral("from"), QStringLiteral("from must be epoch milliseconds or ISO-8601"));
        if (!to)
            return badRequest(e, QStringLiteral("to"), QStringLiteral("to must be epoch milliseconds or ISO-8601"));
        query.fromMs = *from;
        query.toMs = *to;
        query.feature = value("feature");
        query.userId = value("user");
        query.modelEndpoint = value("model");
        query.text = value("q");
        bool ok = true;
        if (!value("status").isEmpty()) {
            query.status = value("status").toInt(&ok);
            if (!ok || query.status < 100 || query.status > 599)
                return badRequest(e, QStringLiteral("status"), QStringLiteral("status must be an HTTP status code"));
        }
        if (!value("status_class").isEmpty()) {
            query.statusClass = value("status_class").left(1).toInt(&ok);
            if (!ok || query.statusClass < 1 || query.statusClass > 5)
                return badRequest(e, QStringLiteral("status_class"), QStringLiteral("status_class must be 1..5 (or 2xx..5xx)"));
        }
        query.errorsOnly = value("errors") == QLatin1String("1") || value("errors") == QLatin1String("true");
        if (!value("limit").isEmpty()) {
            query.limit = value("limit").toInt(&ok);
            if (!ok || query.limit < 1 || query.limit > 1000)
                return badRequest(e, QStringLiteral("limit"), QStringLiteral("limit must be 1..1000"));
        }
        const QString cursor = value("cursor");
        if (!cursor.isEmpty()) {
            const QStringList parts = cursor.split(QLatin1Char(':'));
            bool a = false;
            bool b = false;
            if (parts.size() == 2) {
                query.beforeStartedMs = parts[0].toLongLong(&a);
                query.beforeId = parts[1].toLongLong(&b);
            }
            if (!a || !b)
                return badRequest(e, QStringLiteral("cursor"), QStringLiteral("cursor must be a next_cursor value"));
        }
        auto page = store.query(query);
        if (!page)
            return storeError(e, page.error());
        QJsonObject o{{QStringLiteral("items"), page->items}};
        if (!page->nextCursor.isEmpty())
            o.insert(QStringLiteral("next_cursor"), page->nextCursor);
        writeJson(e, o);
    }

    void one(HttpExchange &e)
    {
        const QByteArray tail = e.request().path.mid(int(qstrlen("/api/v1/logs/")));
        bool ok = false;
        const qint64 id = tail.toLongLong(&ok);
        if (!ok || id <= 0) {
            writeError(e, 404, QStringLiteral("not_found"),
                       QStringLiteral("no admin endpoint at \"%1\"").arg(QString::fromLatin1(e.request().path)));
            return;
        }
        auto record = store.record(id);
        if (!record) {
            if (record.error().code == QLatin1String("not_found"))
                return writeError(e, 404, record.error().code, record.error().message);
            return storeError(e, record.error());
        }
        writeJson(e, *record);
    }

    void aggregate(HttpExchange &e)
    {
        const QUrlQuery q(QString::fromLatin1(e.request().query));
        auto value = [&](const char *key) { return q.queryItemValue(QLatin1String(key), QUrl::FullyDecoded); };
        AggregateQuery query;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto from = parseTime(value("from"));
        const auto to = parseTime(value("to"));
        if (!from || !to)
            return badRequest(e, !from ? QStringLiteral("from") : QStringLiteral("to"),
                              QStringLiteral("from and to must be epoch milliseconds or ISO-8601"));
        query.toMs = *to >= 0 ? *to : now;
        query.fromMs = *from >= 0 ? *from : query.toMs - kDayMs;
        if (query.fromMs >= query.toMs)
            return badRequest(e, QStringLiteral("from"), QStringLiteral("from must be before to"));
        if (!value("step").isEmpty()) {
            bool ok = false;
            query.stepSeconds = value("step").toInt(&ok);
            if (!ok || query.stepSeconds < 60 || query.stepSeconds % 60 != 0)
                return badRequest(e, QStringLiteral("step"), QStringLiteral("step must be a multiple of 60 seconds"));
        }
        if ((query.toMs - query.fromMs) / (qint64(query.stepSeconds) * 1000) > 20000)
            return badRequest(e, QStringLiteral("step"), QStringLiteral("more than 20000 points: use a larger step"));
        query.feature = value("feature");
        query.modelEndpoint = value("model");
        const QString group = value("group");
        if (group == QLatin1String("feature"))
            query.group = AggregateQuery::Group::Feature;
        else if (group == QLatin1String("model"))
            query.group = AggregateQuery::Group::Model;
        else if (!group.isEmpty() && group != QLatin1String("none"))
            return badRequest(e, QStringLiteral("group"), QStringLiteral("group must be feature, model or none"));
        auto result = store.aggregate(query);
        if (!result)
            return storeError(e, result.error());
        writeJson(e, *result);
    }

    void telemetry(HttpExchange &e)
    {
        const QUrlQuery q(QString::fromLatin1(e.request().query));
        TelemetryQuery query;
        const QString today = dayOf(QDateTime::currentMSecsSinceEpoch());
        query.toDay = q.queryItemValue(QStringLiteral("to"));
        query.fromDay = q.queryItemValue(QStringLiteral("from"));
        if (query.toDay.isEmpty())
            query.toDay = today;
        if (query.fromDay.isEmpty())
            query.fromDay = QDate::fromString(query.toDay, Qt::ISODate).addDays(-29).toString(Qt::ISODate);
        for (const QString *day : {&query.fromDay, &query.toDay}) {
            if (!QDate::fromString(*day, Qt::ISODate).isValid())
                return badRequest(e, day == &query.fromDay ? QStringLiteral("from") : QStringLiteral("to"),
                                  QStringLiteral("days are yyyy-MM-dd"));
        }
        auto result = store.telemetry(query);
        if (!result)
            return storeError(e, result.error());
        writeJson(e, *result);
    }

    void putSettings(HttpExchange &e, const admin::AdminCaller &caller, admin::AdminServer &server)
    {
        if (auto st = requireJsonContentType(e.request(), QStringLiteral("send the settings as application/json")); !st)
            return writeResultError(e, st.error());
        const auto object = parseJsonObject(e.request().body);
        if (!object)
            return badRequest(e, {}, QStringLiteral("send a JSON object"));
        LogSettings updated = settings;
        if (auto st = updated.update(*object); !st)
            return writeError(e, 400, st.error().code, st.error().message, st.error().field);
        const QByteArray json = compactJson(updated.toJson());
        if (auto st = ConfigStore(db).setSetting(kSettingsKey, QString::fromUtf8(json)); !st)
            return storeError(e, st.error());
        const QByteArray before = compactJson(settings.toJson());
        settings = updated;
        apply();
        qCInfo(lcLogging).noquote() << "request log settings changed:" << QString::fromUtf8(json);
        server.audit(caller, QStringLiteral("logs.settings.update"), kSettingsKey, before, json);
        writeJson(e, settings.toJson());
    }

    void apply()
    {
        logger.setCaptureAllBodies(settings.captureBodies);
        logger.setRetention(settings.retention);
    }

    void serveMetrics(HttpExchange &e)
    {
        const QByteArray header = e.request().header("authorization");
        const QByteArray presented = header.startsWith("Bearer ") ? header.mid(7).trimmed() : QByteArray();
        const bool allowed = isLoopback(e.request().peer)
            || (!metricsToken.isEmpty() && admin::constantTimeEquals(presented, metricsToken))
            || (gate && !presented.isEmpty() && gate->admit(e.request()));
        if (!allowed) {
            e.addResponseHeader("WWW-Authenticate", "Bearer");
            writeError(e, 401, QStringLiteral("unauthorized"),
                       QStringLiteral("/metrics needs a loopback peer or Authorization: Bearer "
                       "<metrics token> (--metrics-token-file)"));
            return;
        }
        e.respond(200, "text/plain; version=0.0.4; charset=utf-8", metrics.render());
    }
};

LogAdminApi::LogAdminApi(Database &db, RequestLogger &logger, LiveLogHub &hub, metrics::GatewayMetrics &metrics,
                         admin::AdminGate *gate, QByteArray metricsToken)
    : d(std::make_unique<Private>(db, logger, hub, metrics, gate, std::move(metricsToken)))
{
    d->settings.retention = logger.retention();
    d->settings.captureBodies = logger.captureAllBodies();
}

LogAdminApi::~LogAdminApi() = default;

Status LogAdminApi::loadSettings()
{
    auto value = ConfigStore(d->db).setting(kSettingsKey);
    if (!value && value.error().code != QLatin1String("not_found"))
        return value.error();
    if (value) {
        LogSettings stored = d->settings;
        const QJsonObject json = QJsonDocument::fromJson(value->toUtf8()).object();
        if (auto st = stored.update(json); !st)
            qCWarning(lcLogging).noquote() << "ignoring stored request log settings:" << st.error().message;
        else
            d->settings = stored;
    }
    d->apply();
    return {};
}

void LogAdminApi::registerRoutes(admin::AdminServer &server)
{
    using admin::AdminCaller;
    server.addRoute("GET", "/api/v1/logs", [this](HttpExchange &e, const AdminCaller &) { d->list(e); });
    server.addRoute("GET", "/api/v1/logs/aggregate", [this](HttpExchange &e, const AdminCaller &) { d->aggregate(e); });
    server.addRoute("GET", "/api/v1/logs/settings",
                    [this](HttpExchange &e, const AdminCaller &) { writeJson(e, d->settings.toJson()); });
    server.addRoute("PUT", "/api/v1/logs/settings",
                    [this, &server](HttpExchange &e, const AdminCaller &caller) { d->putSettings(e, caller, server); });
    server.addPrefixRoute("GET", "/api/v1/logs/", [this](HttpExchange &e, const AdminCaller &) { d->one(e); });
    server.addRoute("GET", "/api/v1/telemetry", [this](HttpExchange &e, const AdminCaller &) { d->telemetry(e); });
    server.addWebSocketRoute("/api/v1/logs/live",
                             [this](std::unique_ptr<QWebSocket> socket) { d->hub.addSubscriber(std::move(socket)); });
    server.addOpenRoute("GET", "/metrics", [this](HttpExchange &e) { d->serveMetrics(e); });
}

} // namespace airlock::admin
