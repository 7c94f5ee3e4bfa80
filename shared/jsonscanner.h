#pragma once

// A strict, allocation-light JSON validator for request bodies on the hot path. It checks the whole
// document (RFC 8259 grammar, UTF-8 validity, nesting depth) and reports the top-level object's
// members with the byte span of each value, so an adapter can read the few fields it needs and splice
// new values in without building a DOM. QJsonDocument costs ~35 us per 1.4 KB body here; this costs
// a few microseconds.

#include "result.h"

#include <QByteArrayView>
#include <QString>
#include <QVarLengthArray>

#include <optional>

namespace airlock {

enum class JsonType { Null, Bool, Number, String, Array, Object };

struct JsonMember
{
    QByteArrayView rawKey; // between the quotes, escapes not decoded
    JsonType type;
    qsizetype valueBegin; // byte offsets of the value in the scanned text (strings include quotes)
    qsizetype valueEnd;

    bool keyIs(QByteArrayView name) const { return rawKey == name; }
};

struct JsonScan
{
    JsonType rootType = JsonType::Null;
    QVarLengthArray<JsonMember, 24> members; // the root object's members, in order (empty otherwise)

    // The first member whose (unescaped-form) key equals name; nullptr if none. `count` receives how
    // many members carry that key (duplicates are ambiguous and callers refuse them).
    const JsonMember *find(QByteArrayView name, int *count = nullptr) const;
};

// Errors: code "invalid_utf8" or "invalid_json", message with the byte offset.
Result<JsonScan> scanJson(QByteArrayView text, int maxDepth = 64);

// Decodes a JSON string token (with its quotes) that scanJson already validated.
QString decodeJsonString(QByteArrayView token);
// Encodes a string as a JSON string token, with quotes.
QByteArray encodeJsonString(QStringView text);

} // namespace airlock
