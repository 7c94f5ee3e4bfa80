// The upstream response parser: every framing, every split of the bytes, and the malformed inputs a
// remote server could send.

#include "upstream/httpresponseparser.h"

#include <QtTest>

using airlock::upstream::HttpResponseParser;
using Event = HttpResponseParser::Event;

namespace {

struct Outcome
{
    int heads = 0;
    int status = 0;
    QByteArray reason;
    QByteArray contentType;
    QByteArray body;
    bool complete = false;
    bool error = false;
    bool keepAlive = false;
    QByteArray leftover; // bytes after a complete response
    QString errorString;
};

// Feeds `input` in pieces of the given sizes (the last piece takes the rest), then calls finish()
// if `closeAtEnd`.
Outcome feed(const QByteArray &input, const QList<qsizetype> &pieces, bool headRequest, bool closeAtEnd)
{
    HttpResponseParser parser;
    parser.reset(headRequest);
    Outcome out;
    qsizetype pos = 0;
    auto handle = [&](Event event) {
        switch (event) {
        case Event::Head:
            ++out.heads;
            out.status = parser.head().status;
            out.reason = parser.head().reason;
            out.contentType = parser.head().header("content-type");
            break;
        case Event::Body:
            out.body += parser.body();
            break;
        case Event::Complete:
            out.complete = true;
            out.keepAlive = parser.keepAlive();
            break;
        case Event::Error:
            out.error = true;
            out.errorString = parser.errorString();
            break;
        case Event::NeedMore:
            break;
        }
    };
    for (int i = 0; pos < input.size() && !out.complete && !out.error; ++i) {
        const qsizetype n = i < pieces.size() ? std::min(pieces[i], input.size() - pos) : input.size() - pos;
        // A copy, so that a view the parser keeps past its feed would show up under ASan.
        const QByteArray piece = input.mid(pos, n);
        QByteArrayView view(piece);
        pos += n;
        for (;;) {
            const Event event = parser.next(view);
            handle(event);
            if (event == Event::NeedMore || event == Event::Complete || event == Event::Error)
                break;
        }
        if (out.complete)
            out.leftover = view.toByteArray() + input.mid(pos);
    }
    if (!out.complete && !out.error && closeAtEnd)
        handle(parser.finish());
    return out;
}

QList<QList<qsizetype>> splitStrategies(qsizetype size)
{
    QList<QList<qsizetype>> strategies;
    strategies.append(QList<qsizetype>{size});   // all at once
    strategies.append(QList<qsizetype>(size, 1)); // byte by byte
    strategies.append(QList<qsizetype>(size / 3 + 1, 3));
    strategies.append(QList<qsizetype>(size / 7 + 1, 7));
    for (qsizetype cut = 1; cut < size; ++cut) // every split into two pieces
        strategies.append(QList<qsizetype>{cut, size - cut});
    return strategies;
}

const QByteArray sse = "data: {\"a\":1}\n\ndata: [DONE]\n\n";

} // namespace

class tst_HttpResponseParser : public QObject
{
    Q_OBJECT

private slots:
    void framing_data();
    void framing();
    void malformed_data();
    void malformed();
    void oversizedHeaderBlock();
    void headerBlockJustUnderLimit();
    void tooManyHeaderFields();
    void oversizedTrailers();
    void interimResponsesAreBounded();
    void twoResponsesOnOneConnection();
    void bodyViewsPointIntoInput();
    void hugeChunkSizeIsRejected();
};

void tst_HttpResponseParser::framing_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("headRequest");
    QTest::addColumn<bool>("closeAtEnd");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<QByteArray>("leftover");

    QTest::newRow("content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
        << false << false << 200 << QByteArray("{\"ok\":true}") << true << QByteArray();
    QTest::newRow("content-length zero")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << false << false << 200 << QByteArray()
        << true << QByteArray();
    QTest::newRow("duplicate identical content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc") << false << false
        << 200 << QByteArray("abc") << true << QByteArray();
    QTest::newRow("content-length list of identical values")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc") << false << false << 200
        << QByteArray("abc") << true << QByteArray();
    QTest::newRow("chunked sse")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "f\r\ndata: {\"a\":1}\n\n\r\n"
                      "e\r\ndata: [DONE]\n\n\r\n"
                      "0\r\n\r\n")
        << false << false << 200 << sse << true << QByteArray();
    QTest::newRow("chunked with extensions and trailers")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;name=value;flag\r\nhello\r\n"
                      "1 ; x=\"y\"\r\n \r\n"
                      "5\r\nworld\r\n"
                      "0;last\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n")
        << false << false << 200 << QByteArray("hello world") << true << QByteArray();
    QTest::newRow("chunked upper-case hex and leading zeros")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n000A\r\n0123456789\r\n00\r\n\r\n")
        << false << false << 200 << QByteArray("0123456789") << true << QByteArray();
    QTest::newRow("chunked with bare LF line ends")
        << QByteArray("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n") << false << false << 200
        << QByteArray("abc") << true << QByteArray();
    QTest::newRow("close-delimited")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end") << false << true << 200
        << QByteArray("until the end") << false << QByteArray();
    QTest::newRow("close-delimited empty")
        << QByteArray("HTTP/1.1 200 OK\r\n\r\n") << false << true << 200 << QByteArray() << false << QByteArray();
    QTest::newRow("transfer-encoding not chunked reads until close")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz") << false << true << 200
        << QByteArray("xyz") << false << QByteArray();
    QTest::newRow("head request ignores content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n") << true << false << 200 << QByteArray()
        << true << QByteArray();
    QTest::newRow("204 has no body")
        << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << false << false << 204 << QByteArray() << true
        << QByteArray();
    QTest::newRow("304 has no body despite content-length")
        << QByteArray("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n") << false << false << 304
        << QByteArray() << true << QByteArray();
    QTest::newRow("100 continue skipped")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") << false
        << false << 200 << QByteArray("ok") << true << QByteArray();
    QTest::newRow("103 early hints with headers skipped")
        << QByteArray("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
                      "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        << false << false << 201 << QByteArray() << true << QByteArray();
    QTest::newRow("connection close")
        << QByteArray("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok") << false
        << false << 200 << QByteArray("ok") << false << QByteArray();
    QTest::newRow("http/1.0 not persistent")
        << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") << false << false << 200
        << QByteArray("ok") << false << QByteArray();
    QTest::newRow("http/1.0 keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok") << false
        << false << 200 << QByteArray("ok") << true << QByteArray();
    QTest::newRow("error status with body")
        << QByteArray("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy") << false << false
        << 503 << QByteArray("busy") << true << QByteArray();
    QTest::newRow("status without reason")
        << QByteArray("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n") << false << false << 200 << QByteArray()
        << true << QByteArray();
    QTest::newRow("header value OWS trimmed, empty value")
        << QByteArray("HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length:\t 1 \t\r\n\r\nz") << false << false << 200
        << QByteArray("z") << true << QByteArray();
    QTest::newRow("bytes after a complete response are left over")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA") << false << false << 200
        << QByteArray("ok") << true << QByteArray("EXTRA");
}

void tst_HttpResponseParser::framing()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, headRequest);
    QFETCH(bool, closeAtEnd);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(bool, keepAlive);
    QFETCH(QByteArray, leftover);

    const auto strategies = splitStrategies(input.size());
    for (const auto &pieces : strategies) {
        const Outcome out = feed(input, pieces, headRequest, closeAtEnd);
        const QString where = QStringLiteral("first piece %1 of %2 pieces: %3")
                                  .arg(pieces.value(0))
                                  .arg(pieces.size())
                                  .arg(out.errorString);
        QVERIFY2(!out.error, qPrintable(where));
        QVERIFY2(out.complete, qPrintable(where));
        QCOMPARE(out.heads, 1);
        QCOMPARE(out.status, status);
        QCOMPARE(out.body, body);
        QCOMPARE(out.keepAlive, keepAlive);
        QCOMPARE(out.leftover, leftover);
    }
    // Reason phrase and header lookup (case-insensitive) on one representative row.
    if (QByteArray(QTest::currentDataTag()) == "content-length") {
        const Outcome out = feed(input, {input.size()}, false, false);
        QCOMPARE(out.reason, QByteArray("OK"));
        QCOMPARE(out.contentType, QByteArray("application/json"));
    }
}

void tst_HttpResponseParser::malformed_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("closeAtEnd");

    QTest::newRow("not http") << QByteArray("SSH-2.0-OpenSSH_9.2\r\n\r\n") << false;
    QTest::newRow("http/2 status line") << QByteArray("HTTP/2 200 OK\r\n\r\n") << false;
    QTest::newRow("http/1.2") << QByteArray("HTTP/1.2 200 OK\r\n\r\n") << false;
    QTest::newRow("lower-case protocol") << QByteArray("http/1.1 200 OK\r\n\r\n") << false;
    QTest::newRow("two-digit status") << QByteArray("HTTP/1.1 20 OK\r\n\r\n") << false;
    QTest::newRow("non-digit status") << QByteArray("HTTP/1.1 2x0 OK\r\n\r\n") << false;
    QTest::newRow("status out of range") << QByteArray("HTTP/1.1 600 Nope\r\n\r\n") << false;
    QTest::newRow("four-digit status") << QByteArray("HTTP/1.1 2000 OK\r\n\r\n") << false;
    QTest::newRow("empty status line") << QByteArray("\r\nHTTP/1.1 200 OK\r\n\r\n") << false;
    QTest::newRow("control char in reason") << QByteArray("HTTP/1.1 200 O\x01K\r\n\r\n") << false;
    QTest::newRow("bare CR in header") << QByteArray("HTTP/1.1 200 OK\r\nX-A: b\rc\r\n\r\n") << false;
    QTest::newRow("NUL in header value") << QByteArray("HTTP/1.1 200 OK\r\nX-A: b\0c\r\n\r\n", 30) << false;
    QTest::newRow("header without colon") << QByteArray("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n") << false;
    QTest::newRow("space before colon") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx") << false;
    QTest::newRow("empty header name") << QByteArray("HTTP/1.1 200 OK\r\n: value\r\n\r\n") << false;
    QTest::newRow("obs-fold") << QByteArray("HTTP/1.1 200 OK\r\nX-A: b\r\n  c\r\n\r\n") << false;
    QTest::newRow("negative content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") << false;
    QTest::newRow("non-numeric content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n") << false;
    QTest::newRow("empty content-length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n") << false;
    QTest::newRow("plus-signed content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nabcde") << false;
    QTest::newRow("overflowing content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n") << false;
    QTest::newRow("conflicting duplicate content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd") << false;
    QTest::newRow("conflicting content-length list")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd") << false;
    QTest::newRow("content-length with transfer-encoding")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        << false;
    QTest::newRow("chunked not last")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") << false;
    QTest::newRow("chunked twice")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") << false;
    QTest::newRow("bad chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n") << false;
    QTest::newRow("empty chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n") << false;
    QTest::newRow("negative chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n") << false;
    QTest::newRow("0x prefixed chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n") << false;
    QTest::newRow("junk after chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n") << false;
    QTest::newRow("chunk longer than its size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n") << false;
    QTest::newRow("chunk-size line too long")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;" + QByteArray(5000, 'x')
                      + "\r\nabc\r\n0\r\n\r\n")
        << false;
    QTest::newRow("bad trailer")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nnot a trailer\r\n\r\n")
        << false;
    QTest::newRow("101 switching protocols")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n") << false;
    // Truncations: the server closed before the framing said the response ends.
    QTest::newRow("closed before any byte") << QByteArray() << true;
    QTest::newRow("closed in status line") << QByteArray("HTTP/1.1 20") << true;
    QTest::newRow("closed in headers") << QByteArray("HTTP/1.1 200 OK\r\nContent-Le") << true;
    QTest::newRow("closed in content-length body")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") << true;
    QTest::newRow("closed in chunk")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab") << true;
    QTest::newRow("closed before last chunk")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n") << true;
    QTest::newRow("closed in trailers")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n") << true;
}

void tst_HttpResponseParser::malformed()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, closeAtEnd);
    const auto strategies = splitStrategies(input.size());
    for (const auto &pieces : strategies) {
        const Outcome out = feed(input, pieces, false, closeAtEnd);
        QVERIFY2(out.error, qPrintable(QStringLiteral("accepted with pieces of %1").arg(pieces.value(0))));
        QVERIFY(!out.complete);
        QVERIFY(!out.errorString.isEmpty());
    }
}

void tst_HttpResponseParser::oversizedHeaderBlock()
{
    // A server streaming an endless header block must be cut off at 64 KiB, whatever the split.
    QByteArray input = "HTTP/1.1 200 OK\r\n";
    while (input.size() <= HttpResponseParser::MaxHeaderBytes)
        input += "X-Filler: " + QByteArray(2000, 'a') + "\r\n"; // few lines: the byte limit hits first
    for (const qsizetype piece : {qsizetype(1), qsizetype(13), qsizetype(4096), input.size()}) {
        HttpResponseParser parser;
        QByteArrayView view(input);
        Event event = Event::NeedMore;
        qsizetype fed = 0;
        while (fed < input.size() && event == Event::NeedMore) {
            QByteArrayView part = view.sliced(fed, std::min(piece, input.size() - fed));
            fed += part.size();
            event = parser.next(part);
        }
        QCOMPARE(event, Event::Error);
        QCOMPARE(parser.errorString(), QStringLiteral("response header block too large"));
        QVERIFY(fed <= HttpResponseParser::MaxHeaderBytes + piece);
    }
    // One single header line longer than the limit, without a newline.
    HttpResponseParser parser;
    const QByteArray longLine = "HTTP/1.1 200 OK\r\nX-Long: " + QByteArray(70 * 1024, 'b');
    QByteArrayView view(longLine);
    QCOMPARE(parser.next(view), Event::Error);
}

void tst_HttpResponseParser::headerBlockJustUnderLimit()
{
    QByteArray head = "HTTP/1.1 200 OK\r\n";
    const QByteArray tail = "Content-Length: 0\r\n\r\n";
    while (head.size() + tail.size() + 1000 < HttpResponseParser::MaxHeaderBytes)
        head += "X-F: " + QByteArray(400, 'c') + "\r\n";
    head += "X-Last: " + QByteArray(HttpResponseParser::MaxHeaderBytes - head.size() - tail.size() - 10, 'd')
        + "\r\n";
    head += tail;
    QCOMPARE(head.size(), HttpResponseParser::MaxHeaderBytes);
    const Outcome out = feed(head, {head.size()}, false, false);
    QVERIFY2(out.complete, qPrintable(out.errorString));
    const QByteArray over = QByteArray("HTTP/1.1 200 OK\r\nX: y\r\n") + head.sliced(17);
    const Outcome overBy1 = feed(over, {over.size()}, false, false);
    QVERIFY(overBy1.error);
}

void tst_HttpResponseParser::tooManyHeaderFields()
{
    QByteArray input = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i <= HttpResponseParser::MaxHeaderCount; ++i)
        input += "X: y\r\n";
    input += "Content-Length: 0\r\n\r\n";
    const Outcome out = feed(input, {input.size()}, false, false);
    QVERIFY(out.error);
    QCOMPARE(out.errorString, QStringLiteral("too many header fields"));
}

void tst_HttpResponseParser::oversizedTrailers()
{
    QByteArray input = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
    for (int i = 0; i < 1000; ++i)
        input += "X-T: " + QByteArray(100, 'e') + "\r\n";
    input += "\r\n";
    QVERIFY(feed(input, {input.size()}, false, false).error);
}

void tst_HttpResponseParser::interimResponsesAreBounded()
{
    QByteArray input;
    for (int i = 0; i < 100; ++i)
        input += "HTTP/1.1 100 Continue\r\n\r\n";
    input += "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    QVERIFY(feed(input, {input.size()}, false, false).error);
}

void tst_HttpResponseParser::twoResponsesOnOneConnection()
{
    // The client resets the parser between exchanges on a kept-alive connection; state must not leak
    // from one response (chunked, header list, partial line) into the next.
    HttpResponseParser parser;
    const QByteArray first = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    const QByteArray second = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope";
    for (const QByteArray &input : {first, second}) {
        parser.reset();
        QByteArray body;
        // Byte by byte, so the split-line buffer is used.
        for (qsizetype i = 0; i < input.size(); ++i) {
            QByteArrayView view = QByteArrayView(input).sliced(i, 1);
            Event event;
            while ((event = parser.next(view)) == Event::Body || event == Event::Head) {
                if (event == Event::Body)
                    body += parser.body();
            }
            QVERIFY(event != Event::Error);
        }
        QVERIFY(parser.isComplete());
        QVERIFY(parser.keepAlive());
        QCOMPARE(body, input == first ? QByteArray("abc") : QByteArray("nope"));
        QCOMPARE(parser.head().headers.size(), input == first ? 2 : 1);
    }
    QCOMPARE(parser.head().status, 404);
}

void tst_HttpResponseParser::bodyViewsPointIntoInput()
{
    // Body bytes are handed out without copying: the view lies inside the caller's buffer.
    const QByteArray input = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    HttpResponseParser parser;
    QByteArrayView view(input);
    QCOMPARE(parser.next(view), Event::Head);
    QCOMPARE(parser.next(view), Event::Body);
    QCOMPARE(parser.body().data(), input.constData() + input.indexOf("hello"));
    QCOMPARE(parser.next(view), Event::Complete);
    QVERIFY(view.isEmpty());
}

void tst_HttpResponseParser::hugeChunkSizeIsRejected()
{
    const QByteArray input = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n";
    const Outcome out = feed(input, {input.size()}, false, false);
    QVERIFY(out.error);
    // 2^60 - 1 is still a syntactically fine size (the body just never ends here).
    const QByteArray big = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nabc";
    const Outcome ok = feed(big, {big.size()}, false, false);
    QVERIFY(!ok.error);
    QCOMPARE(ok.body, QByteArray("abc"));
}

QTEST_GUILESS_MAIN(tst_HttpResponseParser)
#include "tst_httpresponseparser.moc"
