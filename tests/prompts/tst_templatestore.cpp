#include "prompts/templatestore.h"

#include <QTemporaryDir>
#include <QTest>

using namespace airlock;
using namespace airlock::prompts;

class tst_TemplateStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void migrationCreatesTheTable();
    void setCurrentHistory();
    void revertToRevisionAndBuiltIn();
    void pairsAreIndependent();
    void invalidTemplateAppendsNothing_data();
    void invalidTemplateAppendsNothing();
    void revertUnknownRevision();
    void survivesReopen();
    void followRenamesCarriesTemplates();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Database> m_db;
};

namespace {

const QString kEndpoint = QStringLiteral("codestral-a");
const QString kCompletion = QStringLiteral("code_completions");
const QString kTemplateA = QStringLiteral("<s>[SUFFIX]{suffix}[PREFIX]{prefix}");
const QString kTemplateB = QStringLiteral("[PREFIX]{prefix}[SUFFIX]{suffix}[MIDDLE]");

} // namespace

void tst_TemplateStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto db = Database::open(m_dir->path());
    QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().message));
    m_db = std::move(db).value();
}

void tst_TemplateStore::cleanup()
{
    m_db.reset();
    m_dir.reset();
}

void tst_TemplateStore::migrationCreatesTheTable()
{
    QVERIFY(Database::latestSchemaVersion() >= 2);
    auto query = m_db->run(QStringLiteral("SELECT COUNT(*) FROM prompt_overrides"));
    QVERIFY(query.ok());
    QVERIFY(query->next());
    QCOMPARE(query->value(0).toInt(), 0);
}

void tst_TemplateStore::setCurrentHistory()
{
    TemplateStore store(*m_db);
    auto none = store.current(kEndpoint, kCompletion);
    QVERIFY(none.ok());
    QVERIFY(!none->has_value());

    auto a = store.set(kEndpoint, kCompletion, kTemplateA, QStringLiteral("alice"));
    QVERIFY2(a.ok(), qPrintable(a.ok() ? QString() : a.error().message));
    auto b = store.set(kEndpoint, kCompletion, kTemplateB, QStringLiteral("bob"));
    QVERIFY(b.ok());
    QVERIFY(b->id > a->id);

    auto current = store.current(kEndpoint, kCompletion);
    QVERIFY(current.ok() && current->has_value());
    QCOMPARE((*current)->text, kTemplateB);
    QCOMPARE((*current)->author, QStringLiteral("bob"));
    QVERIFY(!(*current)->createdAt.isEmpty());

    auto history = store.history(kEndpoint, kCompletion);
    QVERIFY(history.ok());
    QCOMPARE(history->size(), 2);
    QCOMPARE(history->at(0).text, kTemplateB); // newest first
    QCOMPARE(history->at(1).text, kTemplateA);
    QCOMPARE(history->at(1).author, QStringLiteral("alice"));

    auto all = store.allCurrent();
    QVERIFY(all.ok());
    QCOMPARE(all->size(), 1);
    QCOMPARE(all->value({kEndpoint, kCompletion}), kTemplateB);
}

void tst_TemplateStore::revertToRevisionAndBuiltIn()
{
    TemplateStore store(*m_db);
    auto a = store.set(kEndpoint, kCompletion, kTemplateA, QStringLiteral("alice"));
    QVERIFY(store.set(kEndpoint, kCompletion, kTemplateB, QStringLiteral("alice")).ok());

    auto reverted = store.revert(kEndpoint, kCompletion, a->id, QStringLiteral("carol"));
    QVERIFY(reverted.ok());
    QCOMPARE(reverted->text, kTemplateA);
    QCOMPARE((*store.current(kEndpoint, kCompletion))->text, kTemplateA);
    // Append-only: the revert is a new revision, nothing was rewritten.
    QCOMPARE(store.history(kEndpoint, kCompletion)->size(), 3);

    auto builtIn = store.revert(kEndpoint, kCompletion, 0, QStringLiteral("carol"));
    QVERIFY(builtIn.ok());
    QVERIFY(builtIn->isBuiltIn());
    QVERIFY(!store.current(kEndpoint, kCompletion)->has_value());
    QVERIFY(store.allCurrent()->isEmpty());
    auto history = store.history(kEndpoint, kCompletion);
    QCOMPARE(history->size(), 4);
    QVERIFY(history->at(0).isBuiltIn());
    QCOMPARE(history->at(0).author, QStringLiteral("carol"));
}

void tst_TemplateStore::pairsAreIndependent()
{
    TemplateStore store(*m_db);
    QVERIFY(store.set(kEndpoint, kCompletion, kTemplateA, QStringLiteral("a")).ok());
    QVERIFY(store.set(QStringLiteral("other"), kCompletion, kTemplateB, QStringLiteral("a")).ok());
    QVERIFY(store.set(kEndpoint, QStringLiteral("duo_chat_explain_code"), QStringLiteral("Be brief."), QStringLiteral("a")).ok());
    QCOMPARE((*store.current(kEndpoint, kCompletion))->text, kTemplateA);
    QCOMPARE((*store.current(QStringLiteral("other"), kCompletion))->text, kTemplateB);
    QCOMPARE(store.history(kEndpoint, kCompletion)->size(), 1);
    QCOMPARE(store.allCurrent()->size(), 3);
    // A revision of another pair cannot be restored here.
    auto other = store.history(QStringLiteral("other"), kCompletion);
    auto wrong = store.revert(kEndpoint, kCompletion, other->at(0).id, QStringLiteral("a"));
    QVERIFY(!wrong.ok());
    QCOMPARE(wrong.error().code, QStringLiteral("not_found"));
}

void tst_TemplateStore::invalidTemplateAppendsNothing_data()
{
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QString>("feature");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("code");
    QTest::newRow("no prefix") << kEndpoint << kCompletion << "[SUFFIX]{suffix}" << "invalid_template";
    QTest::newRow("unknown placeholder") << kEndpoint << kCompletion << "{prefix}{cursor}" << "invalid_template";
    QTest::newRow("unknown feature") << kEndpoint << "make_coffee" << "{prefix}" << "unknown_feature";
    QTest::newRow("empty endpoint") << "" << kCompletion << "{prefix}" << "invalid_endpoint";
    QTest::newRow("empty text") << kEndpoint << kCompletion << "" << "invalid_template";
}

void tst_TemplateStore::invalidTemplateAppendsNothing()
{
    QFETCH(QString, endpoint);
    QFETCH(QString, feature);
    QFETCH(QString, text);
    QFETCH(QString, code);
    TemplateStore store(*m_db);
    auto result = store.set(endpoint, feature, text, QStringLiteral("a"));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, code);
    auto count = m_db->run(QStringLiteral("SELECT COUNT(*) FROM prompt_overrides"));
    QVERIFY(count->next());
    QCOMPARE(count->value(0).toInt(), 0);
}

void tst_TemplateStore::revertUnknownRevision()
{
    TemplateStore store(*m_db);
    auto result = store.revert(kEndpoint, kCompletion, 99, QStringLiteral("a"));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, QStringLiteral("not_found"));
    auto unknown = store.revert(kEndpoint, QStringLiteral("make_coffee"), 0, QStringLiteral("a"));
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().code, QStringLiteral("unknown_feature"));
}

void tst_TemplateStore::survivesReopen()
{
    {
        TemplateStore store(*m_db);
        QVERIFY(store.set(kEndpoint, kCompletion, kTemplateA, QStringLiteral("a")).ok());
    }
    m_db.reset();
    auto db = Database::open(m_dir->path());
    QVERIFY(db.ok());
    m_db = std::move(db).value();
    TemplateStore store(*m_db);
    QCOMPARE((*store.current(kEndpoint, kCompletion))->text, kTemplateA);
    auto next = store.set(kEndpoint, kCompletion, kTemplateB, QStringLiteral("a"));
    QCOMPARE(next->id, 2);
}


void tst_TemplateStore::followRenamesCarriesTemplates()
{
    TemplateStore store(*m_db);
    const QString chat = QStringLiteral("duo_chat_explain_code");
    const QString chatTemplate = QStringLiteral("Be brief.");
    QVERIFY(store.set(QStringLiteral("a"), kCompletion, kTemplateA, QStringLiteral("admin")).ok());
    QVERIFY(store.set(QStringLiteral("b"), kCompletion, kTemplateB, QStringLiteral("admin")).ok());
    QVERIFY(store.set(QStringLiteral("b"), chat, chatTemplate, QStringLiteral("admin")).ok());
    QVERIFY(store.set(QStringLiteral("c"), kCompletion, kTemplateA, QStringLiteral("admin")).ok());

    // a and b swap names; c becomes d; e (no templates) becomes f.
    const QHash<QString, QString> renames{{QStringLiteral("a"), QStringLiteral("b")},
                                          {QStringLiteral("b"), QStringLiteral("a")},
                                          {QStringLiteral("c"), QStringLiteral("d")},
                                          {QStringLiteral("e"), QStringLiteral("f")}};
    auto appended = store.followRenames(renames, QStringLiteral("admin@127.0.0.1"));
    QVERIFY2(appended.ok(), qPrintable(appended.ok() ? QString() : appended.error().message));
    QCOMPARE(appended->size(), 5); // b: completion, chat back to built-in; a: completion, chat; d: completion
    for (const TemplateRevision &r : std::as_const(*appended))
        QCOMPARE(r.author, QStringLiteral("admin@127.0.0.1"));

    auto current = store.allCurrent();
    QVERIFY(current.ok());
    QCOMPARE(current->value({QStringLiteral("b"), kCompletion}), kTemplateA);
    QVERIFY(!current->contains({QStringLiteral("b"), chat})); // a had none: built-in
    QCOMPARE(current->value({QStringLiteral("a"), kCompletion}), kTemplateB);
    QCOMPARE(current->value({QStringLiteral("a"), chat}), chatTemplate);
    QCOMPARE(current->value({QStringLiteral("d"), kCompletion}), kTemplateA);
    QCOMPARE(current->value({QStringLiteral("c"), kCompletion}), kTemplateA); // the old name's history stays
    QVERIFY(!current->contains({QStringLiteral("f"), kCompletion}));
    // The history of the new name shows the carried revision on top.
    auto history = store.history(QStringLiteral("b"), chat);
    QVERIFY(history.ok());
    QCOMPARE(history->size(), 2);
    QVERIFY(history->first().isBuiltIn());

    // Nothing to carry: nothing appended.
    auto again = store.followRenames({{QStringLiteral("d"), QStringLiteral("d")}}, QStringLiteral("admin"));
    QVERIFY(again.ok());
    QCOMPARE(again->size(), 0);
}

QTEST_GUILESS_MAIN(tst_TemplateStore)
#include "tst_templatestore.moc"
