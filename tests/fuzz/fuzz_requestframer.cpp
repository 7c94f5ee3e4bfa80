// libFuzzer target for RequestFramer: any bytes a client may send on a connection.
//
// Input: byte 0 picks small limits (so the 413/431 paths are reachable), byte 1 seeds how the stream is
// cut into feeds; the rest is the connection's byte stream. The stream is framed twice, as one feed per
// request and in pseudo-random pieces, resetting after each Complete like ConnectionGuard does.
// Invariants: no crash or UB; 0 <= consumed <= fed; NeedMore consumes everything fed; both framings
// produce the same sequence of (status, end offset, error); error statuses are the documented ones.

#include "http/requestframer.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

using airlock::http::RequestFramer;

namespace {

struct Event {
    RequestFramer::Status status;
    qsizetype end; // absolute offset in the stream where the request (or the stream) ended
    int errorStatus;
    bool operator==(const Event &) const = default;
};

[[noreturn]] void violated(const char *what)
{
    std::fprintf(stderr, "fuzz_requestframer: invariant violated: %s\n", what);
    std::abort();
}

void check(bool condition, const char *what)
{
    if (!condition)
        violated(what);
}

class Splitter {
public:
    explicit Splitter(uint8_t seed) : m_state(seed * 2654435761u + 1) { }
    // 1..64 bytes, or the whole remainder when the seed is 0
    qsizetype next(qsizetype remaining)
    {
        if (m_state == 1)
            return remaining;
        m_state = m_state * 1103515245u + 12345u;
        return std::min<qsizetype>(remaining, 1 + (m_state >> 16) % 64);
    }

private:
    uint32_t m_state;
};

// Frames `stream` with `pieceOf` deciding the size of each feed; records one Event per request.
template <typename PieceSize>
std::vector<Event> frame(QByteArrayView stream, RequestFramer::Limits limits, PieceSize pieceOf)
{
    std::vector<Event> events;
    RequestFramer framer(limits);
    qsizetype pos = 0;
    qsizetype requestStart = 0;
    while (true) {
        const qsizetype piece = pieceOf(stream.size() - pos);
        const QByteArrayView data = stream.sliced(pos, piece);
        const RequestFramer::Outcome outcome = framer.feed(data);
        check(outcome.consumed >= 0 && outcome.consumed <= data.size(), "0 <= consumed <= fed");
        switch (outcome.status) {
        case RequestFramer::Status::NeedMore:
            check(outcome.consumed == data.size(), "NeedMore consumes everything fed");
            pos += outcome.consumed;
            if (pos == stream.size()) {
                events.push_back({ outcome.status, pos, 0 });
                return events;
            }
            break;
        case RequestFramer::Status::Complete: {
            pos += outcome.consumed;
            check(pos > requestStart, "a complete request has bytes");
            check(framer.headComplete(), "Complete implies headComplete");
            check(framer.errorStatus() == 0, "no error status on Complete");
            const RequestFramer::Outcome again = framer.feed({});
            check(
                again.status == RequestFramer::Status::Complete && again.consumed == 0, "Complete is stable");
            events.push_back({ outcome.status, pos, 0 });
            framer.reset();
            check(!framer.started(), "reset clears started()");
            requestStart = pos;
            if (pos == stream.size())
                return events;
            break;
        }
        case RequestFramer::Status::Error: {
            pos += outcome.consumed;
            const int status = framer.errorStatus();
            check(status == 400 || status == 413 || status == 431 || status == 501 || status == 505,
                "documented error status");
            check(
                !framer.errorCode().isEmpty() && !framer.errorMessage().isEmpty(), "error code and message");
            check(framer.feed(stream.sliced(pos)).status == RequestFramer::Status::Error, "Error is sticky");
            events.push_back({ outcome.status, pos, status });
            return events;
        }
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const uint8_t config = data[0];
    const uint8_t splitSeed = data[1];
    const QByteArrayView stream(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));

    RequestFramer::Limits limits;
    if (config & 1) {
        limits.maxHeaderBytes = 16 + (config >> 1) * 4; // 16..524
        limits.maxBodyBytes = (config >> 3) * 3; // 0..93
    }

    const std::vector<Event> whole = frame(stream, limits, [](qsizetype remaining) { return remaining; });
    Splitter splitter(splitSeed);
    const std::vector<Event> pieces
        = frame(stream, limits, [&](qsizetype remaining) { return splitter.next(remaining); });
    if (whole != pieces)
        violated("the outcome depends on how the bytes were split into feeds");
    return 0;
}
