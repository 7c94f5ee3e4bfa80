#include "http/requestframer.h"

#include <QTest>

using namespace airlock::http;

// Every framing row runs three ways: the whole input in one feed, one byte per feed, and split in two
// at every offset. Outcome, error and the total of `consumed` must not depend on how the bytes arrived,
// because TCP decides that, not the client.
class tst_RequestFramer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void framing_data();
    void framing();
    void flags_data();
    void flags();
    void pipelinedRequestsAfterReset_data();
    void pipelinedRequestsAfterReset();
    void bodyLimitRefusedBeforeAnyBodyByte();
    void headerLimitWhenTheHeadNeverEnds();
    void completeIsStableUntilReset();
    void errorIsStickyUntilReset();
    void progressAccessors();
    void headPartsKeptUntilReset();
};

namespace {

using Status = RequestFramer::Status;

constexpr int kMaxHeader = 256;
constexpr qint64 kMaxBody = 16;

RequestFramer::Limits testLimits()
{
    return RequestFramer::Limits { kMaxHeader, kMaxBody };
}

const char *statusName(Status s)
{
    switch (s) {
    case Status::NeedMore:
        return "NeedMore";
    case Status::Complete:
        return "Complete";
    case Status::Error:
        return "Error";
    }
    return "?";
}

struct Run {
    Status status = Status::NeedMore;
    qsizetype consumed = 0; // over all feeds
    int errorStatus = 0;
    QString errorCode;
    QString errorMessage;
    QString violation; // a per-feed contract breach, empty if none
};

// Feeds `input` cut at `cuts` (increasing offsets), stopping at the first Complete/Error.
Run feedPieces(RequestFramer &framer, QByteArrayView input, const QList<qsizetype> &cuts)
{
    Run run;
    qsizetype from = 0;
    for (qsizetype k = 0; k <= cuts.size(); ++k) {
        const qsizetype to = k < cuts.size() ? cuts.at(k) : input.size();
        const QByteArrayView piece = input.sliced(from, to - from);
        const RequestFramer::Outcome outcome = framer.feed(piece);
        if (outcome.consumed < 0 || outcome.consumed > piece.size()) {
            run.violation
                = QStringLiteral("consumed %1 of a %2-byte feed").arg(outcome.consumed).arg(piece.size());
            return run;
        }
        if (outcome.status == Status::NeedMore && outcome.consumed != piece.size()) {
            run.violation = QStringLiteral("NeedMore consumed %1 of a %2-byte feed")
                                .arg(outcome.consumed)
                                .arg(piece.size());
            return run;
        }
        run.status = outcome.status;
        run.consumed += outcome.consumed;
        if (outcome.status != Status::NeedMore)
            break;
        from = to;
    }
    run.errorStatus = framer.errorStatus();
    run.errorCode = framer.errorCode();
    run.errorMessage = framer.errorMessage();
    return run;
}

QList<QList<qsizetype>> splitPlans(qsizetype size)
{
    QList<QList<qsizetype>> plans;
    plans.append(QList<qsizetype>()); // whole
    QList<qsizetype> bytes;
    for (qsizetype i = 1; i < size; ++i)
        bytes.append(i);
    plans.append(bytes); // byte by byte
    for (qsizetype i = 0; i <= size; ++i)
        plans.append(QList<qsizetype> { i }); // every split point, including an empty first or last feed
    return plans;
}

QString describePlan(const QList<qsizetype> &plan, qsizetype size)
{
    if (plan.isEmpty())
        return QStringLiteral("whole");
    if (plan.size() > 1 || size == 1)
        return QStringLiteral("byte by byte");
    return QStringLiteral("split at %1").arg(plan.front());
}

const QByteArray kGet = "GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n";
const QByteArray kPost = "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhello";
const QByteArray kChunkedHead
    = "POST /v1/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n";

// A head of exactly `size` bytes (size >= 40), made so with the length of a padding header.
QByteArray headOfSize(int size, const QByteArray &terminator = "\r\n\r\n")
{
    const QByteArray start = "GET / HTTP/1.1\r\nHost: gw\r\nX-Pad: ";
    return start + QByteArray(size - start.size() - terminator.size(), 'p') + terminator;
}

} // namespace

void tst_RequestFramer::framing_data()
{
    // `request` is what the framer must consume; `rest` follows it in the same input and must be left alone.
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("rest");
    QTest::addColumn<int>("status"); // Status as int
    QTest::addColumn<int>("errorStatus");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<QString>("messageNames"); // a word the error message must contain

    const int complete = int(Status::Complete);
    const int needMore = int(Status::NeedMore);
    const int error = int(Status::Error);
    const QString none;

    auto ok = [&](const char *name, const QByteArray &request, const QByteArray &rest = {}) {
        QTest::newRow(name) << request << rest << complete << 0 << none << none;
    };
    auto more = [&](const char *name, const QByteArray &input) {
        QTest::newRow(name) << input << QByteArray() << needMore << 0 << none << none;
    };
    auto bad = [&](const char *name, const QByteArray &request, const QByteArray &rest, int status,
                   const char *code, const char *names) {
        QTest::newRow(name) << request << rest << error << status << QString::fromLatin1(code)
                            << QString::fromLatin1(names);
    };

    // --- complete requests
    ok("get-no-body", kGet);
    ok("post-content-length", kPost);
    ok("post-content-length-zero", "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n");
    ok("content-length-with-spaces", "POST / HTTP/1.1\r\nHost: gw\r\nContent-length:   3  \r\n\r\nabc");
    ok("same-content-length-twice",
        "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab");
    ok("body-at-limit", "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 16\r\n\r\n0123456789abcdef");
    ok("chunked-extensions-trailers",
        kChunkedHead
            + "5;name=value\r\nhello\r\n6 ; q=\"a;b\"\r\n world\r\n0;last\r\nX-Checksum: abc\r\nX-Other: "
              "d\r\n\r\n");
    ok("chunked-hex-case", kChunkedHead + "a\r\n0123456789\r\n0\r\n\r\n");
    ok("chunked-hex-upper", kChunkedHead + "A\r\n0123456789\r\n0\r\n\r\n");
    ok("chunked-leading-zeros", kChunkedHead + "0005\r\nhello\r\n000\r\n\r\n");
    ok("chunked-at-limit", kChunkedHead + "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n");
    ok("chunked-no-chunks", kChunkedHead + "0\r\n\r\n");
    ok("chunked-coding-case", "POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: ChUnKeD\r\n\r\n0\r\n\r\n");
    ok("leading-crlf", "\r\n\r\n" + kGet);
    ok("leading-lf", "\n\n\n" + kPost);
    ok("lf-only", "GET / HTTP/1.1\nHost: gw\n\n");
    ok("lf-only-body", "POST / HTTP/1.1\nHost: gw\nContent-Length: 2\n\nhi");
    ok("lf-only-chunked", "POST / HTTP/1.1\nHost: gw\nTransfer-Encoding: chunked\n\n2\nhi\n0\nT: v\n\n");
    ok("mixed-line-endings", "GET / HTTP/1.1\r\nHost: gw\n\r\n");
    ok("http10-without-host", "GET / HTTP/1.0\r\n\r\n");
    ok("http10-content-length", "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc");
    ok("empty-host", "GET / HTTP/1.1\r\nHost:\r\n\r\n");
    ok("obs-text-in-value", "GET / HTTP/1.1\r\nHost: gw\r\nX-Name: caf\xc3\xa9\r\n\r\n");
    ok("tab-in-value", "GET / HTTP/1.1\r\nHost: gw\r\nX-A: a\tb\r\n\r\n");
    ok("head-at-limit", headOfSize(kMaxHeader));
    ok("head-at-limit-lf", headOfSize(kMaxHeader, "\n\n"));
    ok("head-at-limit-after-crlfs", "\r\n\r\n\r\n" + headOfSize(kMaxHeader));

    // --- pipelining: consumed stops where the first request ends
    ok("pipelined-get-get", kGet, kGet);
    ok("pipelined-post-get", kPost, kGet);
    ok("pipelined-post-partial", kPost, "POST /x HT");
    ok("pipelined-chunked-post", kChunkedHead + "3\r\nabc\r\n0\r\n\r\n", kPost);
    ok("pipelined-after-lf-only", "GET / HTTP/1.1\nHost: gw\n\n", "\r\n" + kGet);
    ok("body-looks-like-request",
        "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 16\r\n\r\nGET / HTTP/1.1\r\n", kGet);

    // --- incomplete: every byte belongs to the current request
    more("empty", {});
    more("only-crlfs", "\r\n\r\n\n");
    more("partial-request-line", "GET /v1/mo");
    more("head-without-blank-line", "GET / HTTP/1.1\r\nHost: gw\r\n");
    more("head-cr-only-at-end", "GET / HTTP/1.1\r\nHost: gw\r\n\r");
    more("short-body", kPost.chopped(1));
    more("chunked-mid-size-line", kChunkedHead + "5;ext");
    more("chunked-mid-data", kChunkedHead + "5\r\nhel");
    more("chunked-missing-data-crlf", kChunkedHead + "5\r\nhello");
    more("chunked-missing-last-crlf", kChunkedHead + "0\r\n");
    more("chunked-in-trailer", kChunkedHead + "0\r\nX-T: 1\r\n");

    // --- limits
    {
        const QByteArray head = "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 17\r\n\r\n";
        bad("content-length-over-max", head, "0123456789abcdefg", 413, "request_too_large", "17");
        bad("content-length-over-max-no-body", head, {}, 413, "request_too_large", "exceeds");
        bad("content-length-saturates",
            "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 99999999999999999999999999\r\n\r\n", "x", 413,
            "request_too_large", "exceeds");
    }
    bad("chunked-total-over-max", kChunkedHead + "8\r\n01234567\r\n9\r\n", "012345678\r\n0\r\n\r\n", 413,
        "request_too_large", "16");
    bad("chunk-size-over-max", kChunkedHead + "fffffffffffffff\r\n", "x", 413, "request_too_large",
        "exceeds");
    {
        const QByteArray head = headOfSize(kMaxHeader + 1);
        bad("head-one-over-limit", head.first(kMaxHeader + 1), head.sliced(kMaxHeader + 1), 431,
            "headers_too_large", "256");
        const QByteArray never = "GET / HTTP/1.1\r\nHost: gw\r\nX-Pad: " + QByteArray(600, 'p');
        bad("head-never-ends", never.first(kMaxHeader + 1), never.sliced(kMaxHeader + 1), 431,
            "headers_too_large", "256");
        bad("head-over-limit-after-crlfs", "\r\n\r\n" + never.first(kMaxHeader + 1),
            never.sliced(kMaxHeader + 1), 431, "headers_too_large", "headers");
        const QByteArray lines = "GET / HTTP/1.1\r\n" + QByteArray("a: b\r\n").repeated(60);
        bad("many-short-header-lines", lines.first(kMaxHeader + 1), lines.sliced(kMaxHeader + 1), 431,
            "headers_too_large", "headers");
    }
    {
        const QByteArray line = "1;" + QByteArray(2000, 'x') + "\r\n";
        bad("chunk-size-line-too-long", kChunkedHead + line.first(1025), line.sliced(1025), 400, "bad_chunk",
            "long");
        const QByteArray trailer = "0\r\nX-T: " + QByteArray(400, 't') + "\r\n\r\n";
        // the trailer budget is maxHeaderBytes, counted from the line after the last chunk
        bad("trailer-too-large", kChunkedHead + trailer.first(3 + kMaxHeader + 1),
            trailer.sliced(3 + kMaxHeader + 1), 431, "headers_too_large", "trailer");
    }

    // --- malformed heads: consumed covers the head, where the refusal was decided
    bad("request-line-no-spaces", "GET\r\nHost: gw\r\n\r\n", {}, 400, "bad_request", "request line");
    bad("request-line-one-space", "GET /\r\nHost: gw\r\n\r\n", {}, 400, "bad_request", "request line");
    bad("request-line-double-space", "GET  / HTTP/1.1\r\nHost: gw\r\n\r\n", {}, 400, "bad_request",
        "request line");
    bad("request-line-leading-space", " GET / HTTP/1.1\r\nHost: gw\r\n\r\n", {}, 400, "bad_request",
        "request line");
    bad("method-not-token", "GE(T / HTTP/1.1\r\nHost: gw\r\n\r\n", {}, 400, "bad_request", "method");
    bad("target-control-char",
        "GET /a\x01"
        "b HTTP/1.1\r\nHost: gw\r\n\r\n",
        {}, 400, "bad_request", "target");
    bad("version-not-http", "GET / FTP/1.1\r\nHost: gw\r\n\r\n", {}, 400, "bad_request", "version");
    bad("version-lowercase", "GET / http/1.1\r\nHost: gw\r\n\r\n", {}, 400, "bad_request", "version");
    bad("version-2", "GET / HTTP/2.0\r\nHost: gw\r\n\r\n", kGet, 505, "http_version_not_supported",
        "HTTP/1.1");
    bad("version-0.9", "GET / HTTP/0.9\r\nHost: gw\r\n\r\n", {}, 505, "http_version_not_supported",
        "HTTP/1.0");
    bad("header-name-space", "GET / HTTP/1.1\r\nHost: gw\r\nBad Name: x\r\n\r\n", {}, 400, "bad_request",
        "name");
    bad("header-space-before-colon", "GET / HTTP/1.1\r\nHost : gw\r\n\r\n", {}, 400, "bad_request", "name");
    bad("header-empty-name", "GET / HTTP/1.1\r\nHost: gw\r\n: x\r\n\r\n", {}, 400, "bad_request", "name");
    bad("header-no-colon", "GET / HTTP/1.1\r\nHost: gw\r\nnocolon\r\n\r\n", {}, 400, "bad_request", "name");
    bad("obs-fold", "GET / HTTP/1.1\r\nHost: gw\r\nX-A: b\r\n c\r\n\r\n", {}, 400, "bad_request", "folding");
    bad("obs-fold-tab", "GET / HTTP/1.1\r\nHost: gw\r\nX-A: b\r\n\tc\r\n\r\n", {}, 400, "bad_request",
        "folding");
    bad("control-char-in-value",
        "GET / HTTP/1.1\r\nHost: gw\r\nX-A: a\x01"
        "b\r\n\r\n",
        {}, 400, "bad_request", "X-A");
    bad("bare-cr-in-value", "GET / HTTP/1.1\r\nHost: gw\r\nX-A: a\rb\r\n\r\n", {}, 400, "bad_request", "X-A");
    bad("del-in-value", "GET / HTTP/1.1\r\nHost: gw\r\nX-A: a\x7f\r\n\r\n", {}, 400, "bad_request",
        "control");
    bad("cl-and-te", "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "0\r\n\r\n", 400, "bad_request", "Transfer-Encoding");
    bad("te-and-cl", "POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
        {}, 400, "bad_request", "Content-Length");
    bad("conflicting-content-lengths",
        "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "hello!", 400,
        "bad_request", "conflicting");
    bad("content-length-list", "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 5, 5\r\n\r\n", {}, 400,
        "bad_request", "Content-Length");
    bad("content-length-negative", "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: -1\r\n\r\n", {}, 400,
        "bad_request", "Content-Length");
    bad("content-length-plus", "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: +5\r\n\r\n", {}, 400,
        "bad_request", "Content-Length");
    bad("content-length-hex", "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 0x5\r\n\r\n", {}, 400,
        "bad_request", "Content-Length");
    bad("content-length-empty", "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length:\r\n\r\n", {}, 400,
        "bad_request", "Content-Length");
    bad("te-gzip", "POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip\r\n\r\n", {}, 501,
        "unsupported_transfer_encoding", "gzip");
    bad("te-gzip-chunked", "POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", {}, 501,
        "unsupported_transfer_encoding", "gzip");
    bad("te-chunked-then-identity",
        "POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
        {}, 501, "unsupported_transfer_encoding", "identity");
    bad("te-in-http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\n\r\n", 400,
        "bad_request", "HTTP/1.0");
    bad("missing-host-http11", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", {}, 400, "bad_request", "Host");
    bad("duplicate-host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", {}, 400, "bad_request", "Host");

    // --- malformed chunked framing: consumed covers the offending line
    bad("chunk-size-not-hex", kChunkedHead + "zz\r\n", "\r\n", 400, "bad_chunk", "chunk size");
    bad("chunk-size-empty", kChunkedHead + "\r\n", "0\r\n\r\n", 400, "bad_chunk", "chunk size");
    bad("chunk-size-negative", kChunkedHead + "-1\r\n", {}, 400, "bad_chunk", "chunk size");
    bad("chunk-size-0x", kChunkedHead + "0x5\r\n", "hello\r\n0\r\n\r\n", 400, "bad_chunk", "chunk size");
    bad("chunk-size-too-many-digits", kChunkedHead + "0000000000000001\r\n", "a\r\n0\r\n\r\n", 400,
        "bad_chunk", "chunk size");
    bad("chunk-size-only-extension", kChunkedHead + ";x\r\n", {}, 400, "bad_chunk", "chunk size");
    bad("chunk-data-not-crlf", kChunkedHead + "5\r\nhelloX\r\n", "0\r\n\r\n", 400, "bad_chunk", "CRLF");
    bad("chunk-data-too-long", kChunkedHead + "3\r\nhello\r\n", "0\r\n\r\n", 400, "bad_chunk", "CRLF");
    bad("trailer-without-colon", kChunkedHead + "0\r\nnocolon\r\n", "\r\n", 400, "bad_chunk", "trailer");
    bad("trailer-empty-name", kChunkedHead + "0\r\n: v\r\n", "\r\n", 400, "bad_chunk", "trailer");
}

void tst_RequestFramer::framing()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, rest);
    QFETCH(int, status);
    QFETCH(int, errorStatus);
    QFETCH(QString, errorCode);
    QFETCH(QString, messageNames);

    const QByteArray input = request + rest;
    for (const QList<qsizetype> &plan : splitPlans(input.size())) {
        RequestFramer framer(testLimits());
        const Run run = feedPieces(framer, input, plan);
        const QByteArray how = describePlan(plan, input.size()).toUtf8();
        QVERIFY2(run.violation.isEmpty(), QByteArray(how + ": " + run.violation.toUtf8()).constData());
        const QByteArray statusMessage = how + ": status " + statusName(run.status) + ", expected "
            + statusName(Status(status)) + " (" + run.errorCode.toUtf8() + ": " + run.errorMessage.toUtf8()
            + ")";
        QVERIFY2(int(run.status) == status, statusMessage.constData());
        const QByteArray consumedMessage = how + ": consumed " + QByteArray::number(run.consumed)
            + ", expected " + QByteArray::number(request.size());
        QVERIFY2(run.consumed == request.size(), consumedMessage.constData());
        QCOMPARE(run.errorStatus, errorStatus);
        QCOMPARE(run.errorCode, errorCode);
        if (status == int(Status::Error)) {
            QVERIFY2(run.errorMessage.contains(messageNames, Qt::CaseInsensitive),
                qPrintable(QStringLiteral("message \"%1\" does not name \"%2\"")
                               .arg(run.errorMessage, messageNames)));
            QCOMPARE(framer.started(), true);
        } else {
            QVERIFY(run.errorMessage.isEmpty());
        }
        if (status == int(Status::Complete))
            QVERIFY(framer.headComplete());
    }
}

void tst_RequestFramer::flags_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<bool>("http10");
    QTest::addColumn<bool>("expectsContinue");
    QTest::addColumn<qint64>("contentLength");
    QTest::addColumn<QByteArray>("method");

    auto row = [](const char *name, const QByteArray &head, bool keepAlive, bool http10, bool expects,
                   qint64 contentLength, const QByteArray &method = "GET") {
        QTest::newRow(name) << head << keepAlive << http10 << expects << contentLength << method;
    };
    row("http11-default", "GET / HTTP/1.1\r\nHost: gw\r\n\r\n", true, false, false, -1);
    row("http11-close", "GET / HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n", false, false, false, -1);
    row("http11-close-case", "GET / HTTP/1.1\r\nHost: gw\r\nconnection:  CLOSE \r\n\r\n", false, false, false,
        -1);
    row("http11-close-in-list", "GET / HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade, close\r\n\r\n", false,
        false, false, -1);
    row("http11-keep-alive-then-close", "GET / HTTP/1.1\r\nHost: gw\r\nConnection: keep-alive, close\r\n\r\n",
        false, false, false, -1);
    row("http11-other-token", "GET / HTTP/1.1\r\nHost: gw\r\nConnection: upgrade\r\n\r\n", true, false, false,
        -1);
    row("http10-default", "GET / HTTP/1.0\r\n\r\n", false, true, false, -1);
    row("http10-keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true, true, false, -1);
    // "close" wins over "keep-alive", wherever either appears
    row("http10-keep-alive-close-list", "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false,
        true, false, -1);
    row("http10-close-then-keep-alive",
        "GET / HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n", false, true, false, -1);
    row("expect-continue", "POST / HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        true, false, true, 5, "POST");
    row("expect-continue-case",
        "POST / HTTP/1.1\r\nHost: gw\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", true, false, true,
        1, "POST");
    row("expect-other", "POST / HTTP/1.1\r\nHost: gw\r\nExpect: something\r\nContent-Length: 1\r\n\r\n", true,
        false, false, 1, "POST");
    // RFC 9110 10.1.1: ignored in HTTP/1.0
    row("expect-continue-http10", "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
        false, true, false, 1, "POST");
    row("chunked-length",
        "POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n", true,
        false, true, -1, "POST");
    row("zero-length", "PUT / HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n", true, false, false, 0,
        "PUT");
    row("custom-method", "PROPFIND /x HTTP/1.1\r\nHost: gw\r\n\r\n", true, false, false, -1, "PROPFIND");
}

void tst_RequestFramer::flags()
{
    QFETCH(QByteArray, head);
    QFETCH(bool, keepAlive);
    QFETCH(bool, http10);
    QFETCH(bool, expectsContinue);
    QFETCH(qint64, contentLength);
    QFETCH(QByteArray, method);

    for (const QList<qsizetype> &plan : splitPlans(head.size())) {
        RequestFramer framer(testLimits());
        const Run run = feedPieces(framer, head, plan);
        QVERIFY2(run.status != Status::Error, qPrintable(run.errorMessage));
        QCOMPARE(run.consumed, head.size());
        QVERIFY(framer.headComplete());
        QCOMPARE(framer.keepAlive(), keepAlive);
        QCOMPARE(framer.isHttp10(), http10);
        QCOMPARE(framer.expectsContinue(), expectsContinue);
        QCOMPARE(framer.contentLength(), contentLength);
        QCOMPARE(framer.method().toByteArray(), method);
    }
}

void tst_RequestFramer::pipelinedRequestsAfterReset_data()
{
    QTest::addColumn<QList<QByteArray>>("requests");
    QTest::newRow("get-post-get") << QList<QByteArray> { kGet, kPost, kGet };
    QTest::newRow("chunked-then-lf-only")
        << QList<QByteArray> { kChunkedHead + "2;e\r\nab\r\n0\r\nT: 1\r\n\r\n",
               "GET / HTTP/1.1\nHost: gw\n\n", kPost };
    QTest::newRow("http10-then-http11") << QList<QByteArray> { "GET / HTTP/1.0\r\n\r\n", "\r\n" + kGet };
}

// A connection's driver feeds what arrived, resets after Complete and feeds the remainder: the
// requests must come out one by one with their exact boundaries, whatever the arrival pattern.
void tst_RequestFramer::pipelinedRequestsAfterReset()
{
    QFETCH(QList<QByteArray>, requests);
    const QByteArray stream = requests.join(QByteArray());
    for (qsizetype pieceSize : { stream.size(), qsizetype(1), qsizetype(2), qsizetype(7), qsizetype(64) }) {
        RequestFramer framer;
        QList<QByteArray> framed;
        QByteArray current;
        for (qsizetype at = 0; at < stream.size(); at += pieceSize) {
            QByteArrayView piece = QByteArrayView(stream).sliced(at, std::min(pieceSize, stream.size() - at));
            while (true) {
                const RequestFramer::Outcome outcome = framer.feed(piece);
                QVERIFY2(outcome.status != Status::Error, qPrintable(framer.errorMessage()));
                current += piece.first(outcome.consumed);
                if (outcome.status == Status::NeedMore)
                    break;
                framed.append(current);
                current.clear();
                framer.reset();
                piece = piece.sliced(outcome.consumed);
                if (piece.isEmpty())
                    break;
            }
        }
        QCOMPARE(framed, requests);
        QVERIFY(current.isEmpty());
        QVERIFY(!framer.started());
    }
}

void tst_RequestFramer::bodyLimitRefusedBeforeAnyBodyByte()
{
    RequestFramer framer(testLimits());
    const QByteArray head
        = "POST / HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 1000000\r\n\r\n";
    const RequestFramer::Outcome outcome = framer.feed(head);
    QCOMPARE(int(outcome.status), int(Status::Error));
    QCOMPARE(outcome.consumed, head.size());
    QCOMPARE(framer.errorStatus(), 413);
    QVERIFY2(framer.errorMessage().contains(QLatin1String("1000000")), qPrintable(framer.errorMessage()));
}

// A client streaming an endless head is cut off at the limit, not when it stops.
void tst_RequestFramer::headerLimitWhenTheHeadNeverEnds()
{
    RequestFramer framer(RequestFramer::Limits { 1024, kMaxBody });
    QCOMPARE(int(framer.feed("GET / HTTP/1.1\r\nHost: gw\r\nX-Pad: ").status), int(Status::NeedMore));
    const QByteArray piece(100, 'p');
    qint64 fed = 33;
    RequestFramer::Outcome outcome;
    for (int i = 0; i < 1000; ++i) {
        outcome = framer.feed(piece);
        fed += piece.size();
        if (outcome.status != Status::NeedMore)
            break;
    }
    QCOMPARE(int(outcome.status), int(Status::Error));
    QCOMPARE(framer.errorStatus(), 431);
    QCOMPARE(framer.errorCode(), QStringLiteral("headers_too_large"));
    QVERIFY2(fed <= 1024 + piece.size(), qPrintable(QString::number(fed)));
}

void tst_RequestFramer::completeIsStableUntilReset()
{
    RequestFramer framer;
    const QByteArray two = kGet + kGet;
    const RequestFramer::Outcome first = framer.feed(two);
    QCOMPARE(int(first.status), int(Status::Complete));
    QCOMPARE(first.consumed, kGet.size());
    // ConnectionGuard asks again with no data; more data is not taken either.
    for (const QByteArray &more : { QByteArray(), kGet }) {
        const RequestFramer::Outcome again = framer.feed(more);
        QCOMPARE(int(again.status), int(Status::Complete));
        QCOMPARE(again.consumed, qsizetype(0));
    }
}

void tst_RequestFramer::errorIsStickyUntilReset()
{
    RequestFramer framer;
    QCOMPARE(int(framer.feed("GET / HTTP/1.1\r\n\r\n").status), int(Status::Error));
    QCOMPARE(framer.errorStatus(), 400);
    const RequestFramer::Outcome again = framer.feed(kGet);
    QCOMPARE(int(again.status), int(Status::Error));
    QCOMPARE(again.consumed, qsizetype(0));

    framer.reset();
    QCOMPARE(framer.errorStatus(), 0);
    QVERIFY(framer.errorCode().isEmpty());
    QVERIFY(framer.errorMessage().isEmpty());
    QCOMPARE(int(framer.feed(kGet).status), int(Status::Complete));
}

void tst_RequestFramer::progressAccessors()
{
    RequestFramer framer;
    QVERIFY(!framer.started());
    QCOMPARE(int(framer.feed("\r\n").status), int(Status::NeedMore));
    QVERIFY(!framer.started()); // blank lines before a request are not a request
    QCOMPARE(int(framer.feed("POST / HTTP/1.1\r\n").status), int(Status::NeedMore));
    QVERIFY(framer.started());
    QVERIFY(!framer.headComplete());
    QCOMPARE(int(framer.feed("Host: gw\r\nContent-Length: 2\r\n\r\n").status), int(Status::NeedMore));
    QVERIFY(framer.headComplete());
    QCOMPARE(framer.contentLength(), qint64(2));
    QCOMPARE(int(framer.feed("ab").status), int(Status::Complete));
    framer.reset();
    QVERIFY(!framer.started());
    QVERIFY(!framer.headComplete());
    QCOMPARE(framer.contentLength(), qint64(-1));
    QVERIFY(framer.keepAlive());
}

// What ConnectionGuard's direct dispatch builds its HttpRequest from.
void tst_RequestFramer::headPartsKeptUntilReset()
{
    RequestFramer framer;
    const QByteArray request = "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: gw\r\nX-Request-ID:  abc \r\n"
                               "content-length: 2\r\nAuthorization: Bearer t\r\n\r\nab";
    QCOMPARE(int(framer.feed(request).status), int(Status::Complete));
    QCOMPARE(framer.method(), QByteArrayView("POST"));
    QCOMPARE(framer.target(), QByteArrayView("/v1/chat/completions?x=1"));
    const QList<std::pair<QByteArray, QByteArray>> expected{
        {"Host", "gw"}, {"X-Request-ID", "abc"}, {"content-length", "2"}, {"Authorization", "Bearer t"}};
    QCOMPARE(framer.headers(), expected);
    QVERIFY(!framer.isChunked());
    QVERIFY(!framer.wantsUpgrade());
    QCOMPARE(framer.takeHeaders(), expected);
    QVERIFY(framer.headers().isEmpty());
    framer.reset();
    QVERIFY(framer.target().isEmpty());

    QCOMPARE(int(framer.feed("GET /live HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n").status),
             int(Status::Complete));
    QVERIFY(framer.wantsUpgrade());
    QCOMPARE(framer.headers().size(), 3);
    framer.reset();
    QVERIFY(!framer.wantsUpgrade());
    QVERIFY(framer.headers().isEmpty());

    QCOMPARE(int(framer.feed("POST / HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").status),
             int(Status::Complete));
    QVERIFY(framer.isChunked());
    framer.reset();
    QVERIFY(!framer.isChunked());
}

QTEST_APPLESS_MAIN(tst_RequestFramer)
#include "tst_requestframer.moc"
