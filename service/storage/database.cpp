#include "database.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QThread>

#include <atomic>

namespace airlock {

Q_LOGGING_CATEGORY(lcStorage, "airlock.storage")

namespace {

// What differs between database engines. Only SQLite exists today; QPSQL adds a second instance
// (connection from a URL, plain BEGIN, no pragmas: PostgreSQL's defaults already give WAL durability
// and enforced foreign keys).
struct Dialect {
    const char *driver;
    // Starts a transaction that will write. SQLite's default deferred BEGIN takes the write lock only
    // at the first write and then fails with SQLITE_BUSY without waiting on busy_timeout when another
    // connection wrote in between; IMMEDIATE takes it up front, where busy_timeout applies.
    const char *beginWrite;
};

constexpr Dialect kSqlite { "QSQLITE", "BEGIN IMMEDIATE" };

std::atomic<int> s_connectionCounter { 0 };

Error dbError(const QString &message)
{
    return Error::make(QStringLiteral("database_error"), message);
}

// Kept here rather than using platform/ensurePrivateDir so that airlock_storage stands on its own.
Status ensureDirectory(const QString &path)
{
    const QFileInfo info(path);
    if (info.exists()) {
        if (!info.isDir()) {
            return Error::make(QStringLiteral("not_a_directory"),
                QStringLiteral("the data directory %1 exists and is not a directory").arg(path));
        }
        return {};
    }
    const QString parent = info.absolutePath();
    if (!QDir().mkpath(parent)
        || !QDir().mkdir(info.absoluteFilePath(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner)) {
        if (!QFileInfo(path).isDir()) { // lost a race to another process: fine
            return Error::make(
                QStringLiteral("io_error"), QStringLiteral("cannot create the data directory %1").arg(path));
        }
    }
    return {};
}

const QString kCreateMigrationsTable = QStringLiteral(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");

} // namespace

const QList<Migration> &schemaMigrations()
{
    // Append only: never edit a migration that has shipped. Portable SQL (SQLite and PostgreSQL).
    static const QList<Migration> migrations {
        { 1,
            {
                // One row per registered model server. Timeouts in milliseconds. api_key is stored as given
                // (empty = none); the file is 0600 in a 0700 directory.
                QStringLiteral("CREATE TABLE model_endpoints ("
                               " name TEXT NOT NULL PRIMARY KEY,"
                               " family TEXT NOT NULL,"
                               " base_url TEXT NOT NULL,"
                               " identifier TEXT NOT NULL,"
                               " api_key TEXT NOT NULL DEFAULT '',"
                               " max_concurrency INTEGER NOT NULL,"
                               " connect_ms INTEGER NOT NULL,"
                               " first_byte_ms INTEGER NOT NULL,"
                               " idle_ms INTEGER NOT NULL,"
                               " total_ms INTEGER NOT NULL,"
                               " created_at TEXT NOT NULL,"
                               " updated_at TEXT NOT NULL)"),
                // A row per feature the admin decided about. model_name NULL means "disabled" (so the
                // foreign key can hold for every real model); a feature without a row is unassigned.
                QStringLiteral("CREATE TABLE feature_assignments ("
                               " feature TEXT NOT NULL PRIMARY KEY,"
                               " model_name TEXT NULL REFERENCES model_endpoints (name))"),
                QStringLiteral(
                    "CREATE INDEX feature_assignments_model_name ON feature_assignments (model_name)"),
                QStringLiteral("CREATE TABLE settings (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)"),
            } },
        { 2,
            {
                // The admin's prompt template overrides per (model endpoint, feature): append-only, the
                // newest row of a pair is in force, an empty template means "built-in" (prompts/
                // templatestore.h). No foreign key to model_endpoints: the history outlives a model.
                QStringLiteral("CREATE TABLE prompt_overrides ("
                               " id INTEGER NOT NULL PRIMARY KEY,"
                               " endpoint TEXT NOT NULL,"
                               " feature TEXT NOT NULL,"
                               " template TEXT NOT NULL,"
                               " created_at TEXT NOT NULL,"
                               " author TEXT NOT NULL DEFAULT '')"),
                QStringLiteral(
                    "CREATE INDEX prompt_overrides_endpoint_feature ON prompt_overrides (endpoint, feature, id)"),
            } },
        { 3,
            {
                // Auth (service/auth/tokenstore.h): client tokens Airlock issued (never the token itself,
                // only what identifies it; id = the token's jti) and the audit log of admin changes.
                QStringLiteral("CREATE TABLE auth_tokens ("
                               " id TEXT NOT NULL PRIMARY KEY,"
                               " subject TEXT NOT NULL,"
                               " scopes TEXT NOT NULL,"
                               " description TEXT NOT NULL DEFAULT '',"
                               " kid TEXT NOT NULL,"
                               " created_by TEXT NOT NULL DEFAULT '',"
                               " issued_at INTEGER NOT NULL,"
                               " expires_at INTEGER NOT NULL,"
                               " revoked_at INTEGER NULL)"),
                QStringLiteral("CREATE INDEX auth_tokens_revoked ON auth_tokens (revoked_at, expires_at)"),
                QStringLiteral("CREATE TABLE audit_log ("
                               " id INTEGER NOT NULL PRIMARY KEY,"
                               " at TEXT NOT NULL,"
                               " actor TEXT NOT NULL,"
                               " action TEXT NOT NULL,"
                               " target TEXT NOT NULL,"
                               " before_json TEXT NULL,"
                               " after_json TEXT NULL)"),
            } },
        { 4,
            {
                // Request log (service/logging/requestlogstore.h): one row per request. id is the SQLite
                // rowid (commit order); times are epoch milliseconds (*_ms) because the console filters
                // and pages by time ranges over millions of rows. Text columns are NULL when unknown.
                QStringLiteral("CREATE TABLE request_log ("
                               " id INTEGER PRIMARY KEY,"
                               " started_ms INTEGER NOT NULL,"
                               " request_id TEXT NOT NULL,"
                               " method TEXT, path TEXT, dialect TEXT, feature TEXT, model_endpoint TEXT,"
                               " model_identifier TEXT, model_family TEXT, user_id TEXT, instance_id TEXT, realm TEXT,"
                               " host_name TEXT, gitlab_version TEXT, token_issuer TEXT, token_id TEXT, user_agent TEXT,"
                               " client_version TEXT, client_ip TEXT, lang TEXT, editor_lang TEXT,"
                               " status INTEGER NOT NULL, error_code TEXT, error_message TEXT,"
                               " flags INTEGER NOT NULL DEFAULT 0,"
                               " auth_ms REAL, queue_ms REAL, first_byte_ms REAL, upstream_ms REAL, total_ms REAL,"
                               " prompt_bytes INTEGER NOT NULL DEFAULT 0, answer_bytes INTEGER NOT NULL DEFAULT 0,"
                               " prompt_tokens INTEGER, answer_tokens INTEGER)"),
                // The console's queries: newest first overall, or within a feature, a status, a user.
                QStringLiteral("CREATE INDEX request_log_started ON request_log (started_ms)"),
                QStringLiteral("CREATE INDEX request_log_feature ON request_log (feature, started_ms)"),
                QStringLiteral("CREATE INDEX request_log_status ON request_log (status, started_ms)"),
                QStringLiteral("CREATE INDEX request_log_user ON request_log (user_id, started_ms)"),
                // Errors are few: a partial index finds the newest ones without sorting every 5xx.
                QStringLiteral("CREATE INDEX request_log_errors ON request_log (started_ms) WHERE status >= 400"),
                // Captured (redacted) bodies, only for requests that had capture on; same id.
                QStringLiteral("CREATE TABLE request_log_bodies (id INTEGER PRIMARY KEY, prompt TEXT, answer TEXT)"),
                // Per-minute rollups for charts; h0..h23 count total latencies per bucket (bounds in
                // requestlogstore.h) so percentiles over days read minutes, not millions of rows.
                // WITHOUT ROWID clusters the rows by minute: a day is one contiguous range (10x faster
                // than index lookups into a rowid table). SQLite-only clause: the PostgreSQL dialect
                // drops it (a btree on the key does the same there).
                QStringLiteral("CREATE TABLE request_log_minutes ("
                               " minute_ms INTEGER NOT NULL,"
                               " feature TEXT NOT NULL,"
                               " model_endpoint TEXT NOT NULL,"
                               " requests INTEGER NOT NULL DEFAULT 0,"
                               " errors INTEGER NOT NULL DEFAULT 0,"
                               " total_ms_sum REAL NOT NULL DEFAULT 0,"
                               " overhead_ms_sum REAL NOT NULL DEFAULT 0,"
                               " prompt_tokens INTEGER NOT NULL DEFAULT 0,"
                               " answer_tokens INTEGER NOT NULL DEFAULT 0,"
                               " h0 INTEGER NOT NULL DEFAULT 0,"
                               " h1 INTEGER NOT NULL DEFAULT 0,"
                               " h2 INTEGER NOT NULL DEFAULT 0,"
                               " h3 INTEGER NOT NULL DEFAULT 0,"
                               " h4 INTEGER NOT NULL DEFAULT 0,"
                               " h5 INTEGER NOT NULL DEFAULT 0,"
                               " h6 INTEGER NOT NULL DEFAULT 0,"
                               " h7 INTEGER NOT NULL DEFAULT 0,"
                               " h8 INTEGER NOT NULL DEFAULT 0,"
                               " h9 INTEGER NOT NULL DEFAULT 0,"
                               " h10 INTEGER NOT NULL DEFAULT 0,"
                               " h11 INTEGER NOT NULL DEFAULT 0,"
                               " h12 INTEGER NOT NULL DEFAULT 0,"
                               " h13 INTEGER NOT NULL DEFAULT 0,"
                               " h14 INTEGER NOT NULL DEFAULT 0,"
                               " h15 INTEGER NOT NULL DEFAULT 0,"
                               " h16 INTEGER NOT NULL DEFAULT 0,"
                               " h17 INTEGER NOT NULL DEFAULT 0,"
                               " h18 INTEGER NOT NULL DEFAULT 0,"
                               " h19 INTEGER NOT NULL DEFAULT 0,"
                               " h20 INTEGER NOT NULL DEFAULT 0,"
                               " h21 INTEGER NOT NULL DEFAULT 0,"
                               " h22 INTEGER NOT NULL DEFAULT 0,"
                               " h23 INTEGER NOT NULL DEFAULT 0,"
                               " PRIMARY KEY (minute_ms, feature, model_endpoint)) WITHOUT ROWID"),
                // Code suggestion telemetry reported by clients, per day (yyyy-MM-dd UTC).
                QStringLiteral("CREATE TABLE suggestion_telemetry ("
                               " day TEXT NOT NULL, model_engine TEXT NOT NULL, model_name TEXT NOT NULL,"
                               " lang TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0,"
                               " accepts INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,"
                               " PRIMARY KEY (day, model_engine, model_name, lang))"),
                QStringLiteral("CREATE TABLE daily_users ("
                               " day TEXT NOT NULL, user_id TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0,"
                               " PRIMARY KEY (day, user_id))"),
                // Chat history (logging/chathistory.h, store backend): last 50 messages per user.
                QStringLiteral("CREATE TABLE chat_messages ("
                               " id INTEGER PRIMARY KEY,"
                               " user_id TEXT NOT NULL,"
                               " role TEXT NOT NULL,"
                               " content TEXT NOT NULL,"
                               " created_ms INTEGER NOT NULL)"),
                QStringLiteral("CREATE INDEX chat_messages_user ON chat_messages (user_id, id)"),
            } },
        { 5,
            {
                // Request log: per-hour rollups (same columns as request_log_minutes) so that charts over
                // weeks read hours, filled from the minutes already there; and the rollups' watermark:
                // the highest request_log id they cover (the writer writes rollups at most once a
                // second; the rows above the watermark are added by queries and after a crash).
                QStringLiteral("CREATE TABLE request_log_hours ("
                               " hour_ms INTEGER NOT NULL,"
                               " feature TEXT NOT NULL,"
                               " model_endpoint TEXT NOT NULL,"
                               " requests INTEGER NOT NULL DEFAULT 0,"
                               " errors INTEGER NOT NULL DEFAULT 0,"
                               " total_ms_sum REAL NOT NULL DEFAULT 0,"
                               " overhead_ms_sum REAL NOT NULL DEFAULT 0,"
                               " prompt_tokens INTEGER NOT NULL DEFAULT 0,"
                               " answer_tokens INTEGER NOT NULL DEFAULT 0,"
                               " h0 INTEGER NOT NULL DEFAULT 0, h1 INTEGER NOT NULL DEFAULT 0,"
                               " h2 INTEGER NOT NULL DEFAULT 0, h3 INTEGER NOT NULL DEFAULT 0,"
                               " h4 INTEGER NOT NULL DEFAULT 0, h5 INTEGER NOT NULL DEFAULT 0,"
                               " h6 INTEGER NOT NULL DEFAULT 0, h7 INTEGER NOT NULL DEFAULT 0,"
                               " h8 INTEGER NOT NULL DEFAULT 0, h9 INTEGER NOT NULL DEFAULT 0,"
                               " h10 INTEGER NOT NULL DEFAULT 0, h11 INTEGER NOT NULL DEFAULT 0,"
                               " h12 INTEGER NOT NULL DEFAULT 0, h13 INTEGER NOT NULL DEFAULT 0,"
                               " h14 INTEGER NOT NULL DEFAULT 0, h15 INTEGER NOT NULL DEFAULT 0,"
                               " h16 INTEGER NOT NULL DEFAULT 0, h17 INTEGER NOT NULL DEFAULT 0,"
                               " h18 INTEGER NOT NULL DEFAULT 0, h19 INTEGER NOT NULL DEFAULT 0,"
                               " h20 INTEGER NOT NULL DEFAULT 0, h21 INTEGER NOT NULL DEFAULT 0,"
                               " h22 INTEGER NOT NULL DEFAULT 0, h23 INTEGER NOT NULL DEFAULT 0,"
                               " PRIMARY KEY (hour_ms, feature, model_endpoint)) WITHOUT ROWID"),
                QStringLiteral("INSERT INTO request_log_hours (hour_ms, feature, model_endpoint, requests, errors,"
                               " total_ms_sum, overhead_ms_sum, prompt_tokens, answer_tokens, h0, h1, h2, h3, h4, h5,"
                               " h6, h7, h8, h9, h10, h11, h12, h13, h14, h15, h16, h17, h18, h19, h20, h21, h22, h23)"
                               " SELECT minute_ms / 3600000 * 3600000, feature, model_endpoint, SUM(requests),"
                               " SUM(errors), SUM(total_ms_sum), SUM(overhead_ms_sum), SUM(prompt_tokens),"
                               " SUM(answer_tokens), SUM(h0), SUM(h1), SUM(h2), SUM(h3), SUM(h4), SUM(h5), SUM(h6),"
                               " SUM(h7), SUM(h8), SUM(h9), SUM(h10), SUM(h11), SUM(h12), SUM(h13), SUM(h14), SUM(h15),"
                               " SUM(h16), SUM(h17), SUM(h18), SUM(h19), SUM(h20), SUM(h21), SUM(h22), SUM(h23)"
                               " FROM request_log_minutes GROUP BY minute_ms / 3600000 * 3600000, feature,"
                               " model_endpoint"),
                QStringLiteral("CREATE TABLE request_log_rollup (id INTEGER PRIMARY KEY, covered_id INTEGER NOT NULL)"),
                // Nearly every request answers 200: the status index keeps the other ones only (queries
                // for status 200 walk request_log_started, where almost every row matches). One index
                // insert less per request for the writer.
                QStringLiteral("DROP INDEX request_log_status"),
                QStringLiteral(
                    "CREATE INDEX request_log_status ON request_log (status, started_ms) WHERE status <> 200"),
                // Rows without a feature or a user (OpenAI clients routed by model name, auth off) can never
                // match `feature = ?` or `user_id = ?`: they are left out of those indexes (queries use
                // them as before: `x = ?` implies `x IS NOT NULL`).
                QStringLiteral("DROP INDEX request_log_feature"),
                QStringLiteral("CREATE INDEX request_log_feature ON request_log (feature, started_ms) WHERE feature IS "
                               "NOT NULL"),
                QStringLiteral("DROP INDEX request_log_user"),
                QStringLiteral(
                    "CREATE INDEX request_log_user ON request_log (user_id, started_ms) WHERE user_id IS NOT NULL"),
                // Until now every batch wrote its rollups with its rows: they cover every row there is.
                QStringLiteral("INSERT INTO request_log_rollup (id, covered_id) SELECT 1, COALESCE(MAX(id), 0) FROM request_log"),
            } },
    };
    return migrations;
}

int Database::latestSchemaVersion()
{
    return schemaMigrations().isEmpty() ? 0 : schemaMigrations().constLast().version;
}

QString Database::timestampNow()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

Database::~Database()
{
    if (m_connectionName.isEmpty())
        return;
    if (m_db.isOpen())
        m_db.close();
    m_db = QSqlDatabase(); // drop our handle first, or removeDatabase() warns that it is still in use
    QSqlDatabase::removeDatabase(m_connectionName);
}

Result<std::unique_ptr<Database>> Database::open(const QString &dataDir, const DatabaseOptions &options)
{
    if (!QSqlDatabase::isDriverAvailable(QLatin1String(kSqlite.driver))) {
        return Error::make(QStringLiteral("driver_missing"),
            QStringLiteral("the Qt SQLite driver (QSQLITE) is not available; install the Qt 6 SQLite "
                           "plugin (Debian: libqt6sql6-sqlite)"));
    }
    if (auto st = ensureDirectory(dataDir); !st)
        return st.error();

    const QString path = QDir(dataDir).absoluteFilePath(fileName());
    // Create the file ourselves so it is private from the first byte; SQLite gives the -wal and -shm
    // files the main file's permissions.
    if (!QFileInfo::exists(path)) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFile::ReadOwner | QFile::WriteOwner)
            && !QFileInfo::exists(path)) {
            return Error::make(QStringLiteral("io_error"),
                QStringLiteral("cannot create the database file %1: %2").arg(path, file.errorString()));
        }
    }

    std::unique_ptr<Database> db(new Database);
    db->m_connectionName = QStringLiteral("airlock.storage.%1").arg(s_connectionCounter.fetch_add(1) + 1);
    db->m_filePath = path;
    db->m_thread = QThread::currentThread();
    db->m_db = QSqlDatabase::addDatabase(QLatin1String(kSqlite.driver), db->m_connectionName);
    db->m_db.setDatabaseName(path);
    if (!db->m_db.open()) {
        return dbError(
            QStringLiteral("cannot open the database %1: %2").arg(path, db->m_db.lastError().text()));
    }
    if (auto st = db->configureConnection(options.busyTimeoutMs); !st)
        return st.error();
    if (auto st = db->migrate(options.migrations ? *options.migrations : schemaMigrations()); !st)
        return st.error();
    qCInfo(lcStorage) << "opened" << path;
    return db;
}

Status Database::checkThread() const
{
    if (QThread::currentThread() != m_thread) {
        return Error::make(QStringLiteral("wrong_thread"),
            QStringLiteral("the database connection %1 is used from a thread other than the one "
                           "that opened it")
                .arg(m_connectionName));
    }
    return {};
}

Error Database::sqlError(const QString &what, const QSqlQuery &query) const
{
    // The SQL text is fine to log: values are always bound, never spliced in.
    qCWarning(lcStorage) << what << "failed:" << query.lastError().text() << "| SQL:" << query.lastQuery();
    return dbError(what + QStringLiteral(": ") + query.lastError().text());
}

Result<QSqlQuery> Database::run(const QString &sql, const QVariantList &bindings)
{
    if (auto st = checkThread(); !st)
        return st.error();
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return sqlError(QStringLiteral("preparing a statement"), query);
    for (const QVariant &value : bindings)
        query.addBindValue(value);
    if (!query.exec())
        return sqlError(QStringLiteral("executing a statement"), query);
    return query;
}

Status Database::exec(const QString &sql, const QVariantList &bindings)
{
    auto query = run(sql, bindings);
    if (!query)
        return query.error();
    query->finish();
    return {};
}

Status Database::transaction(const std::function<Status()> &body)
{
    if (auto st = checkThread(); !st)
        return st;
    Q_ASSERT_X(!m_inTransaction, "Database::transaction", "transactions do not nest");
    if (m_inTransaction)
        return dbError(QStringLiteral("a transaction is already open on %1").arg(m_connectionName));
    if (auto st = exec(QLatin1String(kSqlite.beginWrite)); !st)
        return st;
    m_inTransaction = true;
    Status result = body();
    m_inTransaction = false;
    if (!result) {
        if (auto st = exec(QStringLiteral("ROLLBACK")); !st)
            qCWarning(lcStorage) << "rollback failed:" << st.error().message;
        return result;
    }
    if (auto st = exec(QStringLiteral("COMMIT")); !st) {
        (void)exec(QStringLiteral("ROLLBACK"));
        return st;
    }
    return {};
}

Status Database::configureConnection(int busyTimeoutMs)
{
    // First, so that switching the journal mode below already waits for other connections' locks.
    if (auto st = exec(QStringLiteral("PRAGMA busy_timeout = %1").arg(qMax(0, busyTimeoutMs))); !st)
        return st;
    auto mode = run(QStringLiteral("PRAGMA journal_mode = WAL"));
    if (!mode)
        return mode.error();
    const QString journal = mode->next() ? mode->value(0).toString().toLower() : QString();
    mode->finish();
    if (journal != QLatin1String("wal")) {
        // Happens on file systems without shared memory support (some network mounts): still correct,
        // only readers then block the writer.
        qCWarning(lcStorage) << "SQLite refused WAL mode for" << m_filePath << "- journal mode is" << journal;
    }
    if (auto st = exec(QStringLiteral("PRAGMA synchronous = NORMAL")); !st)
        return st;
    if (auto st = exec(QStringLiteral("PRAGMA foreign_keys = ON")); !st)
        return st;
    auto fk = run(QStringLiteral("PRAGMA foreign_keys"));
    if (!fk)
        return fk.error();
    if (!fk->next() || fk->value(0).toInt() != 1)
        return dbError(QStringLiteral("this SQLite build does not enforce foreign keys"));
    return {};
}

Result<int> Database::schemaVersion()
{
    auto query = run(QStringLiteral("SELECT MAX(version) FROM schema_migrations"));
    if (!query)
        return query.error();
    if (!query->next())
        return 0;
    return query->value(0).isNull() ? 0 : query->value(0).toInt();
}

Status Database::migrate(const QList<Migration> &migrations)
{
    if (auto st = exec(kCreateMigrationsTable); !st)
        return st;
    auto current = schemaVersion();
    if (!current)
        return current.error();
    const int known = migrations.isEmpty() ? 0 : migrations.constLast().version;
    if (*current > known) {
        return Error::make(QStringLiteral("schema_too_new"),
            QStringLiteral("the database %1 has schema version %2 but this airlockd knows versions up "
                           "to %3 only; run a newer airlockd (or restore a backup made for this "
                           "version)")
                .arg(m_filePath)
                .arg(*current)
                .arg(known));
    }
    int previous = 0;
    for (const Migration &migration : migrations) {
        Q_ASSERT_X(
            migration.version > previous, "Database::migrate", "migrations must be in ascending order");
        previous = migration.version;
        if (migration.version <= *current)
            continue;
        Status st = transaction([&]() -> Status {
            // Another process may have applied it while we waited for the write lock.
            auto applied = run(
                QStringLiteral("SELECT 1 FROM schema_migrations WHERE version = ?"), { migration.version });
            if (!applied)
                return applied.error();
            if (applied->next())
                return {};
            applied->finish();
            for (const QString &statement : migration.statements) {
                if (auto s = exec(statement); !s) {
                    return dbError(QStringLiteral("schema migration %1 failed: %2")
                                       .arg(migration.version)
                                       .arg(s.error().message));
                }
            }
            return exec(QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
                { migration.version, timestampNow() });
        });
        if (!st)
            return st;
        qCInfo(lcStorage) << "applied schema migration" << migration.version << "to" << m_filePath;
    }
    return {};
}

} // namespace airlock
