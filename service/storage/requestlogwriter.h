#pragma once

// The request log's batch insert path: request_log rows, captured bodies (redacted here) and code
// suggestion telemetry, written through SQLite's C API on the connection's own handle. Prepared
// statements are kept across batches; rows go in as multi-row INSERTs bound from UTF-8 buffers this
// object owns (no QVariant per value), and a parameter is bound again only when its value changed
// since the previous batch. Storage internal: RequestLogStore calls it inside its write transaction.
//
// Lifecycle: constructed with the store, prepare() once on the writer's connection (fails with
// "unsupported_driver" for anything but QSQLITE), then one thread (the Database's). The statements are
// finalized with the object: it must not outlive its Database.

#include "redaction.h"
#include "requestlogrecord.h"
#include "result.h"
#include "sqlitestatement.h"

#include <QStringEncoder>

#include <array>
#include <memory>
#include <vector>

namespace airlock {
class Database;
}

namespace airlock::storage {

class RequestLogWriter {
public:
    explicit RequestLogWriter(Database &db);
    ~RequestLogWriter();

    // Prepares the statements (idempotent). The handle is the connection's (for the rollups too).
    Status prepare();
    bool isPrepared() const { return m_prepared; }
    sqlite3 *handle() const { return m_handle; }

    // Inside the write transaction: the id the next row gets (after the largest one, as SQLite's own
    // rowid choice would; nobody else takes it while the transaction holds the write lock).
    qint64 nextId();
    // Inside the write transaction: inserts every record of `batch` with ids firstId, firstId + 1, ...
    // (filled into each StoredRecord), their captured bodies (redacted in place first) and their
    // telemetry (parsed into each StoredRecord, summed per day x engine x model x language).
    Status insert(StoredBatch &batch, qint64 firstId);
    // The rules captured bodies are redacted with (null: every built-in rule, redaction.h).
    void setRedactor(std::shared_ptr<const Redactor> redactor) { m_redactor = std::move(redactor); }

private:
    // What one parameter of a prepared statement is bound to (for text: the buffer SQLite reads).
    struct BoundParam {
        enum Kind : quint8 { Unbound, Null, Int, Double, Text, Latin1, Ascii } kind = Unbound;
        qint64 number = 0;
        double real = 0;
        QString text; // Text: the value bound
        QByteArray latin1; // Latin1: the value bound; Ascii: the value bound, which SQLite reads
        QByteArray utf8; // Text, Latin1: what SQLite reads (SQLITE_STATIC)
    };

    // Rows per INSERT statement: a batch goes in as many 64-row statements as fit, the rest in 16-, 4-
    // and 1-row ones (at most 9 of those per batch).
    static constexpr std::array<int, 4> kChunkRows { 64, 16, 4, 1 };

    Status insertChunk(std::size_t which, StoredBatch &batch, qsizetype first, qint64 id0);
    Status insertBodies(StoredRecord &stored);
    Status writeTelemetry(StoredBatch &batch);

    // Binding into the row statement being filled (m_row, m_rowParams), skipping unchanged values.
    void bindNull(int param);
    void bindInt(int param, qint64 value);
    void bindMs(int param, double ms); // NULL when negative (unknown); to the microsecond
    void bindCount(int param, int n); // NULL when negative (unknown)
    void bindText(int param, const QString &text); // NULL when empty
    void bindLatin1(int param, const QByteArray &text); // as UTF-8; NULL when empty
    // Text known to be ASCII (valid UTF-8 as it is): bound without a copy; NULL when empty.
    void bindAscii(int param, const QByteArray &text);

    Database &m_db;
    sqlite3 *m_handle = nullptr;
    bool m_prepared = false;
    std::array<SqliteStatement, kChunkRows.size()> m_insertRows;
    // Per row statement, what each parameter is bound to now. Bindings survive a reset, and most
    // columns repeat from one request to the next (method, path, model, client, NULLs).
    std::array<std::vector<BoundParam>, kChunkRows.size()> m_boundParams;
    SqliteStatement m_insertBody;
    SqliteStatement m_maxId;
    SqliteStatement m_upsertTelemetry;
    QStringEncoder m_utf8 { QStringEncoder::Utf8, QStringConverter::Flag::Stateless };
    SqliteStatement *m_row = nullptr;
    std::vector<BoundParam> *m_rowParams = nullptr;
    std::shared_ptr<const Redactor> m_redactor;
};

} // namespace airlock::storage
