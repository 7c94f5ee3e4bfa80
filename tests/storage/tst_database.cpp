#include "storage/database.h"

#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace airlock;

class tst_Database : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void createsDirectoryAndPrivateFile();
    void pragmas_data();
    void pragmas();
    void walIsReallyOn();
    void migrationsAppliedOnceAndIdempotent();
    void tablesExist_data();
    void tablesExist();
    void newerSchemaIsRefused();
    void failedMigrationRollsBack();
    void laterMigrationAppliedOnReopen();
    void twoConnectionsOnOneFile();
    void errorsCarryTheDriverMessage();
    void wrongThreadIsRefused();
    void dataDirThatIsAFileIsRefused();
};

namespace {

QString scalar(Database &db, const QString &sql)
{
    auto q = db.run(sql);
    if (!q || !q->next())
        return QStringLiteral("<error>");
    return q->value(0).toString();
}

} // namespace

void tst_Database::createsDirectoryAndPrivateFile()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.filePath(QStringLiteral("nested/state"));
    auto db = Database::open(dir);
    QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().message));
    QCOMPARE((*db)->filePath(), dir + QStringLiteral("/airlock.db"));
    QVERIFY(QFileInfo::exists((*db)->filePath()));
#ifndef Q_OS_WIN
    QCOMPARE(QFileInfo(dir).permissions() & 0x0777,
        QFile::ReadUser | QFile::WriteUser | QFile::ExeUser); // no group/other bits
    const auto filePerms = QFileInfo((*db)->filePath()).permissions();
    QVERIFY(!(filePerms & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther)));
#endif
}

void tst_Database::pragmas_data()
{
    QTest::addColumn<QString>("pragma");
    QTest::addColumn<QString>("expected");
    QTest::newRow("journal_mode") << QStringLiteral("journal_mode") << QStringLiteral("wal");
    QTest::newRow("synchronous=NORMAL") << QStringLiteral("synchronous") << QStringLiteral("1");
    QTest::newRow("foreign_keys") << QStringLiteral("foreign_keys") << QStringLiteral("1");
    QTest::newRow("busy_timeout") << QStringLiteral("busy_timeout") << QStringLiteral("5000");
}

void tst_Database::pragmas()
{
    QFETCH(QString, pragma);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    auto db = Database::open(tmp.path());
    QVERIFY(db.ok());
    QCOMPARE(scalar(**db, QStringLiteral("PRAGMA ") + pragma).toLower(), expected);
}

void tst_Database::walIsReallyOn()
{
    QTemporaryDir tmp;
    auto db = Database::open(tmp.path());
    QVERIFY(db.ok());
    QVERIFY((*db)->exec(QStringLiteral("INSERT INTO settings (key, value) VALUES ('k', 'v')")).ok());
    QVERIFY2(
        QFileInfo::exists((*db)->filePath() + QStringLiteral("-wal")), "no -wal file next to the database");
    // WAL is persistent: a plain connection that sets nothing sees it too.
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
        raw.setDatabaseName((*db)->filePath());
        QVERIFY(raw.open());
        QSqlQuery q(raw);
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
}

void tst_Database::migrationsAppliedOnceAndIdempotent()
{
    QTemporaryDir tmp;
    QString appliedAt;
    {
        auto db = Database::open(tmp.path());
        QVERIFY(db.ok());
        auto v = (*db)->schemaVersion();
        QVERIFY(v.ok());
        QCOMPARE(*v, Database::latestSchemaVersion());
        QCOMPARE(scalar(**db, QStringLiteral("SELECT COUNT(*) FROM schema_migrations")),
            QString::number(schemaMigrations().size()));
        appliedAt
            = scalar(**db, QStringLiteral("SELECT applied_at FROM schema_migrations WHERE version = 1"));
        QVERIFY(!appliedAt.isEmpty());
        QVERIFY((*db)->exec(QStringLiteral("INSERT INTO settings (key, value) VALUES ('kept', 'yes')")).ok());
    }
    for (int i = 0; i < 2; ++i) {
        auto db = Database::open(tmp.path());
        QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().message));
        QCOMPARE(scalar(**db, QStringLiteral("SELECT COUNT(*) FROM schema_migrations")),
            QString::number(schemaMigrations().size()));
        QCOMPARE(scalar(**db, QStringLiteral("SELECT applied_at FROM schema_migrations WHERE version = 1")),
            appliedAt);
        QCOMPARE(scalar(**db, QStringLiteral("SELECT value FROM settings WHERE key = 'kept'")),
            QStringLiteral("yes"));
    }
}

void tst_Database::tablesExist_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<QStringList>("columns");
    QTest::newRow("model_endpoints") << QStringLiteral("model_endpoints")
                                     << QStringList { QStringLiteral("name"), QStringLiteral("family"),
                                            QStringLiteral("base_url"), QStringLiteral("identifier"),
                                            QStringLiteral("api_key"), QStringLiteral("max_concurrency"),
                                            QStringLiteral("connect_ms"), QStringLiteral("first_byte_ms"),
                                            QStringLiteral("idle_ms"), QStringLiteral("total_ms"),
                                            QStringLiteral("created_at"), QStringLiteral("updated_at"),
                                            QStringLiteral("replicas"), QStringLiteral("server") };
    QTest::newRow("feature_assignments") << QStringLiteral(
        "feature_assignments") << QStringList { QStringLiteral("feature"), QStringLiteral("model_name"),
                                                    QStringLiteral("route") };
    QTest::newRow("settings") << QStringLiteral("settings")
                              << QStringList { QStringLiteral("key"), QStringLiteral("value") };
    QTest::newRow("schema_migrations") << QStringLiteral(
        "schema_migrations") << QStringList { QStringLiteral("version"), QStringLiteral("applied_at") };
}

void tst_Database::tablesExist()
{
    QFETCH(QString, table);
    QFETCH(QStringList, columns);
    QTemporaryDir tmp;
    auto db = Database::open(tmp.path());
    QVERIFY(db.ok());
    auto q = (*db)->run(QStringLiteral("SELECT name FROM pragma_table_info(?) ORDER BY cid"), { table });
    QVERIFY(q.ok());
    QStringList actual;
    while (q->next())
        actual << q->value(0).toString();
    QCOMPARE(actual, columns);
}

void tst_Database::newerSchemaIsRefused()
{
    QTemporaryDir tmp;
    {
        auto db = Database::open(tmp.path());
        QVERIFY(db.ok());
        QVERIFY(
            (*db)
                ->exec(QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
                    { Database::latestSchemaVersion() + 7, Database::timestampNow() })
                .ok());
    }
    auto db = Database::open(tmp.path());
    QVERIFY(!db.ok());
    QCOMPARE(db.error().code, QStringLiteral("schema_too_new"));
    QVERIFY2(db.error().message.contains(QString::number(Database::latestSchemaVersion() + 7)),
        qPrintable(db.error().message));
    QVERIFY(db.error().message.contains(QStringLiteral("airlock.db")));
}

void tst_Database::failedMigrationRollsBack()
{
    QTemporaryDir tmp;
    DatabaseOptions options;
    options.migrations = QList<Migration> {
        { 1, { QStringLiteral("CREATE TABLE a (x INTEGER)") } },
        { 2, { QStringLiteral("CREATE TABLE b (x INTEGER)"), QStringLiteral("THIS IS NOT SQL") } },
    };
    auto db = Database::open(tmp.path(), options);
    QVERIFY(!db.ok());
    QCOMPARE(db.error().code, QStringLiteral("database_error"));
    QVERIFY2(db.error().message.contains(QStringLiteral("migration 2")), qPrintable(db.error().message));
    QVERIFY2(db.error().message.contains(QStringLiteral("syntax error")), qPrintable(db.error().message));

    // Version 1 stays, version 2 (and its table b) is gone entirely.
    options.migrations = QList<Migration> { { 1, { QStringLiteral("CREATE TABLE a (x INTEGER)") } } };
    auto again = Database::open(tmp.path(), options);
    QVERIFY(again.ok());
    QCOMPARE(*(*again)->schemaVersion(), 1);
    QCOMPARE(scalar(**again, QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'")),
        QStringLiteral("0"));
    QCOMPARE(scalar(**again, QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name = 'a'")),
        QStringLiteral("1"));
}

void tst_Database::laterMigrationAppliedOnReopen()
{
    QTemporaryDir tmp;
    DatabaseOptions v1;
    v1.migrations = QList<Migration> { { 1, { QStringLiteral("CREATE TABLE a (x INTEGER)") } } };
    {
        auto db = Database::open(tmp.path(), v1);
        QVERIFY(db.ok());
        QVERIFY((*db)->exec(QStringLiteral("INSERT INTO a (x) VALUES (42)")).ok());
    }
    DatabaseOptions v2;
    v2.migrations = QList<Migration> {
        { 1, { QStringLiteral("CREATE TABLE a (x INTEGER)") } },
        { 2,
            { QStringLiteral("ALTER TABLE a ADD COLUMN y TEXT"), QStringLiteral("UPDATE a SET y = 'new'") } },
    };
    auto db = Database::open(tmp.path(), v2);
    QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().message));
    QCOMPARE(*(*db)->schemaVersion(), 2);
    QCOMPARE(scalar(**db, QStringLiteral("SELECT x || y FROM a")), QStringLiteral("42new"));
}

void tst_Database::twoConnectionsOnOneFile()
{
    QTemporaryDir tmp;
    auto a = Database::open(tmp.path());
    auto b = Database::open(tmp.path());
    QVERIFY(a.ok() && b.ok());
    QVERIFY((*a)->connectionName() != (*b)->connectionName());
    // A reader in the middle of a statement does not block the writer (WAL).
    QVERIFY((*a)->exec(QStringLiteral("INSERT INTO settings (key, value) VALUES ('one', '1')")).ok());
    auto reading = (*b)->run(QStringLiteral("SELECT key FROM settings"));
    QVERIFY(reading.ok() && reading->next());
    QVERIFY((*a)->transaction([&] {
                    return (*a)->exec(
                        QStringLiteral("INSERT INTO settings (key, value) VALUES ('two', '2')"));
                })
                .ok());
    reading->finish();
    QCOMPARE(scalar(**b, QStringLiteral("SELECT COUNT(*) FROM settings")), QStringLiteral("2"));
}

void tst_Database::errorsCarryTheDriverMessage()
{
    QTemporaryDir tmp;
    auto db = Database::open(tmp.path());
    QVERIFY(db.ok());
    auto st = (*db)->exec(QStringLiteral("SELECT * FROM no_such_table"));
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("database_error"));
    QVERIFY2(st.error().message.contains(QStringLiteral("no such table")), qPrintable(st.error().message));

    // Foreign keys are enforced.
    st = (*db)->exec(
        QStringLiteral("INSERT INTO feature_assignments (feature, model_name) VALUES ('duo_chat', 'ghost')"));
    QVERIFY(!st.ok());
    QVERIFY2(st.error().message.contains(QStringLiteral("FOREIGN KEY")), qPrintable(st.error().message));

    // A failing transaction body rolls back and hands back its own error.
    st = (*db)->transaction([&]() -> Status {
        if (auto s = (*db)->exec(QStringLiteral("INSERT INTO settings (key, value) VALUES ('x', 'y')")); !s)
            return s;
        return Error::make(QStringLiteral("test_abort"), QStringLiteral("abort"));
    });
    QCOMPARE(st.error().code, QStringLiteral("test_abort"));
    QCOMPARE(scalar(**db, QStringLiteral("SELECT COUNT(*) FROM settings")), QStringLiteral("0"));
}

void tst_Database::wrongThreadIsRefused()
{
    QTemporaryDir tmp;
    auto db = Database::open(tmp.path());
    QVERIFY(db.ok());
    Status result;
    QThread *thread = QThread::create([&] { result = (*db)->exec(QStringLiteral("SELECT 1")); });
    thread->start();
    QVERIFY(thread->wait(10000));
    delete thread;
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, QStringLiteral("wrong_thread"));
    QVERIFY((*db)->exec(QStringLiteral("SELECT 1")).ok());
}

void tst_Database::dataDirThatIsAFileIsRefused()
{
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("file"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    auto db = Database::open(path);
    QVERIFY(!db.ok());
    QCOMPARE(db.error().code, QStringLiteral("not_a_directory"));
}

QTEST_GUILESS_MAIN(tst_Database)
#include "tst_database.moc"
