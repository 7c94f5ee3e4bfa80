#pragma once

// The gateways the admin connects to again: name and admin URL in the settings (QSettings), the admin
// token in the OS keychain through QtKeychain (service "airlock-admin", key = the admin URL), never in
// a file. Keychain calls are asynchronous; each ends with exactly one signal.
//
//   save(name, url, token)  -> saved(url) | keychainFailed(message)
//   remove(url)             -> removed from the list at once; the keychain entry is deleted in the background
//   readToken(url)          -> tokenRead(url, token) | keychainFailed(message)
//
// A list model with role enum: name, url. Plain QObject; QML sees it through Console.connections.
// errorMessage is a LiveText: retranslate() announces it again after a language switch.

#include "livetext.h"

#include <QAbstractListModel>

namespace airlock {

class SavedConnections : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(bool busy READ isBusy NOTIFY busyChanged)
    // The last keychain failure, for display; cleared by the next success.
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)
public:
    enum Role { NameRole = Qt::UserRole + 1, UrlRole };
    Q_ENUM(Role)

    // `settingsGroup` isolates tests; `keychainService` names the keychain entries' service.
    explicit SavedConnections(QObject *parent = nullptr, const QString &keychainService = QStringLiteral("airlock-admin"));

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool isBusy() const { return m_jobs > 0; }
    QString errorMessage() const { return m_errorMessage.text(); }

    Q_INVOKABLE void save(const QString &name, const QString &url, const QString &token);
    Q_INVOKABLE void remove(const QString &url);
    Q_INVOKABLE void readToken(const QString &url);
    Q_INVOKABLE int indexOf(const QString &url) const;
    // After a language switch: emits errorMessageChanged() so the message is read again.
    void retranslate();

Q_SIGNALS:
    void countChanged();
    void busyChanged();
    void saved(const QString &url);
    void tokenRead(const QString &url, const QString &token);
    void keychainFailed(const QString &message);
    void errorMessageChanged();

private:
    struct Entry
    {
        QString name;
        QString url;
    };
    void load();
    void store() const;
    void jobStarted();
    void jobFinished();

    void setErrorMessage(const LiveText &message);

    QString m_service;
    LiveText m_errorMessage;
    QList<Entry> m_entries;
    int m_jobs = 0;
};

} // namespace airlock
