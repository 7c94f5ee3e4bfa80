#include "playgroundcontroller.h"

#include "adminclient.h"
#include "consolelog.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>

namespace airlock {

using namespace Qt::StringLiterals;

// ------------------------------------------------------------------ PlaygroundSide

void PlaygroundSide::setModel(const QString &model)
{
    if (m_model == model)
        return;
    m_model = model;
    m_prompt.clear();
    m_body = {};
    clearRun();
    Q_EMIT changed();
}

QString PlaygroundSide::requestBody() const
{
    return m_body.isEmpty() ? QString() : QString::fromUtf8(QJsonDocument(m_body).toJson(QJsonDocument::Indented));
}

double PlaygroundSide::tokensPerSecond() const
{
    const int tokens = m_usageTokens >= 0 ? m_usageTokens : m_tokens;
    const int generating = m_totalMs - std::max(0, m_firstTokenMs);
    if (m_totalMs < 0 || tokens <= 0)
        return 0;
    return double(tokens) * 1000.0 / double(std::max(1, generating));
}

void PlaygroundSide::setRendered(const QJsonObject &render)
{
    m_api = render.value("api"_L1).toString();
    m_body = render.value("body"_L1).toObject();
    m_truncated = render.value("truncated"_L1).toBool();
    m_promptTokens = render.value("prompt_tokens_estimate"_L1).toInt();
    if (m_api == "chat"_L1) {
        // The messages as the model's chat template will see them, one block per message.
        QStringList blocks;
        for (const QJsonValue &v : render.value("messages"_L1).toArray()) {
            const QJsonObject m = v.toObject();
            blocks << u"### "_s + m.value("role"_L1).toString() + u"\n"_s + m.value("content"_L1).toString();
        }
        m_prompt = blocks.join(u"\n\n"_s);
    } else {
        m_prompt = render.value("prompt"_L1).toString();
    }
    m_error = {};
    Q_EMIT changed();
}

void PlaygroundSide::setError(const LiveText &message)
{
    m_error = message;
    Q_EMIT changed();
}

void PlaygroundSide::clearRun()
{
    m_answer.clear();
    m_buffer.clear();
    m_running = false;
    m_finished = false;
    m_firstTokenMs = -1;
    m_totalMs = -1;
    m_tokens = 0;
    m_usageTokens = -1;
    m_error = {};
}

void PlaygroundSide::beginRun()
{
    clearRun();
    m_running = true;
    m_timer.start();
    Q_EMIT changed();
}

void PlaygroundSide::feed(const QByteArray &bytes)
{
    m_buffer += bytes;
    // SSE: events are separated by a blank line; each "data:" line carries one JSON chunk.
    qsizetype end;
    while ((end = m_buffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_buffer.left(end).trimmed();
        m_buffer.remove(0, end + 1);
        if (line.startsWith("data:"))
            onEvent(line.mid(5).trimmed());
    }
}

void PlaygroundSide::onEvent(const QByteArray &data)
{
    if (data == "[DONE]")
        return;
    const QJsonObject o = QJsonDocument::fromJson(data).object();
    if (o.contains("usage"_L1) && o.value("usage"_L1).isObject())
        m_usageTokens = o.value("usage"_L1).toObject().value("completion_tokens"_L1).toInt(-1);
    const QJsonObject choice = o.value("choices"_L1).toArray().first().toObject();
    const QString text = choice.contains("delta"_L1)
        ? choice.value("delta"_L1).toObject().value("content"_L1).toString()
        : choice.value("text"_L1).toString();
    if (text.isEmpty())
        return;
    if (m_firstTokenMs < 0)
        m_firstTokenMs = int(m_timer.elapsed());
    ++m_tokens;
    m_answer += text;
    Q_EMIT changed();
}

void PlaygroundSide::finishRun(const LiveText &error)
{
    if (!m_buffer.trimmed().isEmpty())
        feed("\n");
    m_running = false;
    m_finished = error.isEmpty();
    m_totalMs = int(m_timer.elapsed());
    m_error = error;
    Q_EMIT changed();
}

void PlaygroundSide::retranslate()
{
    Q_EMIT changed();
}

// ------------------------------------------------------------------ PlaygroundController

PlaygroundController::PlaygroundController(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    m_code = u"def fibonacci(n):\n    "_s + cursorMarker() + u"\n\nprint(fibonacci(10))\n"_s;
}

#define AIRLOCK_SETTER(Name, member)                    \
    void PlaygroundController::Name(const QString &v)   \
    {                                                   \
        if (member == v)                                \
            return;                                     \
        member = v;                                     \
        Q_EMIT inputChanged();                          \
    }
AIRLOCK_SETTER(setFileName, m_fileName)
AIRLOCK_SETTER(setLanguage, m_language)
AIRLOCK_SETTER(setCode, m_code)
AIRLOCK_SETTER(setInstruction, m_instruction)
#undef AIRLOCK_SETTER

void PlaygroundController::setFeature(const QString &feature)
{
    if (m_feature == feature)
        return;
    m_feature = feature;
    Q_EMIT inputChanged();
}

void PlaygroundController::setCompare(bool compare)
{
    if (m_compare == compare)
        return;
    m_compare = compare;
    Q_EMIT inputChanged();
}

void PlaygroundController::setStatus(const LiveText &status, const LiveText &error)
{
    m_status = status;
    m_error = error;
    Q_EMIT statusChanged();
}

void PlaygroundController::retranslate()
{
    m_left.retranslate();
    m_right.retranslate();
    Q_EMIT statusChanged();
}

std::pair<QString, QString> PlaygroundController::splitAtCursor(const QString &code)
{
    const qsizetype at = code.indexOf(cursorMarker());
    if (at < 0)
        return {code, QString()};
    QString suffix = code.mid(at + cursorMarker().size());
    suffix.remove(cursorMarker());
    return {code.left(at), suffix};
}

void PlaygroundController::clear()
{
    stop();
    m_clientToken.clear();
    m_clientTokenExpiry = 0;
    m_left.setModel({});
    m_right.setModel({});
    m_templateText.clear();
    m_templateSource.clear();
    m_builtIn.clear();
    Q_EMIT templateChanged();
    setStatus({});
}

void PlaygroundController::render(const QString &templatePreview)
{
    if (m_left.model().isEmpty()) {
        setStatus({}, LiveText([] { return tr("Choose a model endpoint first."); }));
        return;
    }
    setStatus({});
    renderSide(&m_left, templatePreview);
    if (m_compare && !m_right.model().isEmpty())
        renderSide(&m_right, QString());
}

void PlaygroundController::renderSide(PlaygroundSide *side, const QString &templatePreview)
{
    const auto [prefix, suffix] = splitAtCursor(m_code);
    QJsonObject body{{u"feature"_s, m_feature}, {u"model"_s, side->model()}, {u"file_name"_s, m_fileName},
                     {u"language"_s, m_language}, {u"prefix"_s, prefix}, {u"suffix"_s, suffix},
                     {u"instruction"_s, m_instruction}};
    if (!templatePreview.isEmpty())
        body.insert(u"template"_s, templatePreview);
    const bool primary = side == &m_left;
    m_client->call("POST", u"api/v1/prompts/render"_s, QJsonDocument(body), side,
                   [this, side, primary](const AdminError *error, const QJsonDocument &answer) {
                       if (error) {
                           side->setError(LiveText::fixed(error->detail()));
                           return;
                       }
                       const QJsonObject o = answer.object();
                       side->setRendered(o);
                       if (primary) {
                           m_templateText = o.value("template"_L1).toString();
                           m_templateSource = o.value("template_source"_L1).toString();
                           m_builtIn = o.value("built_in_template"_L1).toString();
                           Q_EMIT templateChanged();
                       }
                   });
}

void PlaygroundController::withToken(std::function<void()> then)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    if (!m_clientToken.isEmpty() && now + 60 < m_clientTokenExpiry)
        return then();
    // direct_model_access: the run names the model endpoint, not a feature (the OpenAI dialect's rule).
    QStringList scopes{u"direct_model_access"_s, u"complete_code"_s, u"generate_code"_s, u"duo_chat"_s};
    if (!scopes.contains(m_feature))
        scopes << m_feature;
    const QJsonObject body{{u"subject"_s, u"airlock-console"_s}, {u"scopes"_s, QJsonArray::fromStringList(scopes)},
                           {u"ttl"_s, u"1h"_s}, {u"description"_s, u"prompt playground (issued by the console)"_s}};
    m_client->call("POST", u"api/v1/tokens"_s, QJsonDocument(body), this,
                   [this, then = std::move(then)](const AdminError *error, const QJsonDocument &answer) {
                       if (error) {
                           setStatus({}, LiveText([detail = error->toString()] {
                                         return tr("Cannot get a client token for the playground: %1").arg(detail);
                                     }));
                           return;
                       }
                       m_clientToken = answer.object().value("token"_L1).toString().toUtf8();
                       m_clientTokenExpiry = QDateTime::currentSecsSinceEpoch() + 3600;
                       then();
                   });
}

void PlaygroundController::run()
{
    if (m_left.body().isEmpty()) {
        setStatus({}, LiveText([] { return tr("Show the prompt first: the run sends exactly that request."); }));
        return;
    }
    if (!m_gatewayUrl.isValid()) {
        setStatus({}, LiveText([] { return tr("The gateway's address is not known yet."); }));
        return;
    }
    setStatus(LiveText([] { return tr("Running…"); }));
    withToken([this] {
        runSide(&m_left);
        if (m_compare && !m_right.body().isEmpty())
            runSide(&m_right);
    });
}

void PlaygroundController::runSide(PlaygroundSide *side)
{
    if (side->m_reply)
        side->m_reply->abort();
    QJsonObject body = side->body();
    body.insert(u"model"_s, side->model()); // the gateway maps the endpoint name to its identifier
    body.insert(u"stream"_s, true);
    QUrl url = m_gatewayUrl;
    url.setPath(side->api() == "chat"_L1 ? u"/v1/chat/completions"_s : u"/v1/completions"_s);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Authorization", "Bearer " + m_clientToken);
    request.setRawHeader("Accept", "text/event-stream");
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    side->beginRun();
    QNetworkReply *reply = m_network.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    side->m_reply = reply;
    connect(reply, &QNetworkReply::readyRead, side, [side, reply] {
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() < 300)
            side->feed(reply->readAll());
    });
    connect(reply, &QNetworkReply::finished, side, [this, side, reply] {
        reply->deleteLater();
        LiveText error;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() == QNetworkReply::OperationCanceledError) {
            error = LiveText([] { return tr("Stopped."); });
        } else if (reply->error() != QNetworkReply::NoError || status >= 300) {
            const QJsonObject o = QJsonDocument::fromJson(reply->readAll()).object();
            QString message = o.value("error"_L1).toObject().value("message"_L1).toString();
            if (message.isEmpty())
                message = reply->errorString();
            error = status ? LiveText([status, message] { return tr("HTTP %1: %2").arg(status).arg(message); })
                           : LiveText::fixed(message);
        }
        side->finishRun(error);
        if (!m_left.isRunning() && !m_right.isRunning())
            setStatus(error.isEmpty() ? LiveText([] { return tr("Done."); }) : LiveText(), error);
    });
}

void PlaygroundController::stop()
{
    for (PlaygroundSide *side : {&m_left, &m_right}) {
        if (side->m_reply)
            side->m_reply->abort();
    }
}

void PlaygroundController::saveTemplate(const QString &text)
{
    if (m_left.model().isEmpty())
        return;
    const QString path = u"api/v1/prompts/overrides/%1/%2"_s.arg(QString::fromLatin1(QUrl::toPercentEncoding(m_left.model())),
                                                                m_feature);
    m_client->call("PUT", path, QJsonDocument(QJsonObject{{u"template"_s, text}}), this,
                   [this](const AdminError *error, const QJsonDocument &) {
                       if (error) {
                           setStatus({}, LiveText([detail = error->detail()] { return tr("The template was not saved: %1").arg(detail); }));
                           return;
                       }
                       setStatus(LiveText([model = m_left.model()] { return tr("Template saved as the override of %1.").arg(model); }));
                       Q_EMIT templateSaved();
                       render();
                   });
}

void PlaygroundController::revertTemplate()
{
    if (m_left.model().isEmpty())
        return;
    const QString path = u"api/v1/prompts/overrides/%1/%2/revert"_s.arg(
        QString::fromLatin1(QUrl::toPercentEncoding(m_left.model())), m_feature);
    m_client->call("POST", path, QJsonDocument(QJsonObject{{u"revision"_s, 0}}), this,
                   [this](const AdminError *error, const QJsonDocument &) {
                       if (error) {
                           setStatus({}, LiveText([detail = error->detail()] { return tr("The template was not reverted: %1").arg(detail); }));
                           return;
                       }
                       setStatus(LiveText([] { return tr("Back to the built-in template."); }));
                       render();
                   });
}

} // namespace airlock
