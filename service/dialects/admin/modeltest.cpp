#include "modeltest.h"

#include "adminjson.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QSslCipher>
#include <QSslSocket>
#include <QTimer>

#include <algorithm>

Q_LOGGING_CATEGORY(lcModelTest, "airlock.admin.modeltest", QtInfoMsg)

namespace airlock::admin {

using http::HttpExchange;
using namespace Qt::StringLiterals;

namespace {

constexpr int kMaxDetail = 200;
constexpr int kMaxExcerpt = 60;
constexpr int kMaxListed = 8;

QString clip(QString text, int max = kMaxDetail)
{
    text = text.simplified();
    if (text.size() > max)
        text = text.left(max - 1) + u'…';
    return text;
}

enum class StepStatus { Ok, Failed, Skipped, Warning };

QString statusName(StepStatus status)
{
    switch (status) {
    case StepStatus::Ok: return u"ok"_s;
    case StepStatus::Failed: return u"failed"_s;
    case StepStatus::Skipped: return u"skipped"_s;
    case StepStatus::Warning: break;
    }
    return u"warning"_s;
}

// What came back for one HTTP request of the test.
struct Answer
{
    int status = 0;          // 0: no HTTP answer at all
    QString transportError;  // when status is 0
    QByteArray contentType;
    QByteArray location;     // of a redirect
    QByteArray body;
    QJsonDocument json;      // null when the body is not JSON

    static Answer of(QNetworkReply *reply)
    {
        Answer a;
        a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        a.body = reply->readAll();
        a.contentType = reply->rawHeader("Content-Type");
        a.location = reply->rawHeader("Location");
        if (a.status == 0)
            a.transportError = reply->errorString();
        a.json = QJsonDocument::fromJson(a.body);
        return a;
    }

    bool isHtml() const { return contentType.trimmed().toLower().startsWith("text/html"); }
    bool isRedirect() const { return status >= 300 && status < 400; }

    // Why this is not an answer of an OpenAI-style JSON API; empty when it is one.
    QString notHttpJson() const
    {
        if (status == 0)
            return {};
        const QString type = contentType.isEmpty() ? u"no Content-Type"_s : QString::fromLatin1(contentType);
        if (isRedirect()) {
            return u"not HTTP/JSON (got HTTP %1, a redirect to %2: a proxy's login page?)"_s.arg(status).arg(
                location.isEmpty() ? u"nowhere"_s : clip(QString::fromLatin1(location), kMaxExcerpt));
        }
        if (isHtml() || (!body.trimmed().isEmpty() && json.isNull() && status < 400)) {
            return u"not HTTP/JSON (got %1, HTTP %2: \"%3\"): a proxy's login page or the wrong port?"_s.arg(
                type, QString::number(status), clip(QString::fromUtf8(body), kMaxExcerpt));
        }
        return {};
    }

    // "HTTP 401: <the server's message>"
    QString httpError() const
    {
        const QJsonValue error = json.object().value("error"_L1);
        QString message = error.isObject() ? error.toObject().value("message"_L1).toString() : error.toString();
        if (message.isEmpty() && json.isNull())
            message = clip(QString::fromUtf8(body), kMaxExcerpt);
        return u"HTTP %1%2"_s.arg(status).arg(message.isEmpty() ? QString() : u": "_s + message);
    }
};

// One run. Owns the exchange; deletes itself when it has answered or the client left.
class ModelTest : public QObject
{
public:
    ModelTest(std::unique_ptr<HttpExchange> exchange, ModelEndpoint endpoint, QString completionApi,
              QNetworkAccessManager *network)
        : m_exchange(std::move(exchange))
        , m_endpoint(std::move(endpoint))
        , m_completionApi(std::move(completionApi))
        , m_network(network)
    {
        m_exchange->onClientGone([this] { cancel(); });
    }

    void start() { reach(); }

private:
    struct Step
    {
        QString name;
        StepStatus status = StepStatus::Ok;
        QString message;
        qint64 ms = -1;
    };

    bool tls() const { return m_endpoint.baseUrl.scheme() == "https"_L1; }

    void cancel()
    {
        m_cancelled = true;
        if (m_socket)
            m_socket->abort();
        if (m_reply)
            m_reply->abort();
        deleteLater();
    }

    void record(const QString &name, StepStatus status, const QString &message)
    {
        m_steps.append(Step{name, status, clip(message), m_timer.elapsed()});
    }

    void failAndFinish(const QString &name, const QString &message)
    {
        record(name, StepStatus::Failed, message);
        finish();
    }

    void reach()
    {
        const QUrl url = m_endpoint.baseUrl;
        const quint16 port = quint16(url.port(tls() ? 443 : 80));
        m_socket = new QSslSocket(this);
        m_timer.start();
        auto *timeout = new QTimer(m_socket);
        timeout->setSingleShot(true);
        connect(timeout, &QTimer::timeout, this, [this, url] {
            const QString step = m_reached ? u"tls"_s : u"reachable"_s;
            m_socket->abort();
            failAndFinish(step, u"no answer from %1 within %2 ms"_s.arg(url.authority()).arg(m_endpoint.timeouts.connectMs));
        });
        timeout->start(std::max(500, m_endpoint.timeouts.connectMs) * (tls() ? 2 : 1));
        connect(m_socket, &QAbstractSocket::connected, this, [this, url, timeout] {
            m_reached = true;
            record(u"reachable"_s, StepStatus::Ok, u"connected to %1"_s.arg(url.authority()));
            if (!tls()) {
                timeout->stop();
                m_socket->disconnectFromHost();
                models();
                return;
            }
            m_timer.start();
        });
        connect(m_socket, &QSslSocket::encrypted, this, [this, timeout] {
            timeout->stop();
            const QSslCertificate cert = m_socket->peerCertificate();
            const QString subject = cert.subjectInfo(QSslCertificate::CommonName).join(u", "_s);
            record(u"tls"_s, StepStatus::Ok,
                   u"%1, certificate for %2 valid until %3"_s.arg(m_socket->sessionCipher().protocolString(), subject,
                                                                  cert.expiryDate().toString(Qt::ISODate)));
            m_socket->disconnectFromHost();
            models();
        });
        connect(m_socket, &QSslSocket::sslErrors, this, [this, timeout](const QList<QSslError> &errors) {
            timeout->stop();
            QStringList why;
            for (const QSslError &e : errors)
                why << e.errorString();
            m_socket->abort();
            failAndFinish(u"tls"_s, why.join(u"; "_s));
        });
        connect(m_socket, &QAbstractSocket::errorOccurred, this, [this, timeout](QAbstractSocket::SocketError) {
            if (!timeout->isActive() || m_done)
                return; // already reported (timeout or TLS errors), or a close after success
            timeout->stop();
            failAndFinish(m_reached ? u"tls"_s : u"reachable"_s, m_socket->errorString());
        });
        if (tls())
            m_socket->connectToHostEncrypted(url.host(), port);
        else
            m_socket->connectToHost(url.host(), port);
    }

    QNetworkRequest request(const QString &path) const
    {
        QNetworkRequest request(m_endpoint.apiUrl(path));
        if (!m_endpoint.apiKey.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + m_endpoint.apiKey.toUtf8());
        request.setRawHeader("Accept", "application/json");
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        request.setTransferTimeout(std::max(1000, m_endpoint.timeouts.firstByteMs));
        return request;
    }

    void models()
    {
        m_timer.start();
        m_reply = m_network->get(request(u"models"_s));
        connect(m_reply, &QNetworkReply::finished, this, [this] {
            QNetworkReply *reply = m_reply;
            reply->deleteLater();
            if (m_cancelled)
                return;
            modelsAnswered(Answer::of(reply));
            completion(); // either way: the completion step decides
        });
    }

    void modelsAnswered(const Answer &a)
    {
        const QString step = u"models"_s;
        if (a.status == 0)
            return record(step, StepStatus::Failed, a.transportError);
        if (const QString why = a.notHttpJson(); !why.isEmpty())
            return record(step, StepStatus::Failed, why);
        if (a.status == 404 || a.status == 405) {
            return record(step, StepStatus::Skipped,
                          u"does not list models (skipped): HTTP %1 on /models; servers such as llama.cpp and TGI "
                          "accept any model name"_s.arg(a.status));
        }
        if (a.status >= 400)
            return record(step, StepStatus::Failed, a.httpError());
        const QJsonValue data = a.json.object().value("data"_L1);
        if (!a.json.isObject() || (!data.isArray() && !data.isUndefined() && !data.isNull()))
            return record(step, StepStatus::Failed, u"the answer is not a model list (no \"data\" array)"_s);
        QStringList ids;
        for (const QJsonValue &model : data.toArray())
            ids << model.toObject().value("id"_L1).toString();
        if (ids.isEmpty()) {
            return record(step, StepStatus::Skipped,
                          u"does not list models (skipped): the list is empty; the completion step decides"_s);
        }
        if (!ids.contains(m_endpoint.identifier)) {
            QString listed = ids.mid(0, kMaxListed).join(u", "_s);
            if (ids.size() > kMaxListed)
                listed += u" and %1 more"_s.arg(ids.size() - kMaxListed);
            return record(step, StepStatus::Warning,
                          u"lists models but not \"%1\": it lists %2"_s.arg(m_endpoint.identifier, listed));
        }
        record(step, StepStatus::Ok, u"\"%1\" is listed (%2 model(s) served)"_s.arg(m_endpoint.identifier).arg(ids.size()));
    }

    void completion()
    {
        const bool chat = m_completionApi == "chat"_L1;
        QJsonObject body{{u"model"_s, m_endpoint.identifier}, {u"max_tokens"_s, 8}, {u"temperature"_s, 0},
                         {u"stream"_s, false}};
        if (chat)
            body.insert(u"messages"_s, QJsonArray{QJsonObject{{u"role"_s, u"user"_s}, {u"content"_s, u"Reply with OK."_s}}});
        else
            body.insert(u"prompt"_s, u"def hello():\n"_s);
        QNetworkRequest req = request(chat ? u"chat/completions"_s : u"completions"_s);
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        m_timer.start();
        m_reply = m_network->post(req, QJsonDocument(body).toJson(QJsonDocument::Compact));
        connect(m_reply, &QNetworkReply::finished, this, [this, chat] {
            QNetworkReply *reply = m_reply;
            reply->deleteLater();
            if (m_cancelled)
                return;
            completionAnswered(Answer::of(reply), chat);
            finish();
        });
    }

    void completionAnswered(const Answer &a, bool chat)
    {
        const QString step = u"completion"_s;
        if (a.status == 0)
            return record(step, StepStatus::Failed, a.transportError);
        if (const QString why = a.notHttpJson(); !why.isEmpty())
            return record(step, StepStatus::Failed, why);
        if (a.status >= 400)
            return record(step, StepStatus::Failed, a.httpError());
        const QJsonObject choice = a.json.object().value("choices"_L1).toArray().first().toObject();
        if (choice.isEmpty())
            return record(step, StepStatus::Failed, u"the answer has no choices"_s);
        const QString text = chat ? choice.value("message"_L1).toObject().value("content"_L1).toString()
                                  : choice.value("text"_L1).toString();
        record(step, StepStatus::Ok, u"answered in %1 ms: \"%2\""_s.arg(m_timer.elapsed()).arg(clip(text)));
    }

    void finish()
    {
        if (m_done)
            return;
        m_done = true;
        QStringList names{u"reachable"_s};
        if (tls())
            names << u"tls"_s;
        names << u"models"_s << u"completion"_s;
        QJsonArray steps;
        bool ok = true;
        for (const QString &name : std::as_const(names)) {
            const auto it = std::find_if(m_steps.cbegin(), m_steps.cend(), [&](const Step &s) { return s.name == name; });
            const bool ran = it != m_steps.cend();
            const StepStatus status = ran ? it->status : StepStatus::Skipped;
            const QString message = ran ? it->message : u"not run: an earlier step failed"_s;
            // The models step informs; every other step must pass.
            if (name != "models"_L1 && status != StepStatus::Ok)
                ok = false;
            QJsonObject o{{u"name"_s, name},
                          {u"status"_s, statusName(status)},
                          {u"message"_s, message},
                          {u"ok"_s, status == StepStatus::Ok || status == StepStatus::Warning},
                          {u"skipped"_s, status == StepStatus::Skipped},
                          {u"detail"_s, message}};
            if (ran)
                o.insert(u"ms"_s, it->ms);
            steps.append(o);
        }
        qCInfo(lcModelTest).noquote() << "model test of" << m_endpoint.baseUrl.toDisplayString()
                                      << (ok ? "passed" : "failed");
        if (!m_cancelled)
            writeJson(*m_exchange, QJsonObject{{u"ok"_s, ok}, {u"steps"_s, steps}});
        deleteLater();
    }

    std::unique_ptr<HttpExchange> m_exchange;
    ModelEndpoint m_endpoint;
    QString m_completionApi;
    QNetworkAccessManager *m_network;
    QPointer<QSslSocket> m_socket;
    QPointer<QNetworkReply> m_reply;
    QElapsedTimer m_timer;
    QList<Step> m_steps;
    bool m_reached = false;
    bool m_done = false;
    bool m_cancelled = false;
};

} // namespace

void startModelTest(std::unique_ptr<HttpExchange> exchange, ModelEndpoint endpoint, QString completionApi,
                    QNetworkAccessManager *network)
{
    auto *test = new ModelTest(std::move(exchange), std::move(endpoint), std::move(completionApi), network);
    test->start();
}

} // namespace airlock::admin
