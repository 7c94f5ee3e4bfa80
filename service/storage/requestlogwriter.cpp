#include "requestlogwriter.h"

#include "database.h"
#include "redaction.h"
#include "requestlogschema.h"

#include <map>
#include <tuple>

namespace airlock::storage {

namespace {

// Parameters per row of the writer's INSERT: id, then kRequestLogColumns.
constexpr int kRowParams = kRequestLogColumnCount + 1;
static_assert(kRowParams == 36, "kTextColumns and insertChunk() number the parameters of a row");

// The record's QString columns: their parameter number within a row (1 = id) and the field.
struct TextColumn {
    int param;
    QString RequestRecord::*field;
};
constexpr TextColumn kTextColumns[] = { { 3, &RequestRecord::requestId }, { 6, &RequestRecord::dialect },
    { 7, &RequestRecord::feature }, { 8, &RequestRecord::modelEndpoint },
    { 9, &RequestRecord::modelIdentifier }, { 10, &RequestRecord::modelFamily },
    { 11, &RequestRecord::userId }, { 12, &RequestRecord::instanceId }, { 13, &RequestRecord::realm },
    { 14, &RequestRecord::hostName }, { 15, &RequestRecord::gitlabVersion },
    { 16, &RequestRecord::tokenIssuer }, { 17, &RequestRecord::tokenId }, { 18, &RequestRecord::userAgent },
    { 19, &RequestRecord::clientVersion }, { 20, &RequestRecord::clientIp }, { 21, &RequestRecord::lang },
    { 22, &RequestRecord::editorLang }, { 24, &RequestRecord::errorCode },
    { 25, &RequestRecord::errorMessage } };

} // namespace

RequestLogWriter::RequestLogWriter(Database &db) : m_db(db) { }

RequestLogWriter::~RequestLogWriter() = default;

Status RequestLogWriter::prepare()
{
    if (m_prepared)
        return {};
    m_handle = sqliteHandle(m_db.connection());
    if (!m_handle) {
        return Error::make(QStringLiteral("unsupported_driver"),
            QStringLiteral("the request log writer needs the SQLite (QSQLITE) driver"));
    }
    // The log's indexes take inserts at scattered positions (one per user, status, feature): a cache
    // larger than SQLite's 2 MB default keeps their hot leaf pages in memory. Per connection: the
    // writer's.
    (void)m_db.exec(QStringLiteral("PRAGMA cache_size = -65536"));
    QByteArray names = "id";
    QByteArray row = "(?";
    for (const char *c : kRequestLogColumns) {
        names += ", ";
        names += c;
        row += ",?";
    }
    row += ')';
    for (std::size_t i = 0; i < kChunkRows.size(); ++i) {
        QByteArray sql = "INSERT INTO request_log (" + names + ") VALUES ";
        for (int n = 0; n < kChunkRows[i]; ++n) {
            if (n)
                sql += ',';
            sql += row;
        }
        if (auto st = m_insertRows[i].prepare(m_handle, sql); !st)
            return st;
        m_boundParams[i].clear();
        m_boundParams[i].resize(std::size_t(kChunkRows[i] * kRowParams + 1));
    }
    if (auto st = m_insertBody.prepare(
            m_handle, "INSERT INTO request_log_bodies (id, prompt, answer) VALUES (?, ?, ?)");
        !st)
        return st;
    if (auto st = m_maxId.prepare(m_handle, "SELECT MAX(id) FROM request_log"); !st)
        return st;
    if (auto st = m_upsertTelemetry.prepare(m_handle,
            "INSERT INTO suggestion_telemetry (day, model_engine, model_name, lang, requests, accepts, "
            "errors) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, model_engine, model_name, lang) DO "
            "UPDATE SET requests = requests + excluded.requests, accepts = accepts + excluded.accepts, "
            "errors = errors + excluded.errors");
        !st)
        return st;
    m_prepared = true;
    return {};
}

qint64 RequestLogWriter::nextId()
{
    qint64 next = 1;
    if (m_maxId.nextRow())
        next = m_maxId.int64At(0) + 1; // NULL (empty table) reads as 0
    m_maxId.reset();
    return next;
}

Status RequestLogWriter::insert(StoredBatch &batch, qint64 firstId)
{
    qsizetype done = 0;
    qint64 nextId = firstId;
    for (std::size_t i = 0; i < kChunkRows.size(); ++i) {
        const int rows = kChunkRows[i];
        while (batch.size() - done >= rows) {
            if (auto st = insertChunk(i, batch, done, nextId); !st)
                return st;
            done += rows;
            nextId += rows;
        }
    }
    for (StoredRecord &stored : batch) {
        if (stored.record.captureBodies) {
            if (auto st = insertBodies(stored); !st)
                return st;
        }
    }
    return writeTelemetry(batch);
}

void RequestLogWriter::bindNull(int param)
{
    BoundParam &b = (*m_rowParams)[std::size_t(param)];
    if (b.kind == BoundParam::Null)
        return;
    m_row->bindNull(param);
    b.kind = BoundParam::Null;
    b.text = QString();
    b.latin1 = QByteArray();
}

void RequestLogWriter::bindInt(int param, qint64 value)
{
    BoundParam &b = (*m_rowParams)[std::size_t(param)];
    if (b.kind == BoundParam::Int && b.number == value)
        return;
    m_row->bindInt(param, value);
    b.kind = BoundParam::Int;
    b.number = value;
}

void RequestLogWriter::bindMs(int param, double ms)
{
    if (ms < 0)
        return bindNull(param);
    const double value = roundMs(ms);
    BoundParam &b = (*m_rowParams)[std::size_t(param)];
    if (b.kind == BoundParam::Double && b.real == value)
        return;
    m_row->bindDouble(param, value);
    b.kind = BoundParam::Double;
    b.real = value;
}

void RequestLogWriter::bindCount(int param, int n)
{
    if (n < 0)
        return bindNull(param);
    bindInt(param, n);
}

void RequestLogWriter::bindText(int param, const QString &text)
{
    if (text.isEmpty())
        return bindNull(param);
    BoundParam &b = (*m_rowParams)[std::size_t(param)];
    if (b.kind == BoundParam::Text && b.text == text)
        return;
    // Converted into the parameter's own buffer, which SQLite reads without copying until the
    // parameter is bound again.
    b.utf8.resize(m_utf8.requiredSpace(text.size()));
    char *end = m_utf8.appendToBuffer(b.utf8.data(), text);
    b.utf8.truncate(end - b.utf8.constData());
    m_row->bindStaticText(param, b.utf8.constData(), int(b.utf8.size()));
    b.kind = BoundParam::Text;
    b.text = text;
}

void RequestLogWriter::bindLatin1(int param, const QByteArray &text)
{
    if (text.isEmpty())
        return bindNull(param);
    BoundParam &b = (*m_rowParams)[std::size_t(param)];
    if (b.kind == BoundParam::Latin1 && b.latin1 == text)
        return;
    b.utf8.resize(2 * text.size());
    char *out = b.utf8.data();
    for (const char c : text) {
        const auto u = uchar(c);
        if (u < 0x80) {
            *out++ = c;
        } else {
            *out++ = char(0xC0 | (u >> 6));
            *out++ = char(0x80 | (u & 0x3F));
        }
    }
    b.utf8.truncate(out - b.utf8.constData());
    m_row->bindStaticText(param, b.utf8.constData(), int(b.utf8.size()));
    b.kind = BoundParam::Latin1;
    b.latin1 = text;
}

void RequestLogWriter::bindAscii(int param, const QByteArray &text)
{
    if (text.isEmpty())
        return bindNull(param);
    BoundParam &b = (*m_rowParams)[std::size_t(param)];
    if (b.kind == BoundParam::Ascii && b.latin1.constData() == text.constData() && b.latin1.size() == text.size())
        return;
    b.latin1 = text; // shares the bytes and keeps them alive while SQLite may read them
    m_row->bindStaticText(param, b.latin1.constData(), int(b.latin1.size()));
    b.kind = BoundParam::Ascii;
}

// Inserts batch[first, first + rows) with ids id0, id0 + 1, ... through m_insertRows[which].
Status RequestLogWriter::insertChunk(std::size_t which, StoredBatch &batch, qsizetype first, qint64 id0)
{
    const int rows = kChunkRows[which];
    m_row = &m_insertRows[which];
    m_rowParams = &m_boundParams[which];
    for (int n = 0; n < rows; ++n) {
        StoredRecord &stored = batch[first + n];
        const RequestRecord &r = stored.record;
        stored.id = id0 + n;
        const int p = n * kRowParams; // parameter numbers of this row: p + 1 .. p + kRowParams
        bindInt(p + 1, stored.id);
        bindInt(p + 2, r.startedAtMs);
        for (const TextColumn &c : kTextColumns)
            bindText(p + c.param, r.*c.field);
        if (r.requestId.isEmpty()) { // NOT NULL: the empty string
            m_row->bindStaticText(p + 3, "", 0);
            (*m_rowParams)[std::size_t(p + 3)].kind = BoundParam::Unbound;
        }
        bindLatin1(p + 4, r.method);
        bindLatin1(p + 5, r.path);
        bindInt(p + 23, r.status);
        bindInt(p + 26, recordFlags(stored));
        bindMs(p + 27, r.authMs);
        bindMs(p + 28, r.queueMs);
        bindMs(p + 29, r.upstreamFirstByteMs);
        bindMs(p + 30, r.upstreamMs);
        bindMs(p + 31, r.totalMs);
        bindInt(p + 32, r.promptBytes);
        bindInt(p + 33, r.answerBytes);
        bindCount(p + 34, r.promptTokens);
        bindCount(p + 35, r.answerTokens);
        bindAscii(p + 36, r.attemptsJson); // ASCII JSON (routing/attemptlog.h); empty: NULL
    }
    return m_row->step("writing request records");
}

Status RequestLogWriter::insertBodies(StoredRecord &stored)
{
    RequestRecord &r = stored.record;
    // Redacted here, on the writer thread; what is kept in memory afterwards is the redacted text too,
    // so live logs and admin answers never see a secret. Stored as valid UTF-8 (invalid sequences become
    // U+FFFD, as the admin API shows them).
    r.promptBody = m_redactor ? m_redactor->redact(r.promptBody.left(kMaxCapturedBodyBytes))
                              : redactSecrets(r.promptBody.left(kMaxCapturedBodyBytes));
    r.answerBody = m_redactor ? m_redactor->redact(r.answerBody.left(kMaxCapturedBodyBytes))
                              : redactSecrets(r.answerBody.left(kMaxCapturedBodyBytes));
    const QByteArray prompt = QString::fromUtf8(r.promptBody).toUtf8();
    const QByteArray answer = QString::fromUtf8(r.answerBody).toUtf8();
    m_insertBody.bindInt(1, stored.id);
    m_insertBody.bindKey(2, prompt);
    m_insertBody.bindKey(3, answer);
    return m_insertBody.step("writing captured bodies");
}

Status RequestLogWriter::writeTelemetry(StoredBatch &batch)
{
    // Summed per batch: one upsert per (day, engine, model, language) rather than per item.
    std::map<std::tuple<qint64, QString, QString, QString>, std::array<qint64, 3>> sums;
    for (StoredRecord &stored : batch) {
        if (stored.record.telemetryJson.isEmpty())
            continue;
        stored.telemetry = parseTelemetry(stored.record.telemetryJson);
        const qint64 day = floorTo(stored.record.startedAtMs, kDayMs) / kDayMs;
        for (const TelemetryItem &item : std::as_const(stored.telemetry)) {
            auto &sum = sums[{ day, nonNull(item.modelEngine), nonNull(item.modelName), nonNull(item.lang) }];
            sum[0] += item.requests;
            sum[1] += item.accepts;
            sum[2] += item.errors;
        }
    }
    for (const auto &[key, sum] : sums) {
        const QByteArray day = dayString(std::get<0>(key));
        const QByteArray engine = std::get<1>(key).toUtf8();
        const QByteArray model = std::get<2>(key).toUtf8();
        const QByteArray lang = std::get<3>(key).toUtf8();
        m_upsertTelemetry.bindKey(1, day);
        m_upsertTelemetry.bindKey(2, engine);
        m_upsertTelemetry.bindKey(3, model);
        m_upsertTelemetry.bindKey(4, lang);
        for (int i = 0; i < 3; ++i)
            m_upsertTelemetry.bindInt(5 + i, sum[i]);
        if (auto st = m_upsertTelemetry.step("updating suggestion telemetry"); !st)
            return st;
    }
    return {};
}

} // namespace airlock::storage
