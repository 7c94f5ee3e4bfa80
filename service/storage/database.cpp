#include "database.h"

#include "latencyhistogram.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
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
    // {{without_rowid}} in migrations: SQLite clusters a table with a composite primary key by that key
    // only when asked (WITHOUT ROWID); PostgreSQL has no such clause (its btree on the key does it).
    const char *withoutRowid;
};

constexpr Dialect kSqlite { "QSQLITE", "BEGIN IMMEDIATE", "WITHOUT ROWID" };

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

// The rollups' latency histogram as migrations 4 and 5 created it: h0..h23. Frozen: more buckets are a
// new migration with new columns, never a different expansion of the placeholders (resources/sql/README.md).
constexpr int kSchemaHistogramColumns = 24;
static_assert(kSchemaHistogramColumns == storage::kLatencyBuckets,
              "the request log rollups need one hN column per latency bucket: add a migration");

QString histogramList(const char *pattern)
{
    QStringList items;
    for (int i = 0; i < kSchemaHistogramColumns; ++i)
        items.append(QString::fromLatin1(pattern).arg(i));
    return items.join(QStringLiteral(", "));
}

// Splits a migration file into statements at `;`: `--` comments dropped, each run of white space made
// one space (so a statement reads as it did when migrations were C++ string literals, and sqlite_master
// holds the same text), string literals kept as they are.
QStringList splitStatements(const QString &text)
{
    QStringList statements;
    QString current;
    bool inString = false;
    bool pendingSpace = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (inString) {
            current.append(c);
            if (c == QLatin1Char('\''))
                inString = false; // '' inside a literal closes and reopens it: same result
            continue;
        }
        if (c == QLatin1Char('-') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('-')) {
            while (i < text.size() && text.at(i) != QLatin1Char('\n'))
                ++i;
            pendingSpace = true;
            continue;
        }
        if (c.isSpace()) {
            pendingSpace = true;
            continue;
        }
        if (c == QLatin1Char(';')) {
            if (!current.isEmpty())
                statements.append(current);
            current.clear();
            pendingSpace = false;
            continue;
        }
        if (pendingSpace && !current.isEmpty())
            current.append(QLatin1Char(' '));
        pendingSpace = false;
        current.append(c);
        if (c == QLatin1Char('\''))
            inString = true;
    }
    if (!current.isEmpty())
        statements.append(current);
    return statements;
}

// Replaces every {{name}} in `statement` (resources/sql/README.md lists them).
Result<QString> expandPlaceholders(const QString &statement, const Dialect &dialect)
{
    static const QRegularExpression placeholder(QStringLiteral("\\{\\{([a-z_]+)\\}\\}"));
    QString out;
    qsizetype last = 0;
    for (const QRegularExpressionMatch &m : placeholder.globalMatch(statement)) {
        const QString name = m.captured(1);
        QString value;
        if (name == QLatin1String("latency_histogram_columns"))
            value = histogramList("h%1 INTEGER NOT NULL DEFAULT 0");
        else if (name == QLatin1String("latency_histogram"))
            value = histogramList("h%1");
        else if (name == QLatin1String("latency_histogram_sums"))
            value = histogramList("SUM(h%1)");
        else if (name == QLatin1String("without_rowid"))
            value = QLatin1String(dialect.withoutRowid);
        else
            return dbError(QStringLiteral("unknown placeholder {{%1}}").arg(name));
        out += QStringView(statement).mid(last, m.capturedStart() - last);
        out += value;
        last = m.capturedEnd();
    }
    if (statement.indexOf(QStringLiteral("{{"), last) >= 0)
        return dbError(QStringLiteral("malformed placeholder in: %1").arg(statement.left(80)));
    out += QStringView(statement).mid(last);
    return out;
}

// The migrations compiled in from resources/sql (storage/CMakeLists.txt), loaded once.
const Result<QList<Migration>> &builtInMigrations()
{
    static const Result<QList<Migration>> migrations = loadMigrations(QStringLiteral(":/airlock/sql"));
    return migrations;
}

} // namespace

const QList<Migration> &schemaMigrations()
{
    static const QList<Migration> none;
    const auto &loaded = builtInMigrations();
    return loaded ? *loaded : none;
}

Result<QList<Migration>> loadMigrations(const QString &directory)
{
    const QDir dir(directory);
    const QStringList files = dir.entryList({ QStringLiteral("*.sql") }, QDir::Files, QDir::Name);
    if (files.isEmpty())
        return dbError(QStringLiteral("no schema migrations in %1").arg(directory));
    static const QRegularExpression name(QStringLiteral("^(\\d{4})_[a-z0-9_]+\\.sql$"));
    QList<Migration> migrations;
    for (const QString &file : files) {
        const QRegularExpressionMatch match = name.match(file);
        if (!match.hasMatch())
            return dbError(QStringLiteral("schema migration %1/%2 is not named NNNN_<what>.sql").arg(directory, file));
        Migration migration;
        migration.version = match.captured(1).toInt();
        // Sorted by name, so by version: anything but the next number is a gap or a duplicate.
        const int expected = migrations.isEmpty() ? 1 : migrations.constLast().version + 1;
        if (migration.version != expected) {
            return dbError(QStringLiteral("schema migration %1/%2: expected version %3 (versions start at 1 and are "
                                          "contiguous)")
                               .arg(directory, file)
                               .arg(expected));
        }
        QFile source(dir.filePath(file));
        if (!source.open(QIODevice::ReadOnly))
            return dbError(QStringLiteral("cannot read %1: %2").arg(source.fileName(), source.errorString()));
        for (const QString &statement : splitStatements(QString::fromUtf8(source.readAll()))) {
            auto expanded = expandPlaceholders(statement, kSqlite);
            if (!expanded)
                return dbError(QStringLiteral("schema migration %1: %2").arg(file, expanded.error().message));
            migration.statements.append(*expanded);
        }
        if (migration.statements.isEmpty())
            return dbError(QStringLiteral("schema migration %1/%2 has no statements").arg(directory, file));
        migrations.append(std::move(migration));
    }
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
    if (!options.migrations && !builtInMigrations())
        return builtInMigrations().error();
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
