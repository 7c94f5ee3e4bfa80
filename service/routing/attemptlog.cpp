#include "attemptlog.h"

#include <cmath>

namespace airlock::routing {

namespace {

void appendString(QByteArray &out, QByteArrayView text)
{
    out += '"';
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

void appendMs(QByteArray &out, double ms)
{
    out += QByteArray::number(std::round(ms * 1000.0) / 1000.0, 'g', 12);
}

} // namespace

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
    // Endpoint names are [A-Za-z0-9._:-] (validateEndpoint): plain ASCII.
    appendString(json, e.endpoint.toLatin1());
    json += ",\"replica\":";
    appendString(json, e.replica);
    json += ",\"status\":";
    json += QByteArray::number(e.status);
    if (e.firstByteMs >= 0) {
        json += ",\"first_byte_ms\":";
        appendMs(json, e.firstByteMs);
    }
    json += ",\"ms\":";
    appendMs(json, e.ms);
    json += ",\"bytes\":";
    json += QByteArray::number(e.bytes);
    json += ",\"end\":";
    appendString(json, e.end);
    if (e.hedge)
        json += ",\"hedge\":true";
    json += "}]";
}

} // namespace airlock::routing
