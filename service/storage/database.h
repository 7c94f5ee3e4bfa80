#pragma once

// The gateway's store: one SQL connection with the schema brought up to date.
//
// Contract
// - Database::open() opens (creating it if needed) SQLite at `<dataDir>/airlock.db` through Qt Sql's
//   QSQLITE driver: the directory is created with mode 0700 and a new database file with 0600, then
//   journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON and busy_timeout are set and the numbered
//   schema migrations are applied.
// - Migrations: numbered .sql files in resources/sql (see schemaMigrations()), recorded in
//   `schema_migrations(version INTEGER PRIMARY KEY, applied_at TEXT)` (what has run).
//   Each pending migration runs in its own write transaction together with its schema_migrations row,
//   so a failed migration leaves the database at the previous version. A database whose version is
//   newer than this binary knows is refused (error code "schema_too_new") and left untouched.
// - Threads: a Qt Sql connection belongs to the thread that opened it. Each Database has its own
//   unique connection name; use the object only from the thread that called open() (calls from
//   another thread fail with "wrong_thread"). Another thread opens its own Database on the same file;
//   SQLite's WAL mode lets readers and one writer proceed together.
// - Portability: the SQL in migrations and in ConfigStore is kept to what SQLite and PostgreSQL both
//   accept (TEXT/INTEGER columns, ISO-8601 UTC text timestamps written by the application,
//   INSERT ... ON CONFLICT ... DO UPDATE). What differs per engine (connection setup, how to start a
//   write transaction, the placeholders of the migration files) lives in one internal Dialect in
//   database.cpp; QPSQL is added there.
// - Errors: every failure is an Error with code "database_error" (or the specific codes above) whose
//   message carries the driver's own text. Values bound to queries are never logged.

#include "result.h"

#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QStringList>
#include <QVariantList>

#include <functional>
#include <memory>
#include <optional>

class QThread;

namespace airlock {

Q_DECLARE_LOGGING_CATEGORY(lcStorage)

// One schema step. Statements run in order inside one transaction; keep them portable SQL.
struct Migration {
    int version = 0;
    QStringList statements;
};

// The migrations this binary knows, in ascending version order: resources/sql/NNNN_<what>.sql, compiled
// in as :/airlock/sql and loaded once (resources/sql/README.md: statements, comments, placeholders).
// Empty if those resources are broken; Database::open() then fails with the loader's error.
const QList<Migration> &schemaMigrations();

// Loads NNNN_<what>.sql files from `directory` (a resource path or a real one) as migrations for SQLite:
// version NNNN, one statement per `;`, placeholders expanded. Versions must run 1, 2, 3... without a
// gap; error "database_error" naming the file otherwise.
Result<QList<Migration>> loadMigrations(const QString &directory);

struct DatabaseOptions {
    int busyTimeoutMs = 5000;
    // Tests only: run these migrations instead of schemaMigrations().
    std::optional<QList<Migration>> migrations;
};

class Database {
public:
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    static QString fileName() { return QStringLiteral("airlock.db"); }

    // Opens `<dataDir>/airlock.db` (creating the directory and the file) and migrates it.
    static Result<std::unique_ptr<Database>> open(
        const QString &dataDir, const DatabaseOptions &options = {});

    // The newest schema version this binary knows.
    static int latestSchemaVersion();
    // The timestamp format stored in *_at columns: ISO-8601 UTC with milliseconds.
    static QString timestampNow();

    QString filePath() const { return m_filePath; }
    QString connectionName() const { return m_connectionName; }
    // The version recorded in schema_migrations (0 for an empty database).
    Result<int> schemaVersion();

    // Runs one statement with positional `?` bindings. run() hands back the executed query for reading
    // rows (next()/value()); exec() is for statements whose rows nobody reads.
    Result<QSqlQuery> run(const QString &sql, const QVariantList &bindings = {});
    Status exec(const QString &sql, const QVariantList &bindings = {});

    // Runs `body` inside a write transaction: committed when it returns success, rolled back when it
    // returns an error (that error is returned). Not re-entrant.
    Status transaction(const std::function<Status()> &body);

    // The underlying connection, for code that needs Qt Sql directly (same thread rule applies).
    QSqlDatabase connection() const { return m_db; }

private:
    Database() = default;
    Status checkThread() const;
    Status configureConnection(int busyTimeoutMs);
    Status migrate(const QList<Migration> &migrations);
    Error sqlError(const QString &what, const QSqlQuery &query) const;

    QString m_connectionName;
    QString m_filePath;
    QSqlDatabase m_db;
    QThread *m_thread = nullptr;
    bool m_inTransaction = false;
};

} // namespace airlock
