#include "storage/chathistorystore.h"
#include "storage/database.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock;
using airlock::storage::ChatHistoryStore;
using airlock::storage::ChatMessage;

// The chat_messages SQL on a real SQLite file: order, trimming, per-user isolation and expiry.
class tst_ChatHistoryStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void emptyHistoryReadsEmpty();
    void appendThenReadOldestFirst();
    void zeroTimestampIsStampedNow();
    void trimsToTheNewestMessages();
    void usersAreSeparate();
    void readDeletesAnExpiredHistory();
    void purgeDeletesOnlyExpiredHistories();
    void survivesReopen();

private:
    QList<ChatMessage> readAll(const QString &user, qint64 expiredBeforeMs = 0);
    qint64 rowCount();

    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<ChatHistoryStore> m_store;
};

void tst_ChatHistoryStore::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    auto db = Database::open(m_tmp->path());
    QVERIFY2(db, db ? "" : qPrintable(db.error().message));
    m_db = std::move(db).value();
    m_store = std::make_unique<ChatHistoryStore>(*m_db);
}

void tst_ChatHistoryStore::cleanup()
{
    m_store.reset();
    m_db.reset();
    m_tmp.reset();
}

QList<ChatMessage> tst_ChatHistoryStore::readAll(const QString &user, qint64 expiredBeforeMs)
{
    auto r = m_store->read(user, expiredBeforeMs);
    if (!r) {
        qWarning() << "read failed:" << r.error().message;
        return {{QStringLiteral("error"), r.error().message, -1}};
    }
    return *r;
}

qint64 tst_ChatHistoryStore::rowCount()
{
    auto q = m_db->run(QStringLiteral("SELECT COUNT(*) FROM chat_messages"));
    if (!q || !q->next())
        return -1;
    const qint64 n = q->value(0).toLongLong();
    q->finish();
    return n;
}

void tst_ChatHistoryStore::emptyHistoryReadsEmpty()
{
    QCOMPARE(readAll(QStringLiteral("alice")), QList<ChatMessage>{});
}

void tst_ChatHistoryStore::appendThenReadOldestFirst()
{
    const QList<ChatMessage> turn{{QStringLiteral("user"), QStringLiteral("What is 2+2?"), 1000},
                                  {QStringLiteral("assistant"), QStringLiteral("4"), 1001}};
    QVERIFY(m_store->append(QStringLiteral("alice"), turn, 50));
    const QList<ChatMessage> next{{QStringLiteral("user"), QStringLiteral("And 3+3?"), 900}};
    QVERIFY(m_store->append(QStringLiteral("alice"), next, 50));
    // Insertion order, not timestamp order.
    QCOMPARE(readAll(QStringLiteral("alice")), turn + next);
}

void tst_ChatHistoryStore::zeroTimestampIsStampedNow()
{
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(m_store->append(QStringLiteral("alice"), {{QStringLiteral("user"), QStringLiteral("hi"), 0}}, 50));
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    const QList<ChatMessage> got = readAll(QStringLiteral("alice"));
    QCOMPARE(got.size(), 1);
    QVERIFY2(got[0].createdMs >= before && got[0].createdMs <= after, qPrintable(QString::number(got[0].createdMs)));
}

void tst_ChatHistoryStore::trimsToTheNewestMessages()
{
    QList<ChatMessage> many;
    for (int i = 0; i < 7; ++i)
        many.append({QStringLiteral("user"), QStringLiteral("m%1").arg(i), 1000 + i});
    QVERIFY(m_store->append(QStringLiteral("alice"), many, 5));
    QCOMPARE(readAll(QStringLiteral("alice")), many.mid(2));
    QVERIFY(m_store->append(QStringLiteral("alice"), {{QStringLiteral("assistant"), QStringLiteral("m7"), 2000}}, 5));
    QCOMPARE(readAll(QStringLiteral("alice")),
             (many.mid(3) + QList<ChatMessage>{{QStringLiteral("assistant"), QStringLiteral("m7"), 2000}}));
    QCOMPARE(rowCount(), 5);
}

void tst_ChatHistoryStore::usersAreSeparate()
{
    QList<ChatMessage> bobs;
    for (int i = 0; i < 3; ++i)
        bobs.append({QStringLiteral("user"), QStringLiteral("bob%1").arg(i), 1000 + i});
    QVERIFY(m_store->append(QStringLiteral("bob"), bobs, 3));
    // Alice's trimming to 1 leaves Bob's history alone.
    QVERIFY(m_store->append(QStringLiteral("alice"),
                            {{QStringLiteral("user"), QStringLiteral("a0"), 1},
                             {QStringLiteral("user"), QStringLiteral("a1"), 2}},
                            1));
    QCOMPARE(readAll(QStringLiteral("alice")),
             (QList<ChatMessage>{{QStringLiteral("user"), QStringLiteral("a1"), 2}}));
    QCOMPARE(readAll(QStringLiteral("bob")), bobs);
    QCOMPARE(readAll(QStringLiteral("carol")), QList<ChatMessage>{});
}

void tst_ChatHistoryStore::readDeletesAnExpiredHistory()
{
    const QList<ChatMessage> turn{{QStringLiteral("user"), QStringLiteral("old"), 1000},
                                  {QStringLiteral("assistant"), QStringLiteral("newest"), 2000}};
    QVERIFY(m_store->append(QStringLiteral("alice"), turn, 50));
    // The newest message decides: a cutoff at it keeps everything (older messages included).
    QCOMPARE(readAll(QStringLiteral("alice"), 2000), turn);
    QCOMPARE(rowCount(), 2);
    // A cutoff past it expires the whole history, and the rows are gone, not just hidden.
    QCOMPARE(readAll(QStringLiteral("alice"), 2001), QList<ChatMessage>{});
    QCOMPARE(rowCount(), 0);
    QCOMPARE(readAll(QStringLiteral("alice")), QList<ChatMessage>{});
}

void tst_ChatHistoryStore::purgeDeletesOnlyExpiredHistories()
{
    QVERIFY(m_store->append(QStringLiteral("stale"),
                            {{QStringLiteral("user"), QStringLiteral("s0"), 100},
                             {QStringLiteral("user"), QStringLiteral("s1"), 200}},
                            50));
    const QList<ChatMessage> fresh{{QStringLiteral("user"), QStringLiteral("f0"), 100},
                                   {QStringLiteral("user"), QStringLiteral("f1"), 5000}};
    QVERIFY(m_store->append(QStringLiteral("fresh"), fresh, 50));
    QVERIFY(m_store->purgeExpired(1000));
    QCOMPARE(rowCount(), 2);
    // The fresh user's old message stays with its history.
    QCOMPARE(readAll(QStringLiteral("fresh")), fresh);
    QCOMPARE(readAll(QStringLiteral("stale")), QList<ChatMessage>{});
}

void tst_ChatHistoryStore::survivesReopen()
{
    const QList<ChatMessage> turn{{QStringLiteral("user"), QStringLiteral("kept"), 1000}};
    QVERIFY(m_store->append(QStringLiteral("alice"), turn, 50));
    m_store.reset();
    m_db.reset();
    auto db = Database::open(m_tmp->path());
    QVERIFY(db);
    m_db = std::move(db).value();
    m_store = std::make_unique<ChatHistoryStore>(*m_db);
    QCOMPARE(readAll(QStringLiteral("alice")), turn);
}

QTEST_GUILESS_MAIN(tst_ChatHistoryStore)
#include "tst_chathistorystore.moc"
