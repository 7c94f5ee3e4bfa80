// The schema migrations compiled in from resources/sql: versions 1..N without a gap, the tables and
// columns they create, an older database migrated to the same schema as a new one, and the loader's
// rules (statement splitting, comments, placeholders, refused gaps).

#include "storage/database.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock;

namespace {

QStringList histogram()
{
    QStringList h;
    for (int i = 0; i < 24; ++i)
        h << QStringLiteral("h%1").arg(i);
    return h;
}

QStringList rollupColumns(const QString &timeColumn)
{
    return QStringList { timeColumn, QStringLiteral("feature"), QStringLiteral("model_endpoint"),
        QStringLiteral("requests"), QStringLiteral("errors"), QStringLiteral("total_ms_sum"),
        QStringLiteral("overhead_ms_sum"), QStringLiteral("prompt_tokens"), QStringLiteral("answer_tokens") }
    + histogram();
}

QStringList columnsOf(Database &db, const QString &table)
{
    QStringList names;
    auto q = db.run(QStringLiteral("SELECT name FROM pragma_table_info(?) ORDER BY cid"), { table });
    while (q && q->next())
        names << q->value(0).toString();
    return names;
}

// Every schema object with its SQL text, as SQLite keeps it.
QStringList schemaOf(Database &db)
{
    QStringList out;
    auto q = db.run(QStringLiteral("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master "
                                   "WHERE name <> 'schema_migrations' ORDER BY type, name"));
    while (q && q->next()) {
        out << QStringLiteral("%1 %2 %3: %4")
                   .arg(q->value(0).toString(), q->value(1).toString(), q->value(2).toString(),
                       q->value(3).toString());
    }
    return out;
}

void writeFile(const QString &path, const QByteArray &text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

} // namespace

class tst_Migrations : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void versionsAreContiguous()
    {
        const QList<Migration> &migrations = schemaMigrations();
        QVERIFY(!migrations.isEmpty());
        for (int i = 0; i < migrations.size(); ++i) {
            QCOMPARE(migrations.at(i).version, i + 1);
            QVERIFY(!migrations.at(i).statements.isEmpty());
            for (const QString &statement : migrations.at(i).statements) {
                QVERIFY2(!statement.contains(QStringLiteral("{{")), qPrintable(statement));
                QVERIFY2(!statement.contains(QStringLiteral("--")), qPrintable(statement));
                QVERIFY2(!statement.contains(QLatin1Char('\n')), qPrintable(statement));
            }
        }
        QCOMPARE(Database::latestSchemaVersion(), int(migrations.size()));
        QCOMPARE(Database::latestSchemaVersion(), 7);
    }

    void tablesAndColumns_data()
    {
        QTest::addColumn<QString>("table");
        QTest::addColumn<QStringList>("columns");
        auto row = [](const char *table, const QStringList &columns) {
            QTest::newRow(table) << QString::fromLatin1(table) << columns;
        };
        auto list = [](const char *names) { return QString::fromLatin1(names).split(QLatin1Char(' ')); };
        row("model_endpoints",
            list("name family base_url identifier api_key max_concurrency connect_ms "
                 "first_byte_ms idle_ms total_ms created_at updated_at replicas server"));
        row("feature_assignments", list("feature model_name route"));
        row("settings", list("key value"));
        row("prompt_overrides", list("id endpoint feature template created_at author"));
        row("auth_tokens",
            list("id subject scopes description kid created_by issued_at expires_at revoked_at"));
        row("audit_log", list("id at actor action target before_json after_json"));
        row("request_log",
            list("id started_ms request_id method path dialect feature model_endpoint "
                 "model_identifier model_family user_id instance_id realm host_name gitlab_version "
                 "token_issuer token_id user_agent client_version client_ip lang editor_lang status "
                 "error_code error_message flags auth_ms queue_ms first_byte_ms upstream_ms total_ms "
                 "prompt_bytes answer_bytes prompt_tokens answer_tokens attempts"));
        row("request_log_bodies", list("id prompt answer"));
        row("request_log_minutes", rollupColumns(QStringLiteral("minute_ms")));
        row("request_log_hours", rollupColumns(QStringLiteral("hour_ms")));
        row("request_log_rollup", list("id covered_id"));
        row("suggestion_telemetry", list("day model_engine model_name lang requests accepts errors"));
        row("daily_users", list("day user_id requests"));
        row("chat_messages", list("id user_id role content created_ms"));
    }

    void tablesAndColumns()
    {
        QFETCH(QString, table);
        QFETCH(QStringList, columns);
        QTemporaryDir tmp;
        auto db = Database::open(tmp.path());
        QVERIFY2(db, db ? "" : qPrintable(db.error().message));
        QCOMPARE(columnsOf(**db, table), columns);
    }

    void indexesAndClauses()
    {
        QTemporaryDir tmp;
        auto db = Database::open(tmp.path());
        QVERIFY(db);
        const QStringList schema = schemaOf(**db);
        auto has = [&](const QString &line) {
            if (!schema.contains(line))
                qWarning().noquote() << "schema:\n" << schema.join(QLatin1Char('\n'));
            return schema.contains(line);
        };
        QVERIFY(has(QStringLiteral("index request_log_status request_log: CREATE INDEX request_log_status ON "
                                   "request_log (status, started_ms) WHERE status <> 200")));
        QVERIFY(
            has(QStringLiteral("index request_log_feature request_log: CREATE INDEX request_log_feature ON "
                               "request_log (feature, started_ms) WHERE feature IS NOT NULL")));
        QVERIFY(has(QStringLiteral("index request_log_user request_log: CREATE INDEX request_log_user ON "
                                   "request_log (user_id, started_ms) WHERE user_id IS NOT NULL")));
        QVERIFY(has(QStringLiteral("index request_log_errors request_log: CREATE INDEX request_log_errors ON "
                                   "request_log (started_ms) WHERE status >= 400")));
        int withoutRowid = 0;
        for (const QString &line : schema) {
            if (line.endsWith(
                    QLatin1String("PRIMARY KEY (minute_ms, feature, model_endpoint)) WITHOUT ROWID"))
                || line.endsWith(
                    QLatin1String("PRIMARY KEY (hour_ms, feature, model_endpoint)) WITHOUT ROWID")))
                ++withoutRowid;
        }
        QCOMPARE(withoutRowid, 2);
        int indexes = 0;
        int tables = 0;
        for (const QString &line : schema) {
            if (line.startsWith(QLatin1String("index ")) && !line.contains(QLatin1String("sqlite_autoindex")))
                ++indexes;
            if (line.startsWith(QLatin1String("table ")))
                ++tables;
        }
        QCOMPARE(indexes, 9);
        QCOMPARE(tables, 14);
    }

    // A database made by an older airlockd (each earlier version in turn) ends up exactly as a new one.
    void olderDatabaseMigratesToTheSameSchema_data()
    {
        QTest::addColumn<int>("from");
        for (int v = 1; v < Database::latestSchemaVersion(); ++v)
            QTest::addRow("v%d", v) << v;
    }

    void olderDatabaseMigratesToTheSameSchema()
    {
        QFETCH(int, from);
        QTemporaryDir fresh;
        auto reference = Database::open(fresh.path());
        QVERIFY(reference);
        QTemporaryDir tmp;
        {
            DatabaseOptions old;
            old.migrations = schemaMigrations().mid(0, from);
            auto db = Database::open(tmp.path(), old);
            QVERIFY(db);
            QCOMPARE(*(*db)->schemaVersion(), from);
        }
        auto db = Database::open(tmp.path());
        QVERIFY(db);
        QCOMPARE(*(*db)->schemaVersion(), Database::latestSchemaVersion());
        QCOMPARE(schemaOf(**db), schemaOf(**reference));
        auto versions
            = (*db)->run(QStringLiteral("SELECT group_concat(version, ',') FROM (SELECT version FROM "
                                        "schema_migrations ORDER BY version)"));
        QVERIFY(versions && versions->next());
        QCOMPARE(versions->value(0).toString(), QStringLiteral("1,2,3,4,5,6,7"));
    }

    void loaderSplitsAndExpands()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(QStringLiteral("0001_first.sql")),
            "-- a comment; with a semicolon\n"
            "CREATE TABLE t (\n    a TEXT NOT NULL DEFAULT 'x;  -- y',\n    {{latency_histogram_columns}}); "
            "-- trailing\n\n"
            "INSERT INTO t (a, {{latency_histogram}}) SELECT a, {{latency_histogram_sums}} FROM t;\n");
        writeFile(dir.filePath(QStringLiteral("0002_second.sql")),
            "CREATE TABLE u (k TEXT PRIMARY KEY) {{without_rowid}}");
        auto loaded = loadMigrations(dir.path());
        QVERIFY2(loaded, loaded ? "" : qPrintable(loaded.error().message));
        QCOMPARE(loaded->size(), 2);
        QCOMPARE(loaded->at(0).version, 1);
        const QStringList first = loaded->at(0).statements;
        QCOMPARE(first.size(), 2);
        QVERIFY2(first.at(0).startsWith(
                     QLatin1String("CREATE TABLE t ( a TEXT NOT NULL DEFAULT 'x;  -- y', h0 INTEGER "
                                   "NOT NULL DEFAULT 0, h1 INTEGER NOT NULL DEFAULT 0,")),
            qPrintable(first.at(0)));
        QVERIFY(first.at(0).endsWith(QLatin1String("h23 INTEGER NOT NULL DEFAULT 0)")));
        QVERIFY(first.at(1).startsWith(QLatin1String("INSERT INTO t (a, h0, h1, h2,")));
        QVERIFY(first.at(1).contains(QLatin1String("h23) SELECT a, SUM(h0), SUM(h1),")));
        QVERIFY(first.at(1).endsWith(QLatin1String("SUM(h23) FROM t")));
        QCOMPARE(loaded->at(1).statements,
            QStringList { QStringLiteral("CREATE TABLE u (k TEXT PRIMARY KEY) WITHOUT ROWID") });
    }

    // Rows: files as "name|content" ("name" alone: a valid one-statement file).
    void loaderRefuses_data()
    {
        QTest::addColumn<QStringList>("files");
        QTest::addColumn<QString>("message");
        QTest::newRow("gap") << QStringList { QStringLiteral("0001_a.sql"), QStringLiteral("0003_c.sql") }
                             << QStringLiteral("expected version 2");
        QTest::newRow("not from 1") << QStringList { QStringLiteral("0002_b.sql") }
                                    << QStringLiteral("expected version 1");
        QTest::newRow("duplicate") << QStringList { QStringLiteral("0001_a.sql"),
            QStringLiteral("0001_b.sql") }
                                   << QStringLiteral("expected version 2");
        QTest::newRow("bad name") << QStringList { QStringLiteral("0001_a.sql"), QStringLiteral("2_b.sql") }
                                  << QStringLiteral("NNNN_<what>.sql");
        QTest::newRow("unknown placeholder")
            << QStringList { QStringLiteral("0001_a.sql|CREATE TABLE t ({{nope}});") }
            << QStringLiteral("unknown placeholder {{nope}}");
        QTest::newRow("only comments")
            << QStringList { QStringLiteral("0001_a.sql|-- nothing;\n") } << QStringLiteral("no statements");
        QTest::newRow("no files") << QStringList {} << QStringLiteral("no schema migrations");
    }

    void loaderRefuses()
    {
        QFETCH(QStringList, files);
        QFETCH(QString, message);
        QTemporaryDir dir;
        for (const QString &file : files) {
            const QStringList parts = file.split(QLatin1Char('|'));
            writeFile(dir.filePath(parts.at(0)),
                parts.size() > 1 ? parts.at(1).toUtf8() : QByteArray("CREATE TABLE t (x INTEGER);"));
        }
        auto loaded = loadMigrations(dir.path());
        QVERIFY(!loaded);
        QCOMPARE(loaded.error().code, QStringLiteral("database_error"));
        QVERIFY2(loaded.error().message.contains(message), qPrintable(loaded.error().message));
    }
};

QTEST_GUILESS_MAIN(tst_Migrations)
#include "tst_migrations.moc"
