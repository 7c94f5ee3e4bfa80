#include "jsonscanner.h"

#include <QStringDecoder>

namespace airlock {

namespace {

// QString::fromUtf8 drops a leading byte order mark; inside a JSON string U+FEFF is text and is kept.
QString utf8Text(QByteArrayView utf8)
{
    if (!utf8.startsWith("\xEF\xBB\xBF"))
        return QString::fromUtf8(utf8);
    QStringDecoder decoder(QStringDecoder::Utf8,
                           QStringConverter::Flag::Stateless | QStringConverter::Flag::ConvertInitialBom);
    return decoder.decode(utf8);
}

class Scanner
{
public:
    Scanner(QByteArrayView text, int maxDepth)
        : m_p(text.data())
        , m_begin(text.data())
        , m_end(text.data() + text.size())
        , m_maxDepth(maxDepth)
    {
    }

    Result<JsonScan> run()
    {
        JsonScan scan;
        skipSpace();
        if (m_p == m_end)
            return error("invalid_json", "the body is empty");
        scan.rootType = peekType();
        if (scan.rootType == JsonType::Object) {
            if (!parseObject(0, &scan))
                return m_error;
        } else if (!parseValue(0)) {
            return m_error;
        }
        skipSpace();
        if (m_p != m_end)
            return error("invalid_json", "unexpected data after the JSON value");
        return scan;
    }

private:
    Error error(const char *code, const char *what)
    {
        m_error = Error::make(QLatin1String(code),
                              QStringLiteral("%1 at byte %2").arg(QLatin1String(what)).arg(m_p - m_begin));
        return m_error;
    }
    bool fail(const char *code, const char *what)
    {
        error(code, what);
        return false;
    }

    void skipSpace()
    {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }

    JsonType peekType() const
    {
        switch (*m_p) {
        case '{': return JsonType::Object;
        case '[': return JsonType::Array;
        case '"': return JsonType::String;
        case 't': case 'f': return JsonType::Bool;
        case 'n': return JsonType::Null;
        default: return JsonType::Number;
        }
    }

    bool parseValue(int depth)
    {
        if (m_p == m_end)
            return fail("invalid_json", "unexpected end of the body");
        switch (*m_p) {
        case '{':
            return parseObject(depth, nullptr);
        case '[':
            return parseArray(depth);
        case '"':
            return parseString();
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        default:
            return parseNumber();
        }
    }

    bool literal(const char *word)
    {
        for (const char *w = word; *w; ++w, ++m_p) {
            if (m_p == m_end || *m_p != *w)
                return fail("invalid_json", "invalid literal");
        }
        return true;
    }

    bool parseNumber()
    {
        const char *start = m_p;
        if (m_p < m_end && *m_p == '-')
            ++m_p;
        if (m_p == m_end)
            return fail("invalid_json", "invalid number");
        if (*m_p == '0') {
            ++m_p;
        } else if (*m_p >= '1' && *m_p <= '9') {
            while (m_p < m_end && *m_p >= '0' && *m_p <= '9')
                ++m_p;
        } else {
            m_p = start;
            return fail("invalid_json", "unexpected character");
        }
        if (m_p < m_end && *m_p == '.') {
            ++m_p;
            if (m_p == m_end || *m_p < '0' || *m_p > '9')
                return fail("invalid_json", "invalid number");
            while (m_p < m_end && *m_p >= '0' && *m_p <= '9')
                ++m_p;
        }
        if (m_p < m_end && (*m_p == 'e' || *m_p == 'E')) {
            ++m_p;
            if (m_p < m_end && (*m_p == '+' || *m_p == '-'))
                ++m_p;
            if (m_p == m_end || *m_p < '0' || *m_p > '9')
                return fail("invalid_json", "invalid number");
            while (m_p < m_end && *m_p >= '0' && *m_p <= '9')
                ++m_p;
        }
        return true;
    }

    static bool isHex(char c)
    {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    // Validates one UTF-8 sequence starting at m_p (a byte >= 0x80); advances past it.
    bool utf8Sequence()
    {
        const auto b0 = uchar(*m_p);
        int length;
        uint32_t cp;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
            cp = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            cp = b0 & 0x0F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            cp = b0 & 0x07;
        } else {
            return fail("invalid_utf8", "invalid UTF-8");
        }
        if (m_end - m_p < length)
            return fail("invalid_utf8", "truncated UTF-8 sequence");
        for (int i = 1; i < length; ++i) {
            const auto b = uchar(m_p[i]);
            if ((b & 0xC0) != 0x80)
                return fail("invalid_utf8", "invalid UTF-8");
            cp = (cp << 6) | (b & 0x3F);
        }
        if ((length == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return fail("invalid_utf8", "invalid UTF-8 (overlong form, surrogate or out of range)");
        m_p += length;
        return true;
    }

    bool parseString()
    {
        ++m_p; // opening quote
        while (true) {
            // ASCII fast loop
            while (m_p < m_end && uchar(*m_p) >= 0x20 && *m_p != '"' && *m_p != '\\' && uchar(*m_p) < 0x80)
                ++m_p;
            if (m_p == m_end)
                return fail("invalid_json", "unterminated string");
            const auto c = uchar(*m_p);
            if (c == '"') {
                ++m_p;
                return true;
            }
            if (c == '\\') {
                ++m_p;
                if (m_p == m_end)
                    return fail("invalid_json", "unterminated string");
                switch (*m_p) {
                case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                    ++m_p;
                    break;
                case 'u':
                    ++m_p;
                    for (int i = 0; i < 4; ++i, ++m_p) {
                        if (m_p == m_end || !isHex(*m_p))
                            return fail("invalid_json", "invalid \\u escape");
                    }
                    break;
                default:
                    return fail("invalid_json", "invalid escape in string");
                }
                continue;
            }
            if (c < 0x20)
                return fail("invalid_json", "control character in string");
            if (!utf8Sequence())
                return false;
        }
    }

    bool parseArray(int depth)
    {
        if (depth >= m_maxDepth)
            return fail("invalid_json", "nesting too deep");
        ++m_p;
        skipSpace();
        if (m_p < m_end && *m_p == ']') {
            ++m_p;
            return true;
        }
        while (true) {
            skipSpace();
            if (!parseValue(depth + 1))
                return false;
            skipSpace();
            if (m_p == m_end)
                return fail("invalid_json", "unterminated array");
            if (*m_p == ',') {
                ++m_p;
                continue;
            }
            if (*m_p == ']') {
                ++m_p;
                return true;
            }
            return fail("invalid_json", "expected ',' or ']'");
        }
    }

    bool parseObject(int depth, JsonScan *scan)
    {
        if (depth >= m_maxDepth)
            return fail("invalid_json", "nesting too deep");
        ++m_p;
        skipSpace();
        if (m_p < m_end && *m_p == '}') {
            ++m_p;
            return true;
        }
        while (true) {
            skipSpace();
            if (m_p == m_end || *m_p != '"')
                return fail("invalid_json", "expected a member name");
            const char *keyStart = m_p + 1;
            if (!parseString())
                return false;
            const QByteArrayView key(keyStart, m_p - 1 - keyStart);
            skipSpace();
            if (m_p == m_end || *m_p != ':')
                return fail("invalid_json", "expected ':'");
            ++m_p;
            skipSpace();
            if (m_p == m_end)
                return fail("invalid_json", "unexpected end of the body");
            const JsonType type = peekType();
            const char *valueStart = m_p;
            if (!parseValue(depth + 1))
                return false;
            if (scan)
                scan->members.append(JsonMember{key, type, valueStart - m_begin, m_p - m_begin});
            skipSpace();
            if (m_p == m_end)
                return fail("invalid_json", "unterminated object");
            if (*m_p == ',') {
                ++m_p;
                continue;
            }
            if (*m_p == '}') {
                ++m_p;
                return true;
            }
            return fail("invalid_json", "expected ',' or '}'");
        }
    }

    const char *m_p;
    const char *m_begin;
    const char *m_end;
    int m_maxDepth;
    Error m_error;
};

} // namespace

const JsonMember *JsonScan::find(QByteArrayView name, int *count) const
{
    const JsonMember *first = nullptr;
    int n = 0;
    std::optional<QString> decodedName; // `name` is UTF-8 like the document; built for the first escaped key
    for (const JsonMember &m : members) {
        bool match;
        if (m.rawKey.contains('\\')) {
            if (!decodedName)
                decodedName = utf8Text(name);
            match = decodeJsonString(QByteArray('"' + m.rawKey.toByteArray() + '"')) == *decodedName;
        } else {
            match = m.rawKey == name;
        }
        if (match) {
            if (!first)
                first = &m;
            ++n;
        }
    }
    if (count)
        *count = n;
    return first;
}

Result<JsonScan> scanJson(QByteArrayView text, int maxDepth)
{
    return Scanner(text, maxDepth).run();
}

QString decodeJsonString(QByteArrayView token)
{
    if (token.size() < 2)
        return {};
    const QByteArrayView inner = token.sliced(1, token.size() - 2);
    if (!inner.contains('\\'))
        return utf8Text(inner);
    QString out;
    out.reserve(inner.size());
    qsizetype runStart = 0;
    qsizetype i = 0;
    auto flush = [&](qsizetype upTo) {
        if (upTo > runStart)
            out += utf8Text(inner.sliced(runStart, upTo - runStart));
    };
    while (i < inner.size()) {
        if (inner[i] != '\\') {
            ++i;
            continue;
        }
        flush(i);
        const char e = i + 1 < inner.size() ? inner[i + 1] : '\\';
        i += 2;
        switch (e) {
        case 'b': out += QLatin1Char('\b'); break;
        case 'f': out += QLatin1Char('\f'); break;
        case 'n': out += QLatin1Char('\n'); break;
        case 'r': out += QLatin1Char('\r'); break;
        case 't': out += QLatin1Char('\t'); break;
        case 'u': {
            bool ok = false;
            const ushort unit = inner.sliced(i, std::min<qsizetype>(4, inner.size() - i)).toByteArray().toUShort(&ok, 16);
            out += QChar(ok ? unit : ushort(0xFFFD));
            i += 4;
            break;
        }
        default: out += QLatin1Char(e); break;
        }
        runStart = i;
    }
    flush(inner.size());
    return out;
}

QByteArray encodeJsonString(QStringView text)
{
    const QByteArray utf8 = text.toUtf8();
    QByteArray out;
    out.reserve(utf8.size() + 2);
    out += '"';
    for (char c : utf8) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (uchar(c) < 0x20) {
                out += "\\u00";
                out += "0123456789abcdef"[(uchar(c) >> 4) & 0xF];
                out += "0123456789abcdef"[uchar(c) & 0xF];
            } else {
                out += c;
            }
        }
    }
    out += '"';
    return out;
}

} // namespace airlock
