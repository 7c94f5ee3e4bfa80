// libFuzzer target for the JSON scanner: any request body.
//
// Invariants: no crash or UB (including stack depth); invalid_utf8 exactly when a refusal is due to
// bytes that are not UTF-8; an accepted document is valid UTF-8; member spans lie inside the text and
// re-scan alone as a value of the reported type; string values and keys decode, re-encode and decode
// to the same text; find() finds every key; a smaller depth limit never accepts more.

#include "jsonscanner.h"

#include <QString>
#include <QStringDecoder>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace airlock;

namespace {

[[noreturn]] void violated(const char *what)
{
    std::fprintf(stderr, "fuzz_jsonscanner: invariant violated: %s\n", what);
    std::abort();
}

void check(bool condition, const char *what)
{
    if (!condition)
        violated(what);
}

bool isValidUtf8(QByteArrayView text)
{
    // The decoder replaces what is not UTF-8 (overlong forms, surrogates, > U+10FFFF, truncation), so only
    // valid input survives the round trip byte for byte (a leading BOM is kept, not skipped).
    QStringDecoder decoder(QStringDecoder::Utf8,
                           QStringConverter::Flag::Stateless | QStringConverter::Flag::ConvertInitialBom);
    return QString(decoder.decode(text)).toUtf8() == text;
}

JsonType typeOfFirstByte(char c)
{
    switch (c) {
    case '{':
        return JsonType::Object;
    case '[':
        return JsonType::Array;
    case '"':
        return JsonType::String;
    case 't':
    case 'f':
        return JsonType::Bool;
    case 'n':
        return JsonType::Null;
    default:
        return JsonType::Number;
    }
}

void checkStringToken(QByteArrayView token)
{
    check(token.size() >= 2 && token.front() == '"' && token.back() == '"', "string token has quotes");
    const QString decoded = decodeJsonString(token);
    // Lone surrogates (legal as \uD800 escapes) cannot survive UTF-8; everything else must round-trip.
    if (!decoded.isValidUtf16())
        return;
    const QByteArray encoded = encodeJsonString(decoded);
    const auto rescan = scanJson(encoded);
    check(rescan.ok() && rescan->rootType == JsonType::String, "encoded string scans as a string");
    check(decodeJsonString(encoded) == decoded, "decode(encode(decode(token))) == decode(token)");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView text(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto scan = scanJson(text);
    const bool validUtf8 = isValidUtf8(text);

    if (!scan) {
        const QString &code = scan.error().code;
        check(code == QLatin1String("invalid_json") || code == QLatin1String("invalid_utf8"),
            "known error code");
        check(!scan.error().message.isEmpty(), "error message");
        if (code == QLatin1String("invalid_utf8"))
            check(!validUtf8, "invalid_utf8 only for text that is not UTF-8");
        return 0;
    }

    check(validUtf8, "an accepted document is valid UTF-8");
    qsizetype first = 0;
    while (first < text.size()
        && (text[first] == ' ' || text[first] == '\t' || text[first] == '\n' || text[first] == '\r'))
        ++first;
    check(first < text.size(), "an accepted document is not blank");
    check(scan->rootType == typeOfFirstByte(text[first]), "root type matches the first byte");
    if (scan->rootType != JsonType::Object)
        check(scan->members.isEmpty(), "members only for an object root");
    if (scan->rootType == JsonType::String)
        checkStringToken(text.sliced(first, text.size() - first).trimmed());

    qsizetype previousEnd = first;
    for (const JsonMember &m : scan->members) {
        check(m.valueBegin > previousEnd && m.valueBegin < m.valueEnd && m.valueEnd <= text.size(),
            "span order");
        previousEnd = m.valueEnd;
        const QByteArrayView span = text.sliced(m.valueBegin, m.valueEnd - m.valueBegin);
        const auto value = scanJson(span);
        check(value.ok() && value->rootType == m.type, "a member's span scans alone as its type");
        if (m.type == JsonType::String)
            checkStringToken(span);

        check(m.rawKey.data() > text.data() && m.rawKey.data() + m.rawKey.size() < text.data() + text.size(),
            "key inside the text");
        check(*(m.rawKey.data() - 1) == '"' && *(m.rawKey.data() + m.rawKey.size()) == '"',
            "key between quotes");
        const QByteArray keyToken = '"' + m.rawKey.toByteArray() + '"';
        checkStringToken(keyToken);
        const QString key = decodeJsonString(keyToken);
        if (key.isValidUtf16()) {
            int count = 0;
            const JsonMember *found = scan->find(key.toUtf8(), &count);
            check(found && count >= 1 && found <= &m, "find() finds every key, first occurrence first");
        }
    }

    // A tighter depth limit never accepts more, and accepts the same structure when it accepts.
    const auto shallow = scanJson(text, 2);
    if (shallow) {
        check(shallow->rootType == scan->rootType && shallow->members.size() == scan->members.size(),
            "depth limit does not change the result");
    } else {
        check(shallow.error().code == QLatin1String("invalid_json")
                && shallow.error().message.startsWith(QLatin1String("nesting too deep")),
            "a shallower limit refuses only for depth");
    }
    return 0;
}
