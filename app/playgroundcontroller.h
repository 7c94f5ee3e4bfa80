#pragma once

// The prompt playground: pick a feature and one model (or two side by side), edit code with a cursor
// marker, see the exact request Airlock would send (POST /api/v1/prompts/render), run it through the
// gateway's data path with the answer streaming in, and edit the prompt template and save it as the
// model's override (PUT /api/v1/prompts/overrides/{endpoint}/{feature}).
//
// Running goes through the gateway like any client (so the request shows in the logs): the console
// issues itself a short-lived client token (POST /api/v1/tokens, subject "airlock-console", 1 hour) and
// posts the rendered body to the gateway's OpenAI API with `model` set to the endpoint's name.
// Each side's results are in a PlaygroundSide: time to first token, total time and tokens/s (one SSE
// event counts as one token unless the server reports usage).
//
// The status and error messages (the controller's and each side's) are LiveText: retranslate() announces
// them again after a language switch.

#include "livetext.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>

class QNetworkReply;

namespace airlock {

class AdminClient;

class PlaygroundSide : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString model READ model WRITE setModel NOTIFY changed)
    Q_PROPERTY(QString prompt READ prompt NOTIFY changed)
    Q_PROPERTY(QString requestBody READ requestBody NOTIFY changed)
    Q_PROPERTY(QString api READ api NOTIFY changed)
    Q_PROPERTY(bool truncated READ truncated NOTIFY changed)
    Q_PROPERTY(int promptTokens READ promptTokens NOTIFY changed)
    Q_PROPERTY(QString answer READ answer NOTIFY changed)
    Q_PROPERTY(bool running READ isRunning NOTIFY changed)
    Q_PROPERTY(bool finished READ isFinished NOTIFY changed)
    Q_PROPERTY(int firstTokenMs READ firstTokenMs NOTIFY changed)
    Q_PROPERTY(int totalMs READ totalMs NOTIFY changed)
    Q_PROPERTY(int tokens READ tokens NOTIFY changed)
    Q_PROPERTY(double tokensPerSecond READ tokensPerSecond NOTIFY changed)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY changed)
public:
    using QObject::QObject;

    QString model() const { return m_model; }
    void setModel(const QString &model);
    QString prompt() const { return m_prompt; }
    QString requestBody() const;
    QString api() const { return m_api; }
    bool truncated() const { return m_truncated; }
    int promptTokens() const { return m_promptTokens; }
    QString answer() const { return m_answer; }
    bool isRunning() const { return m_running; }
    bool isFinished() const { return m_finished; }
    int firstTokenMs() const { return m_firstTokenMs; }
    int totalMs() const { return m_totalMs; }
    int tokens() const { return m_tokens; }
    double tokensPerSecond() const;
    QString errorMessage() const { return m_error.text(); }

    // The render answer (see consoleapi.h).
    void setRendered(const QJsonObject &render);
    void setError(const LiveText &message);
    void clearRun();
    QJsonObject body() const { return m_body; }

    // Streaming: feed SSE bytes as they arrive, then finish.
    void beginRun();
    void feed(const QByteArray &bytes);
    // An empty error: the run finished.
    void finishRun(const LiveText &error);

    // After a language switch: emits changed() so the error is read again.
    void retranslate();

Q_SIGNALS:
    void changed();

private:
    void onEvent(const QByteArray &data);

    QString m_model;
    QString m_prompt;
    QJsonObject m_body;
    QString m_api;
    bool m_truncated = false;
    int m_promptTokens = 0;
    QString m_answer;
    QByteArray m_buffer;
    QElapsedTimer m_timer;
    bool m_running = false;
    bool m_finished = false;
    int m_firstTokenMs = -1;
    int m_totalMs = -1;
    int m_tokens = 0;
    int m_usageTokens = -1;
    LiveText m_error;
    friend class PlaygroundController;
    QPointer<QNetworkReply> m_reply;
};

class PlaygroundController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString feature READ feature WRITE setFeature NOTIFY inputChanged)
    Q_PROPERTY(QString fileName READ fileName WRITE setFileName NOTIFY inputChanged)
    Q_PROPERTY(QString language READ language WRITE setLanguage NOTIFY inputChanged)
    Q_PROPERTY(QString code READ code WRITE setCode NOTIFY inputChanged)
    Q_PROPERTY(QString instruction READ instruction WRITE setInstruction NOTIFY inputChanged)
    Q_PROPERTY(bool compare READ compare WRITE setCompare NOTIFY inputChanged)
    Q_PROPERTY(airlock::PlaygroundSide *left READ left CONSTANT)
    Q_PROPERTY(airlock::PlaygroundSide *right READ right CONSTANT)
    Q_PROPERTY(QString templateText READ templateText NOTIFY templateChanged)
    Q_PROPERTY(QString templateSource READ templateSource NOTIFY templateChanged)
    Q_PROPERTY(QString builtInTemplate READ builtInTemplate NOTIFY templateChanged)
    Q_PROPERTY(QString statusMessage READ statusMessage NOTIFY statusChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY statusChanged)
    Q_PROPERTY(QString cursorMarker READ cursorMarker CONSTANT)

public:
    explicit PlaygroundController(AdminClient *client, QObject *parent = nullptr);

    QString feature() const { return m_feature; }
    void setFeature(const QString &feature);
    QString fileName() const { return m_fileName; }
    void setFileName(const QString &fileName);
    QString language() const { return m_language; }
    void setLanguage(const QString &language);
    QString code() const { return m_code; }
    void setCode(const QString &code);
    QString instruction() const { return m_instruction; }
    void setInstruction(const QString &instruction);
    bool compare() const { return m_compare; }
    void setCompare(bool compare);
    PlaygroundSide *left() { return &m_left; }
    PlaygroundSide *right() { return &m_right; }
    QString templateText() const { return m_templateText; }
    QString templateSource() const { return m_templateSource; }
    QString builtInTemplate() const { return m_builtIn; }
    QString statusMessage() const { return m_status.text(); }
    QString errorMessage() const { return m_error.text(); }
    static QString cursorMarker() { return QStringLiteral("<|cursor|>"); }

    // Where the gateway's data path is (from GET /api/v1/info's gateway_listen and the admin URL).
    void setGatewayUrl(const QUrl &url) { m_gatewayUrl = url; }
    QUrl gatewayUrl() const { return m_gatewayUrl; }

    // Splits `code` at the cursor marker (no marker: the cursor is at the end).
    static std::pair<QString, QString> splitAtCursor(const QString &code);

    Q_INVOKABLE void render(const QString &templatePreview = QString());
    Q_INVOKABLE void run();
    Q_INVOKABLE void stop();
    Q_INVOKABLE void saveTemplate(const QString &text);
    Q_INVOKABLE void revertTemplate();
    void clear();
    // After a language switch: emits statusChanged() and the sides' changed() so the messages are read again.
    void retranslate();

Q_SIGNALS:
    void inputChanged();
    void templateChanged();
    void statusChanged();
    void templateSaved();

private:
    void renderSide(PlaygroundSide *side, const QString &templatePreview);
    void runSide(PlaygroundSide *side);
    void withToken(std::function<void()> then);
    void setStatus(const LiveText &status, const LiveText &error = {});

    AdminClient *m_client;
    QNetworkAccessManager m_network;
    QUrl m_gatewayUrl;
    QByteArray m_clientToken;
    qint64 m_clientTokenExpiry = 0;
    QString m_feature = QStringLiteral("code_completions");
    QString m_fileName = QStringLiteral("main.py");
    QString m_language = QStringLiteral("python");
    QString m_code;
    QString m_instruction;
    bool m_compare = false;
    PlaygroundSide m_left;
    PlaygroundSide m_right;
    QString m_templateText;
    QString m_templateSource;
    QString m_builtIn;
    LiveText m_status;
    LiveText m_error;
};

} // namespace airlock
