#include "sqlitestatement.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QVariant>

#include <sqlite3.h>

namespace airlock::storage {

sqlite3 *sqliteHandle(const QSqlDatabase &db)
{
    const QVariant v = db.driver() ? db.driver()->handle() : QVariant();
    if (!v.isValid() || qstrcmp(v.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(v.constData());
}

Error sqliteError(sqlite3 *db, const char *what)
{
    return Error::make(QStringLiteral("database_error"),
        QLatin1String(what) + QStringLiteral(": ") + QString::fromUtf8(sqlite3_errmsg(db)));
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_stmt);
}

Status SqliteStatement::prepare(sqlite3 *db, const QByteArray &sql)
{
    finalize();
    m_db = db;
    if (sqlite3_prepare_v3(db, sql.constData(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr)
        != SQLITE_OK)
        return sqliteError(db, "preparing a request log statement");
    return {};
}

void SqliteStatement::finalize()
{
    sqlite3_finalize(m_stmt);
    m_stmt = nullptr;
}

void SqliteStatement::bindNull(int param)
{
    sqlite3_bind_null(m_stmt, param);
}

void SqliteStatement::bindInt(int param, qint64 value)
{
    sqlite3_bind_int64(m_stmt, param, value);
}

void SqliteStatement::bindDouble(int param, double value)
{
    sqlite3_bind_double(m_stmt, param, value);
}

void SqliteStatement::bindStaticText(int param, const char *utf8, int size)
{
    sqlite3_bind_text(m_stmt, param, utf8, size, SQLITE_STATIC);
}

void SqliteStatement::bindKey(int param, const QByteArray &utf8)
{
    sqlite3_bind_text(m_stmt, param, utf8.isEmpty() ? "" : utf8.constData(), int(utf8.size()), SQLITE_STATIC);
}

Status SqliteStatement::step(const char *what)
{
    const int rc = sqlite3_step(m_stmt);
    Status result;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        result = sqliteError(m_db, what);
    sqlite3_reset(m_stmt);
    return result;
}

bool SqliteStatement::nextRow()
{
    return sqlite3_step(m_stmt) == SQLITE_ROW;
}

qint64 SqliteStatement::int64At(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

void SqliteStatement::reset()
{
    sqlite3_reset(m_stmt);
}

} // namespace airlock::storage
