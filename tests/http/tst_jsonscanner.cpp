#include "jsonscanner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

#include <array>

using namespace airlock;

Q_DECLARE_METATYPE(airlock::JsonType)

class tst_JsonScanner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void valid_data();
    void valid();
    void members();
    void membersOfNonObjectRoot();
    void find_data();
    void find();
    void invalidJson_data();
    void invalidJson();
    void invalidUtf8_data();
    void invalidUtf8();
    void depthLimit_data();
    void depthLimit();
    void hugeNestingDoesNotRecurseUnbounded();
    void decode_data();
    void decode();
    void encode_data();
    void encode();
    void encodeDecodeRoundTrip_data();
    void encodeDecodeRoundTrip();
    void knownDifferencesFromQJsonDocument_data();
    void knownDifferencesFromQJsonDocument();
    void crossCheckWithQJsonDocument();
};

namespace {

QString describe(const Result<JsonScan> &scan)
{
    return scan ? QStringLiteral("valid") : scan.error().code + QStringLiteral(": ") + scan.error().message;
}

QByteArray nested(int depth, char open = '[', char close = ']')
{
    return QByteArray(depth, open) + QByteArray(depth, close);
}

// The byte offset an error message names ("... at byte N"), or -1.
qsizetype errorOffset(const QString &message)
{
    static const QRegularExpression re(QStringLiteral("at byte (\\d+)$"));
    const QRegularExpressionMatch m = re.match(message);
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

bool qtAccepts(const QByteArray &text, QJsonParseError *error = nullptr)
{
    QJsonParseError e;
    QJsonDocument::fromJson(text, &e);
    if (error)
        *error = e;
    return e.error == QJsonParseError::NoError;
}

} // namespace

void tst_JsonScanner::valid_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<JsonType>("rootType");

    auto row = [](const char *name, const QByteArray &text, JsonType type) {
        QTest::newRow(name) << text << type;
    };
    row("empty-object", "{}", JsonType::Object);
    row("empty-array", "[]", JsonType::Array);
    row("spaced-empties", "{ \t\r\n}", JsonType::Object);
    row("whitespace-everywhere", " \t\r\n{ \"a\" \n:\t[ 1 ,\r\n2 ] , \"b\" : { } }\n\t ", JsonType::Object);
    row("nesting", R"({"a":[{"b":[[],{}]},{"c":{"d":[1,[2,[3]]]}}]})", JsonType::Object);
    row("array-of-everything", R"([null,true,false,0,"s",[],{}])", JsonType::Array);
    row("top-level-string", R"("just a string")", JsonType::String);
    row("top-level-number", "42", JsonType::Number);
    row("top-level-true", "true", JsonType::Bool);
    row("top-level-false", " false ", JsonType::Bool);
    row("top-level-null", "null", JsonType::Null);
    row("numbers", "[0,-0,1,-1,10,1234567890,0.5,-0.5,10.25,1e5,1E5,1e+5,1e-5,-1.5E+10,0e0,0.0e-0]",
        JsonType::Array);
    row("huge-integer", "[123456789012345678901234567890123456789]", JsonType::Array);
    row("huge-exponent", "[1e999999]", JsonType::Array); // grammar only: the value is not interpreted
    row("escapes", R"(["\" \\ \/ \b \f \n \r \t"])", JsonType::Array);
    row("unicode-escapes", R"(["\u0000 \u00e9 \u00E9 \u20AC \uFFFF"])", JsonType::Array);
    row("surrogate-pair-escape", R"(["\ud83d\ude00"])", JsonType::Array);
    row("lone-surrogate-escape", R"(["\ud800", "\udc00"])", JsonType::Array); // grammatical, per RFC 8259 8.2
    row("raw-utf8", "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]", JsonType::Array);
    row("utf8-boundaries",
        "[\"\x7f\", \"\xc2\x80\", \"\xdf\xbf\", \"\xe0\xa0\x80\", \"\xed\x9f\xbf\", \"\xee\x80\x80\", "
        "\"\xef\xbf\xbf\", "
        "\"\xf0\x90\x80\x80\", \"\xf4\x8f\xbf\xbf\"]",
        JsonType::Array);
    row("utf8-key", "{\"cl\xc3\xa9\":1}", JsonType::Object);
    row("duplicate-keys", R"({"a":1,"a":2})", JsonType::Object);
    row("empty-key", R"({"":0})", JsonType::Object);
    row("depth-64", nested(64), JsonType::Array);
}

void tst_JsonScanner::valid()
{
    QFETCH(QByteArray, text);
    QFETCH(JsonType, rootType);
    const auto scan = scanJson(text);
    QVERIFY2(scan.ok(), qPrintable(describe(scan)));
    QCOMPARE(scan->rootType, rootType);
}

void tst_JsonScanner::members()
{
    const QByteArray text = R"( { "model" : "gpt-\"4\"",
        "messages":[{"role":"user","content":"hi"}], "stream":true, "n":-1.5e3,
        "stop":null, "opts":{"x":{}}, "echo":false, "k\u0065y":"v", "":"" } )";
    const auto scan = scanJson(text);
    QVERIFY2(scan.ok(), qPrintable(describe(scan)));
    QCOMPARE(scan->rootType, JsonType::Object);

    struct Expected {
        QByteArrayView rawKey;
        JsonType type;
        QByteArrayView value;
    };
    const Expected expected[] = {
        { "model", JsonType::String, R"("gpt-\"4\"")" },
        { "messages", JsonType::Array, R"([{"role":"user","content":"hi"}])" },
        { "stream", JsonType::Bool, "true" },
        { "n", JsonType::Number, "-1.5e3" },
        { "stop", JsonType::Null, "null" },
        { "opts", JsonType::Object, R"({"x":{}})" },
        { "echo", JsonType::Bool, "false" },
        { R"(k\u0065y)", JsonType::String, R"("v")" },
        { "", JsonType::String, R"("")" },
    };
    QCOMPARE(scan->members.size(), qsizetype(std::size(expected))); // nested members are not reported
    for (qsizetype i = 0; i < scan->members.size(); ++i) {
        const JsonMember &m = scan->members.at(i);
        QCOMPARE(m.rawKey.toByteArray(), expected[i].rawKey.toByteArray());
        QVERIFY(m.keyIs(expected[i].rawKey));
        QCOMPARE(m.type, expected[i].type);
        QVERIFY(m.valueBegin <= m.valueEnd && m.valueEnd <= text.size());
        QCOMPARE(text.mid(m.valueBegin, m.valueEnd - m.valueBegin), expected[i].value.toByteArray());
        // rawKey points into the scanned text, right after the opening quote
        QVERIFY(m.rawKey.data() > text.constData() && m.rawKey.data() + m.rawKey.size() < text.constEnd());
        QCOMPARE(*(m.rawKey.data() - 1), '"');
    }
    QCOMPARE(decodeJsonString(QByteArrayView(text).sliced(scan->members.at(0).valueBegin,
                 scan->members.at(0).valueEnd - scan->members.at(0).valueBegin)),
        QStringLiteral("gpt-\"4\""));
}

void tst_JsonScanner::membersOfNonObjectRoot()
{
    for (const QByteArray &text : { QByteArray(R"([{"a":1}])"), QByteArray(R"("a")"), QByteArray("1") }) {
        const auto scan = scanJson(text);
        QVERIFY(scan.ok());
        QVERIFY(scan->members.isEmpty());
        QVERIFY(!scan->find("a"));
    }
}

void tst_JsonScanner::find_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("firstIndex"); // index in members, -1 when absent

    auto row = [](const char *rowName, const QByteArray &text, const QByteArray &name, int count, int first) {
        QTest::newRow(rowName) << text << name << count << first;
    };
    row("single", R"({"a":1,"model":"x"})", "model", 1, 1);
    row("absent", R"({"a":1})", "model", 0, -1);
    row("empty-object", "{}", "model", 0, -1);
    row("nested-not-counted", R"({"a":{"model":1}})", "model", 0, -1);
    row("duplicate", R"({"model":"a","x":0,"model":"b"})", "model", 2, 0);
    row("triplicate", R"({"x":0,"model":1,"model":2,"model":3})", "model", 3, 1);
    row("escaped-key", R"({"mod\u0065l":"a"})", "model", 1, 0);
    row("escaped-duplicate", R"({"x":0,"m\u006fdel":"a","model":"b"})", "model", 2, 1);
    row("escaped-upper-hex", R"({"MOD\u0045L":1})", "MODEL", 1, 0);
    row("escaped-solidus", R"({"a\/b":1,"a/b":2})", "a/b", 2, 0);
    row("escaped-quote", R"({"a\"b":1})", "a\"b", 1, 0);
    row("backslash-is-not-the-name", R"({"m\\odel":1})", "model", 0, -1);
    row("backslash-key", R"({"m\\odel":1})", "m\\odel", 1, 0);
    row("case-sensitive", R"({"Model":1})", "model", 0, -1);
    row("prefix-is-not-a-match", R"({"models":1,"mode":2})", "model", 0, -1);
    row("non-ascii-raw", "{\"caf\xc3\xa9\":1}", "caf\xc3\xa9", 1, 0);
    // the UTF-8 name compares equal to the escaped key's decoded form
    row("non-ascii-escaped", "{\"caf\\u00e9\":1,\"caf\xc3\xa9\":2}", "caf\xc3\xa9", 2, 0);
    row("non-bmp-escaped", "{\"\\ud83d\\ude00\":1}", "\xf0\x9f\x98\x80", 1, 0);
    row("empty-name", R"({"":1,"a":2})", "", 1, 0);
    // U+FEFF is text inside a key (QString::fromUtf8 would drop it at the start of a run)
    row("leading-bom-raw", "{\"a\":1,\"\xef\xbb\xbf" "a\":2}", "\xef\xbb\xbf" "a", 1, 1);
    row("leading-bom-escaped", R"({"x":0,"\ufeffa":1})", "\xef\xbb\xbf" "a", 1, 1);
}

void tst_JsonScanner::find()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, name);
    QFETCH(int, count);
    QFETCH(int, firstIndex);

    const auto scan = scanJson(text);
    QVERIFY2(scan.ok(), qPrintable(describe(scan)));
    int n = -1;
    const JsonMember *found = scan->find(name, &n);
    QCOMPARE(n, count);
    if (firstIndex < 0) {
        QVERIFY(!found);
    } else {
        QVERIFY(found);
        QCOMPARE(found - scan->members.constData(), firstIndex);
    }
    QCOMPARE(scan->find(name), found); // count is optional
}

void tst_JsonScanner::invalidJson_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("offset"); // the byte the message must name
    QTest::addColumn<QString>("cause"); // part of the message

    auto row = [](const char *name, const QByteArray &text, int offset, const char *cause) {
        QTest::newRow(name) << text << offset << QString::fromLatin1(cause);
    };
    row("empty", "", 0, "empty");
    row("whitespace-only", " \r\n\t", 4, "empty");
    row("trailing-comma-array", "[1,]", 3, "unexpected character");
    row("trailing-comma-object", R"({"a":1,})", 7, "member name");
    row("leading-comma", "[,1]", 1, "unexpected character");
    row("double-comma", "[1,,2]", 3, "unexpected character");
    row("leading-zero", "[01]", 2, "expected ',' or ']'");
    row("leading-zeros", "[00]", 2, "expected ',' or ']'");
    row("negative-leading-zero", "[-01]", 3, "expected ',' or ']'");
    row("plus-sign", "[+1]", 1, "unexpected character");
    row("lone-minus", "[-]", 1, "unexpected character");
    row("minus-space", "[- 1]", 1, "unexpected character");
    row("fraction-without-digits", "[1.]", 3, "invalid number");
    row("fraction-then-exponent", "[1.e5]", 3, "invalid number");
    row("leading-dot", "[.5]", 1, "unexpected character");
    row("exponent-without-digits", "[1e]", 3, "invalid number");
    row("exponent-sign-only", "[1e+]", 4, "invalid number");
    row("hex-number", "[0x10]", 2, "expected ',' or ']'");
    row("nan", "[NaN]", 1, "unexpected character");
    row("infinity", "[-Infinity]", 1, "unexpected character");
    row("bare-word", "[hello]", 1, "unexpected character");
    row("truncated-true", "[tru]", 4, "invalid literal");
    row("true-at-end", "tru", 3, "invalid literal");
    row("capital-true", "[True]", 1, "unexpected character");
    row("nul-literal", "[nul]", 4, "invalid literal");
    row("literal-suffix", "[truex]", 5, "expected ',' or ']'");
    row("undefined", "undefined", 0, "unexpected character");
    row("single-quotes", "{'a':1}", 1, "member name");
    row("unquoted-key", "{a:1}", 1, "member name");
    row("number-key", "{1:1}", 1, "member name");
    row("missing-colon", R"({"a" 1})", 5, "expected ':'");
    row("missing-value", R"({"a":})", 5, "unexpected character");
    row("missing-comma-object", R"({"a":1 "b":2})", 7, "expected ',' or '}'");
    row("missing-comma-array", "[1 2]", 3, "expected ',' or ']'");
    row("unterminated-array", "[1", 2, "unterminated array");
    row("unterminated-array-comma", "[1,", 3, "unexpected end");
    row("unterminated-object", R"({"a":1)", 6, "unterminated object");
    row("unterminated-after-colon", R"({"a":)", 5, "unexpected end");
    row("unterminated-key", R"({"a)", 3, "unterminated string");
    row("unterminated-string", R"("abc)", 4, "unterminated string");
    row("unterminated-escape", R"("ab\)", 4, "unterminated string");
    row("open-bracket-only", "[", 1, "unexpected end");
    row("close-bracket-only", "]", 0, "unexpected character");
    row("extra-close", R"({"a":1}})", 7, "after the JSON value");
    row("two-values", "[1] [2]", 4, "after the JSON value");
    row("control-char", "[\"a\x01\"]", 3, "control character");
    row("raw-tab", "[\"a\tb\"]", 3, "control character");
    row("raw-newline", "[\"a\nb\"]", 3, "control character");
    row("raw-nul", QByteArray("[\"a\0b\"]", 6), 3, "control character");
    row("nul-after-value", QByteArray("[1]\0", 4), 3, "after the JSON value");
    row("bad-escape-x", R"(["\x41"])", 3, "invalid escape");
    row("bad-escape-quote", R"(["\'"])", 3, "invalid escape");
    row("bad-escape-U", R"(["\U0041"])", 3, "invalid escape");
    row("short-unicode-escape", R"(["\u12"])", 6, "invalid \\u escape");
    row("non-hex-unicode-escape", R"(["\u12G4"])", 6, "invalid \\u escape");
    row("unicode-escape-at-end", R"("\u00)", 5, "invalid \\u escape");
    row("bom", "\xef\xbb\xbf[1]", 0, "unexpected character");
    row("form-feed-is-not-space", "\f[1]", 0, "unexpected character");
    row("vertical-tab-is-not-space", "[\v1]", 1, "unexpected character");
    row("nbsp-is-not-space",
        "[\xc2\xa0"
        "1]",
        1, "unexpected character");
    // invalid UTF-8 outside a string is a grammar error first: no JSON token starts with a byte >= 0x80
    row("utf8-outside-string", "[\xff]", 1, "unexpected character");
    row("depth-65", nested(65), 64, "nesting too deep");
}

void tst_JsonScanner::invalidJson()
{
    QFETCH(QByteArray, text);
    QFETCH(int, offset);
    QFETCH(QString, cause);

    const auto scan = scanJson(text);
    QVERIFY2(!scan.ok(), "accepted");
    QCOMPARE(scan.error().code, QStringLiteral("invalid_json"));
    QVERIFY2(scan.error().message.contains(cause), qPrintable(scan.error().message));
    QCOMPARE(errorOffset(scan.error().message), qsizetype(offset));
}

void tst_JsonScanner::invalidUtf8_data()
{
    QTest::addColumn<QByteArray>("bytes"); // placed inside a string value, and inside a key
    QTest::addColumn<QString>("cause");

    auto row = [](const char *name, const QByteArray &bytes, const char *cause) {
        QTest::newRow(name) << bytes << QString::fromLatin1(cause);
    };
    row("overlong-nul-2", "\xc0\x80", "invalid UTF-8");
    row("overlong-2", "\xc1\xbf", "invalid UTF-8");
    row("overlong-3", "\xe0\x80\x80", "overlong");
    row("overlong-3-max", "\xe0\x9f\xbf", "overlong");
    row("overlong-4", "\xf0\x80\x80\x80", "overlong");
    row("overlong-4-max", "\xf0\x8f\xbf\xbf", "overlong");
    row("surrogate-high", "\xed\xa0\x80", "surrogate");
    row("surrogate-low", "\xed\xbf\xbf", "surrogate");
    row("surrogate-pair-encoded", "\xed\xa0\xbd\xed\xb8\x80", "surrogate"); // CESU-8
    row("above-10ffff", "\xf4\x90\x80\x80", "out of range");
    row("f5-lead", "\xf5\x80\x80\x80", "invalid UTF-8");
    row("f7-lead", "\xf7\xbf\xbf\xbf", "invalid UTF-8");
    row("five-byte", "\xf8\x88\x80\x80\x80", "invalid UTF-8");
    row("fe", "\xfe", "invalid UTF-8");
    row("ff", "\xff", "invalid UTF-8");
    row("lone-continuation", "\x80", "invalid UTF-8");
    row("lone-continuation-bf", "\xbf", "invalid UTF-8");
    row("continuation-after-complete", "\xc3\xa9\xa9", "invalid UTF-8");
    row("truncated-2-before-quote", "\xc3", "invalid UTF-8");
    row("truncated-3-before-quote", "\xe2\x82", "invalid UTF-8");
    row("truncated-4-before-quote", "\xf0\x9f\x98", "invalid UTF-8");
    row("missing-continuation",
        "\xc3"
        "A",
        "invalid UTF-8");
    row("ascii-in-4-byte",
        "\xf0\x9f"
        "A"
        "\x80",
        "invalid UTF-8");
}

void tst_JsonScanner::invalidUtf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, cause);

    const QByteArray inValue = "{\"model\":\"a" + bytes + "b\"}";
    const QByteArray inKey = "{\"a" + bytes + "\":1}";
    const QByteArray inNested = "[1,{\"x\":[\"" + bytes + "\"]}]";
    for (const QByteArray &text : { inValue, inKey, inNested }) {
        const auto scan = scanJson(text);
        QVERIFY2(!scan.ok(), text.toPercentEncoding().constData());
        QCOMPARE(scan.error().code, QStringLiteral("invalid_utf8"));
        QVERIFY2(scan.error().message.contains(cause), qPrintable(scan.error().message));
        QVERIFY(errorOffset(scan.error().message) >= 0);
        QVERIFY(!qtAccepts(text)); // QJsonDocument agrees on every one of them
    }
    // A sequence cut off by the end of the body (no closing quote at all).
    const QByteArray truncated = "[\"" + bytes.first(1);
    const auto scan = scanJson(truncated);
    QVERIFY(!scan.ok());
    QCOMPARE(scan.error().code, QStringLiteral("invalid_utf8"));
}

void tst_JsonScanner::depthLimit_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("maxDepth");
    QTest::addColumn<bool>("valid");

    QTest::newRow("arrays-64-of-64") << nested(64) << 64 << true;
    QTest::newRow("arrays-65-of-64") << nested(65) << 64 << false;
    QTest::newRow("arrays-3-of-3") << nested(3) << 3 << true;
    QTest::newRow("arrays-4-of-3") << nested(4) << 3 << false;
    QTest::newRow("objects-3-of-3") << QByteArray(R"({"a":{"b":{}}})") << 3 << true;
    QTest::newRow("objects-4-of-3") << QByteArray(R"({"a":{"b":{"c":{}}}})") << 3 << false;
    QTest::newRow("mixed-4-of-3") << QByteArray(R"({"a":[{"c":1}]})") << 2 << false;
    QTest::newRow("scalar-depth-0") << QByteArray("1") << 0 << true;
    QTest::newRow("container-depth-0") << QByteArray("[]") << 0 << false;
    QTest::newRow("wide-not-deep") << QByteArray("[" + QByteArray("[],").repeated(1000) + "[]]") << 2 << true;
}

void tst_JsonScanner::depthLimit()
{
    QFETCH(QByteArray, text);
    QFETCH(int, maxDepth);
    QFETCH(bool, valid);
    const auto scan = scanJson(text, maxDepth);
    QCOMPARE(scan.ok(), valid);
    if (!valid) {
        QCOMPARE(scan.error().code, QStringLiteral("invalid_json"));
        QVERIFY2(scan.error().message.contains(QLatin1String("nesting too deep")),
            qPrintable(scan.error().message));
    }
}

void tst_JsonScanner::hugeNestingDoesNotRecurseUnbounded()
{
    const QByteArray text = nested(1000000);
    const auto scan = scanJson(text);
    QVERIFY(!scan.ok());
    QCOMPARE(errorOffset(scan.error().message), qsizetype(64));
}

void tst_JsonScanner::decode_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("expected");

    QTest::newRow("empty") << QByteArray(R"("")") << QString::fromUtf8("");
    QTest::newRow("plain") << QByteArray(R"("hello")") << QStringLiteral("hello");
    QTest::newRow("simple-escapes") << QByteArray(R"("\"\\\/\b\f\n\r\t")")
                                    << QStringLiteral("\"\\/\b\f\n\r\t");
    QTest::newRow("escape-at-ends") << QByteArray(R"("\nmid\t")") << QStringLiteral("\nmid\t");
    QTest::newRow("unicode-escape") << QByteArray(R"("caf\u00e9 \u20AC")") << QString::fromUtf8("café €");
    QTest::newRow("nul-escape") << QByteArray(R"("a\u0000b")") << QStringView(u"a\0b", 3).toString();
    QTest::newRow("surrogate-pair") << QByteArray(R"("\ud83d\ude00!")") << QString::fromUtf8("😀!");
    QTest::newRow("raw-utf8") << QByteArray("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"")
                              << QString::fromUtf8("café 😀");
    QTest::newRow("raw-utf8-and-escapes")
        << QByteArray("\"\xc3\xa9\\n\xe2\x82\xac\"") << QString::fromUtf8("é\n€");
    QTest::newRow("leading-bom") << QByteArray("\"\xef\xbb\xbf" "a\"") << QStringView(u"\ufeffa").toString();
    QTest::newRow("bom-after-escape") << QByteArray("\"\\n\xef\xbb\xbf\"") << QStringView(u"\n\ufeff").toString();
    QTest::newRow("model-id") << QByteArray(R"("Qwen\/Qwen2.5-Coder-7B")")
                              << QStringLiteral("Qwen/Qwen2.5-Coder-7B");
}

void tst_JsonScanner::decode()
{
    QFETCH(QByteArray, token);
    QFETCH(QString, expected);
    const auto scan = scanJson(token);
    QVERIFY2(scan.ok(), qPrintable(describe(scan)));
    QCOMPARE(decodeJsonString(token), expected);
    // Qt 6.4's reader drops U+FEFF at the start of a string (its UTF-8 decoder takes it for a byte order
    // mark); RFC 8259 keeps it as a character, and so does Airlock.
    if (token.startsWith("\"\xef\xbb\xbf"))
        return;
    // same as Qt's reading of it
    const QJsonArray array = QJsonDocument::fromJson("[" + token + "]").array();
    QCOMPARE(array.size(), 1);
    QCOMPARE(array.at(0).toString(), expected);
}

void tst_JsonScanner::encode_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("empty") << QString() << QByteArray(R"("")");
    QTest::newRow("plain") << QStringLiteral("codestral-22b") << QByteArray(R"("codestral-22b")");
    QTest::newRow("quote-backslash") << QStringLiteral("a\"b\\c") << QByteArray(R"("a\"b\\c")");
    QTest::newRow("short-escapes") << QStringLiteral("\b\f\n\r\t") << QByteArray(R"("\b\f\n\r\t")");
    QTest::newRow("other-controls") << QStringView(u"\0\x01\x1f", 3).toString()
                                    << QByteArray(R"("\u0000\u0001\u001f")");
    QTest::newRow("slash-and-del-raw") << QStringLiteral("a/b\x7f") << QByteArray("\"a/b\x7f\"");
    QTest::newRow("non-ascii-raw") << QString::fromUtf8("é€😀")
                                   << QByteArray("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
}

void tst_JsonScanner::encode()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, expected);
    QCOMPARE(encodeJsonString(text), expected);
}

void tst_JsonScanner::encodeDecodeRoundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("identifier") << QStringLiteral("Qwen/Qwen2.5-Coder-7B");
    QTest::newRow("quotes") << QStringLiteral("\"\"\\\"");
    QTest::newRow("controls") << QStringView(u"\0\x01\b\t\n\v\f\r\x1b\x1f\x7f", 11).toString();
    QTest::newRow("line-separators") << QString::fromUtf8("a\u2028b\u2029c");
    QTest::newRow("non-bmp") << QString::fromUtf8("😀𝄞");
    QTest::newRow("korean") << QString::fromUtf8("모델 이름");
    QString all;
    for (char16_t c = 1; c < 0x800; ++c)
        all += QChar(c);
    QTest::newRow("first-2k-code-points") << all;
}

void tst_JsonScanner::encodeDecodeRoundTrip()
{
    QFETCH(QString, text);
    const QByteArray token = encodeJsonString(text);
    const auto scan = scanJson(token);
    QVERIFY2(scan.ok(), qPrintable(describe(scan)));
    QCOMPARE(scan->rootType, JsonType::String);
    QCOMPARE(decodeJsonString(token), text);
    QCOMPARE(QJsonDocument::fromJson("[" + token + "]").array().at(0).toString(), text);
    // and as an object key, found by its UTF-8 form
    const QByteArray objectText = "{" + token + ":1}";
    const auto object = scanJson(objectText); // members point into objectText
    QVERIFY(object.ok());
    int count = 0;
    QVERIFY(object->find(text.toUtf8(), &count));
    QCOMPARE(count, 1);
}

// Where QJsonDocument (Qt 6.4) and the scanner deliberately disagree. The scanner follows RFC 8259;
// QJsonDocument is laxer in some places and stricter in others. If Qt changes, a row here fails and
// the cross-check's exception list must follow.
void tst_JsonScanner::knownDifferencesFromQJsonDocument_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("scannerAccepts");

    // Qt stricter: top-level scalars (RFC 8259 allows them; Qt 6.4 wants an array or object).
    QTest::newRow("top-level-number") << QByteArray("1") << true;
    QTest::newRow("top-level-string") << QByteArray(R"("a")") << true;
    // Qt stricter: numbers a double cannot hold (the grammar allows them).
    QTest::newRow("number-out-of-range") << QByteArray("[1e400]") << true;
    // Qt laxer: fraction or integer part without digits.
    QTest::newRow("trailing-dot") << QByteArray("[1.]") << false;
    QTest::newRow("leading-dot") << QByteArray("[.5]") << false;
    // Qt laxer: unknown escapes pass through.
    QTest::newRow("unknown-escape") << QByteArray(R"(["\x"])") << false;
    // Qt laxer: raw control characters inside strings.
    QTest::newRow("raw-tab-in-string") << QByteArray("[\"\t\"]") << false;
    QTest::newRow("raw-control-in-string") << QByteArray("[\"\x01\"]") << false;
    // Qt laxer: a UTF-8 byte order mark.
    QTest::newRow("bom") << QByteArray("\xef\xbb\xbf[1]") << false;
}

void tst_JsonScanner::knownDifferencesFromQJsonDocument()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, scannerAccepts);
    QCOMPARE(scanJson(text).ok(), scannerAccepts);
    QCOMPARE(qtAccepts(text), !scannerAccepts);
}

namespace {

class JsonGenerator {
public:
    explicit JsonGenerator(quint32 seed) : m_random(seed) { }

    QByteArray document()
    {
        QByteArray out;
        if (m_random.bounded(2))
            object(&out, 0);
        else
            array(&out, 0);
        return out;
    }

    // 0-3 random edits with JSON-ish bytes.
    QByteArray mutate(QByteArray text)
    {
        static const QByteArray alphabet = "[]{},:\"0019-+eE.truefalsn\\u \t\n";
        const int edits = int(m_random.bounded(4));
        for (int i = 0; i < edits && !text.isEmpty(); ++i) {
            const qsizetype at = m_random.bounded(int(text.size()));
            const char c = alphabet.at(m_random.bounded(int(alphabet.size())));
            switch (m_random.bounded(5)) {
            case 0:
                text.remove(at, 1);
                break;
            case 1:
                text.insert(at, c);
                break;
            case 2:
                text[at] = c;
                break;
            case 3:
                text.truncate(at);
                break;
            default: {
                const int length = m_random.bounded(int(std::min<qsizetype>(8, text.size() - at))) + 1;
                text.insert(m_random.bounded(int(text.size())), text.mid(at, length));
            }
            }
        }
        return text;
    }

private:
    void value(QByteArray *out, int depth)
    {
        switch (m_random.bounded(depth >= 5 ? 4 : 6)) {
        case 0:
            string(out);
            break;
        case 1:
            number(out);
            break;
        case 2:
            *out += std::array { "true", "false", "null" }[m_random.bounded(3)];
            break;
        case 3:
            string(out);
            break;
        case 4:
            object(out, depth + 1);
            break;
        default:
            array(out, depth + 1);
            break;
        }
    }
    void space(QByteArray *out)
    {
        if (m_random.bounded(4) == 0)
            *out += std::array { " ", "\n", "\t ", "\r\n  " }[m_random.bounded(4)];
    }
    void object(QByteArray *out, int depth)
    {
        *out += '{';
        const int n = int(m_random.bounded(4));
        for (int i = 0; i < n; ++i) {
            if (i)
                *out += ',';
            space(out);
            string(out);
            space(out);
            *out += ':';
            space(out);
            value(out, depth);
            space(out);
        }
        *out += '}';
    }
    void array(QByteArray *out, int depth)
    {
        *out += '[';
        const int n = int(m_random.bounded(4));
        for (int i = 0; i < n; ++i) {
            if (i)
                *out += ',';
            space(out);
            value(out, depth);
            space(out);
        }
        *out += ']';
    }
    void string(QByteArray *out)
    {
        static const char *const pieces[] = { "a", "model", " ", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9",
            "\\ud83d\\ude00", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\\u0000", "\\t", "z9" };
        *out += '"';
        const int n = int(m_random.bounded(4));
        for (int i = 0; i < n; ++i)
            *out += pieces[m_random.bounded(int(std::size(pieces)))];
        *out += '"';
    }
    void number(QByteArray *out)
    {
        static const char *const forms[]
            = { "0", "-0", "7", "-12", "1234567", "0.5", "-3.25", "1e5", "2E-3", "6.02e+23", "-0.0e0" };
        *out += forms[m_random.bounded(int(std::size(forms)))];
    }

    QRandomGenerator m_random;
};

// Why the two parsers may disagree on `text` (see knownDifferencesFromQJsonDocument), or empty.
QString knownDifference(const QByteArray &text, const Result<JsonScan> &scan, const QJsonParseError &qt)
{
    if (scan.ok()) {
        if (scan->rootType != JsonType::Array && scan->rootType != JsonType::Object)
            return QStringLiteral("top-level scalar");
        static const QRegularExpression bigExponent(QStringLiteral("[eE][+-]?0*[1-9][0-9]{2,}"));
        if (qt.error == QJsonParseError::IllegalNumber
            && bigExponent.match(QString::fromLatin1(text)).hasMatch())
            return QStringLiteral("number out of double range");
        return {};
    }
    const QString &message = scan.error().message;
    if (message.startsWith(QLatin1String("invalid escape")))
        return QStringLiteral("unknown escape");
    if (message.startsWith(QLatin1String("control character")))
        return QStringLiteral("raw control character");
    if (message.startsWith(QLatin1String("invalid number"))
        || message.startsWith(QLatin1String("unexpected character"))) {
        const qsizetype at = errorOffset(message);
        for (qsizetype i = std::max<qsizetype>(at - 1, 0); i <= at + 1 && i < text.size(); ++i) {
            if (text.at(i) == '.')
                return QStringLiteral("number without digits around '.'");
        }
    }
    return {};
}

} // namespace

// Generated documents, valid and mutated: QJsonDocument and the scanner must agree on validity except
// where knownDifference() explains it. Deterministic (fixed seed), so a failure reproduces.
void tst_JsonScanner::crossCheckWithQJsonDocument()
{
    JsonGenerator generator(20240611);
    int valid = 0;
    int invalid = 0;
    int explained = 0;
    for (int i = 0; i < 30000; ++i) {
        const QByteArray original = generator.document();
        const QByteArray text = i % 4 == 0 ? original : generator.mutate(original);
        const auto scan = scanJson(text, 1000);
        QJsonParseError qt;
        const bool qtValid = qtAccepts(text, &qt);
        if (scan.ok() == qtValid) {
            (qtValid ? valid : invalid) += 1;
        } else {
            const QString why = knownDifference(text, scan, qt);
            QVERIFY2(!why.isEmpty(),
                qPrintable(QStringLiteral("disagreement on %1: scanner %2, Qt %3")
                               .arg(QString::fromLatin1(text.toPercentEncoding("[]{}\":,\\ +-.")),
                                   describe(scan), qt.errorString())));
            ++explained;
        }
        if (scan.ok() && i % 4 == 0) {
            // the generator's own output is valid, and member spans are values Qt reads back the same
            QVERIFY(qtValid);
            if (scan->rootType == JsonType::Object) {
                const QJsonObject object = QJsonDocument::fromJson(text).object();
                for (const JsonMember &m : scan->members) {
                    const QByteArray span = text.mid(m.valueBegin, m.valueEnd - m.valueBegin);
                    const QJsonArray wrapped = QJsonDocument::fromJson("[" + span + "]").array();
                    QCOMPARE(wrapped.size(), 1);
                    if (m.type == JsonType::String)
                        QCOMPARE(decodeJsonString(span), wrapped.at(0).toString());
                }
                Q_UNUSED(object);
            }
        } else if (i % 4 == 0) {
            QFAIL(qPrintable(QStringLiteral("generated document refused: ") + describe(scan)));
        }
    }
    qInfo("cross-check: %d agreed valid, %d agreed invalid, %d explained differences", valid, invalid,
        explained);
    QVERIFY(valid > 5000);
    QVERIFY(invalid > 5000);
}

QTEST_APPLESS_MAIN(tst_JsonScanner)
#include "tst_jsonscanner.moc"
