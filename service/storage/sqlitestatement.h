#pragma once

// A prepared statement of SQLite's C API on the QSQLITE driver's own connection handle, for the hot
// write paths where QSqlQuery's QVariant per value costs too much (the request log writer). Storage
// internal: nothing outside service/storage/ includes this header.
//
// Contract
// - sqliteHandle() gives the sqlite3* of a QSQLITE connection (null for any other driver).
// - prepare() compiles with SQLITE_PREPARE_PERSISTENT (the statement is kept for the connection's
//   life). Bindings survive step(): a caller may bind only what changed since the previous row.
// - bindStaticText() does not copy: the buffer must stay unchanged until the parameter is bound again
//   or the statement is finalized.
// - Errors: Error "database_error" with `what` and SQLite's own message.
//
// Lifecycle: finalized on destruction or finalize(); the owner must finalize before the connection
// closes (never outlive the Database whose handle it was prepared on). Same thread rule as Database.

#include "result.h"

#include <QByteArray>

struct sqlite3;
struct sqlite3_stmt;
class QSqlDatabase;

namespace airlock::storage {

sqlite3 *sqliteHandle(const QSqlDatabase &db);

class SqliteStatement {
public:
    SqliteStatement() = default;
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    // Finalizes whatever was prepared before, then compiles `sql` on `db`.
    Status prepare(sqlite3 *db, const QByteArray &sql);
    void finalize();
    bool isPrepared() const { return m_stmt != nullptr; }

    // Parameters are numbered from 1.
    void bindNull(int param);
    void bindInt(int param, qint64 value);
    void bindDouble(int param, double value);
    void bindStaticText(int param, const char *utf8, int size);
    // Text for a NOT NULL column: the empty string (not NULL) when `utf8` is empty. Static as above.
    void bindKey(int param, const QByteArray &utf8);

    // Runs a statement that returns no rows (or whose rows nobody reads) and resets it.
    Status step(const char *what);
    // Single-row reads: nextRow() steps once (true: a row is there), then int64At(), then reset().
    bool nextRow();
    qint64 int64At(int column) const;
    void reset();

private:
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
};

// Error "database_error": `what` and SQLite's last message on `db`.
Error sqliteError(sqlite3 *db, const char *what);

} // namespace airlock::storage
