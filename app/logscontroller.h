#pragma once

// Live request logs: the latest records (GET /api/v1/logs), then new ones as the gateway commits them,
// over the admin listener's WebSocket /api/v1/logs/live (bearer admin token on the upgrade). Filters
// are applied on the server (the WebSocket's filter message, and the list query). Pausing keeps the
// socket but holds new records back until resume; the list keeps the newest `kMaxRows`.
// select() fetches one record in full (GET /api/v1/logs/{id}) for the detail pane. errorMessage is a
// LiveText: retranslate() announces it again after a language switch.

#include "jsonrowsmodel.h"
#include "livetext.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>

class QWebSocket;

namespace airlock {

class AdminClient;

class LogsController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(airlock::LogListModel *records READ records CONSTANT)
    Q_PROPERTY(bool live READ isLive NOTIFY liveChanged)
    Q_PROPERTY(bool paused READ isPaused WRITE setPaused NOTIFY pausedChanged)
    Q_PROPERTY(int heldBack READ heldBack NOTIFY pausedChanged)
    Q_PROPERTY(QString featureFilter READ featureFilter WRITE setFeatureFilter NOTIFY filterChanged)
    Q_PROPERTY(QString modelFilter READ modelFilter WRITE setModelFilter NOTIFY filterChanged)
    Q_PROPERTY(bool errorsOnly READ errorsOnly WRITE setErrorsOnly NOTIFY filterChanged)
    Q_PROPERTY(QVariantMap selected READ selected NOTIFY selectedChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)

public:
    static constexpr int kMaxRows = 500;

    explicit LogsController(AdminClient *client, QObject *parent = nullptr);
    ~LogsController() override;

    LogListModel *records() { return &m_records; }
    bool isLive() const { return m_live; }
    bool isPaused() const { return m_paused; }
    void setPaused(bool paused);
    int heldBack() const { return int(m_held.size()); }
    QString featureFilter() const { return m_feature; }
    void setFeatureFilter(const QString &feature);
    QString modelFilter() const { return m_model; }
    void setModelFilter(const QString &model);
    bool errorsOnly() const { return m_errorsOnly; }
    void setErrorsOnly(bool on);
    QVariantMap selected() const { return m_selected.toVariantMap(); }
    QString errorMessage() const { return m_errorMessage.text(); }

    // Starts the live tail (reloads the list, opens the socket); stop() closes it.
    Q_INVOKABLE void start();
    Q_INVOKABLE void stop();
    Q_INVOKABLE void select(qint64 id);
    // After a language switch: emits errorMessageChanged() so the message is read again.
    void retranslate();

Q_SIGNALS:
    void liveChanged();
    void pausedChanged();
    void filterChanged();
    void selectedChanged();
    void errorMessageChanged();

private:
    QJsonObject filter() const;
    QString filterQuery() const;
    void openSocket();
    void onMessage(const QString &message);
    void setLive(bool live);
    void setErrorMessage(const LiveText &message);
    void filtersChanged();

    AdminClient *m_client;
    LogListModel m_records;
    QWebSocket *m_socket = nullptr;
    QTimer m_reconnect;
    QJsonArray m_held;
    QJsonObject m_selected;
    QString m_feature;
    QString m_model;
    LiveText m_errorMessage;
    bool m_errorsOnly = false;
    bool m_paused = false;
    bool m_live = false;
    bool m_wanted = false;
};

} // namespace airlock
