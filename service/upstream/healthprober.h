#pragma once

// Active health probes of model server replicas, by server kind, never spending tokens:
//
//   vllm, tgi, llamacpp   GET <root>/health        2xx: ready. llama.cpp's 503 "Loading model" (and its
//                                                  503 "no slot available"): not ready, alive.
//   ollama                GET <root>/api/version   2xx: ready.
//   openai (generic)      GET <root>/v1/models     2xx listing the served identifier in data[].id: ready;
//                                                  a list without it: not ready.
//
// <root> is the target's base URL without a trailing "/v1". A connect failure, a timeout, a connection
// closed before the answer or any other 5xx is down; any other answer (4xx, a 2xx that is no model list,
// on the generic probe) is not ready, with a detail saying why. One probe decides the state: a recovered
// replica is ready again after its next probe, within one interval (plus the probe's own latency).
//
// Scheduling: a new target is probed at once, then every interval ± jitter (measured from the start of
// the previous probe; never two probes of one target at a time: a probe still running when the next is
// due delays it). Probes go through this prober's own UpstreamClient (keep-alive, non-blocking); bodies
// are read up to a cap (MaxProbeBodyBytes). Every probe says what it is in its User-Agent
// (ProbeUserAgent), so a model server's access log tells probes from traffic.
//
// Thread affinity: the prober, its client, its timers and its signals live on one thread, which needs an
// event loop: the thread that created it, or the one it was moved to before the first setTargets(). Call
// it from that thread only; other threads learn of states through stateChanged (queued connections).
// Destroying it aborts the probes in flight.

#include "serverkind.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <memory>

namespace airlock::upstream {

// One replica to probe. `key` names it for the caller (e.g. "<endpoint>#<replica index>").
struct ProbeTarget
{
    QString key;
    QUrl baseUrl;                   // as configured: "http://h:8000" and "http://h:8000/v1" both accepted
    ServerKind kind = ServerKind::OpenAi;
    QString identifier;             // the served model id; the generic probe looks for it in /v1/models
    QByteArray authorization;       // "Bearer ..." sent as Authorization, or empty for none

    friend bool operator==(const ProbeTarget &, const ProbeTarget &) = default;
};

enum class ProbeState {
    Unknown,  // not probed yet
    Ready,    // takes traffic
    NotReady, // alive but cannot serve yet (loading the model, model not listed, credential refused)
    Down,     // no answer: refused, timed out, closed, or a server error
};

// "unknown", "ready", "not_ready", "down": for metrics, logs and the admin API.
QString probeStateName(ProbeState state);

struct ProbeResult
{
    ProbeState state = ProbeState::Unknown;
    QString detail;         // why, for people: "GET /health answered 503: Loading model", ...; empty if ready
    int status = 0;         // HTTP status of the last answer; 0 when none came
    qint64 checkedAtMs = 0; // when the last probe ended, ms since the epoch; 0: never
    double latencyMs = 0;   // how long the last probe took
};

struct ProbeOptions
{
    int intervalMs = 5000;
    double jitter = 0.2; // each interval is intervalMs × (1 ± up to jitter), 0..1
    int timeoutMs = 2000; // the whole probe: connect, answer, body
};

// The User-Agent of every probe: "airlock-probe/<version>".
inline constexpr char ProbeUserAgent[] = "airlock-probe/" AIRLOCK_VERSION;

// Bytes of a probe's answer body read at most (a /v1/models list of several hundred models fits); a longer
// body is cut there and its connection closed.
inline constexpr qsizetype MaxProbeBodyBytes = 256 * 1024;

// The server root of a base URL (no trailing "/" or "/v1"), and the URL a probe of `target` asks.
QUrl serverRoot(const QUrl &baseUrl);
QUrl probeUrl(const ProbeTarget &target);

class HealthProber : public QObject
{
    Q_OBJECT
public:
    explicit HealthProber(ProbeOptions options = {}, QObject *parent = nullptr);
    ~HealthProber() override;

    // The replicas to probe from now on, by key (keys are unique; a repeated key keeps its first target).
    // New keys are probed at once. A key that stays keeps its state and schedule; if its target changed
    // (URL, kind, identifier, credential) its probe in flight is dropped and it is probed again at once.
    // Keys no longer listed stop being probed (a probe in flight is aborted) and are forgotten.
    void setTargets(const QList<ProbeTarget> &targets);
    QList<ProbeTarget> targets() const;

    // The last verdict for `key`; state Unknown for a key not probed yet or not a target.
    ProbeResult result(const QString &key) const;
    QHash<QString, ProbeResult> results() const;

    ProbeOptions options() const;

Q_SIGNALS:
    // A target's state changed (Unknown → Ready, Ready → Down, ...); not emitted when only the detail,
    // status or latency changed, nor when a target is removed.
    void stateChanged(const QString &key, const airlock::upstream::ProbeResult &result);

private:
    struct Private;
    class Probe;
    std::unique_ptr<Private> d;
};

} // namespace airlock::upstream
