#include "attemptlog.h"

#include <algorithm>
#include <cmath>

namespace airlock::routing {

namespace {

bool needsEscape(char c)
{
    const auto u = uchar(c);
    return c == '"' || c == '\\' || u < 0x20 || u >= 0x7f;
}

void appendString(QByteArray &out, QByteArrayView text)
{
    out += '"';
    if (std::none_of(text.begin(), text.end(), needsEscape)) { // names and URLs: the usual case
        out += text;
        out += '"';
        return;
    }
    for (const char c : text) {
        const auto u = uchar(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u >= 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
}

} // namespace

void appendMilliseconds(QByteArray &out, double ms)
{
    if (!(ms >= 0) || ms > 1e12) { // NaN, negative or absurd: no try lasts that long
        out += '0';
        return;
    }
    const auto micros = qint64(std::llround(ms * 1000.0));
    out += QByteArray::number(micros / 1000);
    const int frac = int(micros % 1000);
    if (frac == 0)
        return;
    char digits[4] = {char('.'), char('0' + frac / 100), char('0' + frac / 10 % 10), char('0' + frac % 10)};
    int len = 4;
    while (digits[len - 1] == '0')
        --len;
    out.append(digits, len);
}

void appendAttempt(QByteArray &json, const AttemptEntry &e)
{
    // The array stays closed after every append: drop its "]", add the entry, close it again.
    if (json.isEmpty()) {
        json += '[';
    } else {
        json.chop(1);
        json += ',';
    }
    json += "{\"endpoint\":";
    appendString(json, e.endpoint);
    json += ",\"replica\":";
    appendString(json, e.replica);
    json += ",\"status\":";
    json += QByteArray::number(e.status);
    if (e.firstByteMs >= 0) {
        json += ",\"first_byte_ms\":";
        appendMilliseconds(json, e.firstByteMs);
    }
    json += ",\"ms\":";
    appendMilliseconds(json, e.ms);
    json += ",\"bytes\":";
    json += QByteArray::number(e.bytes);
    json += ",\"end\":";
    appendString(json, e.end);
    if (e.hedge)
        json += ",\"hedge\":true";
    json += "}]";
}

} // namespace airlock::routing
