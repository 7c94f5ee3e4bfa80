#include "savedconnections.h"

#include "consolelog.h"

#include <QSettings>
#include <qt6keychain/keychain.h>

namespace airlock {

using namespace Qt::StringLiterals;

SavedConnections::SavedConnections(QObject *parent, const QString &keychainService)
    : QAbstractListModel(parent)
    , m_service(keychainService)
{
    load();
}

int SavedConnections::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant SavedConnections::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &e = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole: return e.name;
    case UrlRole: return e.url;
    default: return {};
    }
}

QHash<int, QByteArray> SavedConnections::roleNames() const
{
    return {{NameRole, "name"}, {UrlRole, "url"}};
}

int SavedConnections::indexOf(const QString &url) const
{
    for (int i = 0; i < m_entries.size(); ++i) {
        if (m_entries.at(i).url == url)
            return i;
    }
    return -1;
}

void SavedConnections::load()
{
    QSettings settings;
    const int n = settings.beginReadArray(u"connections"_s);
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        const Entry e{settings.value(u"name"_s).toString(), settings.value(u"url"_s).toString()};
        if (!e.url.isEmpty())
            m_entries.append(e);
    }
    settings.endArray();
}

void SavedConnections::store() const
{
    QSettings settings;
    settings.beginWriteArray(u"connections"_s, int(m_entries.size()));
    for (int i = 0; i < m_entries.size(); ++i) {
        settings.setArrayIndex(i);
        settings.setValue(u"name"_s, m_entries.at(i).name);
        settings.setValue(u"url"_s, m_entries.at(i).url);
    }
    settings.endArray();
}

void SavedConnections::setErrorMessage(const LiveText &message)
{
    if (m_errorMessage.text() == message.text())
        return;
    m_errorMessage = message;
    Q_EMIT errorMessageChanged();
}

void SavedConnections::retranslate()
{
    Q_EMIT errorMessageChanged();
}

void SavedConnections::jobStarted()
{
    if (m_jobs++ == 0)
        Q_EMIT busyChanged();
}

void SavedConnections::jobFinished()
{
    if (--m_jobs == 0)
        Q_EMIT busyChanged();
}

void SavedConnections::save(const QString &name, const QString &url, const QString &token)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(url);
    job->setTextData(token);
    jobStarted();
    connect(job, &QKeychain::Job::finished, this, [this, name, url](QKeychain::Job *job) {
        jobFinished();
        if (job->error() != QKeychain::NoError) {
            qCInfo(lcConsole).noquote() << "keychain write failed:" << job->errorString();
            setErrorMessage(LiveText([detail = job->errorString()] { return tr("The token could not be stored in the keychain: %1").arg(detail); }));
            Q_EMIT keychainFailed(m_errorMessage.text());
            return;
        }
        setErrorMessage({});
        const QString label = name.trimmed().isEmpty() ? url : name.trimmed();
        if (const int at = indexOf(url); at >= 0) {
            m_entries[at].name = label;
            Q_EMIT dataChanged(index(at), index(at));
        } else {
            beginInsertRows({}, int(m_entries.size()), int(m_entries.size()));
            m_entries.append(Entry{label, url});
            endInsertRows();
            Q_EMIT countChanged();
        }
        store();
        Q_EMIT saved(url);
    });
    job->start();
}

void SavedConnections::remove(const QString &url)
{
    if (const int at = indexOf(url); at >= 0) {
        beginRemoveRows({}, at, at);
        m_entries.removeAt(at);
        endRemoveRows();
        store();
        Q_EMIT countChanged();
    }
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(url);
    jobStarted();
    connect(job, &QKeychain::Job::finished, this, [this](QKeychain::Job *job) {
        jobFinished();
        if (job->error() != QKeychain::NoError && job->error() != QKeychain::EntryNotFound)
            qCInfo(lcConsole).noquote() << "keychain delete failed:" << job->errorString();
    });
    job->start();
}

void SavedConnections::readToken(const QString &url)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(url);
    jobStarted();
    connect(job, &QKeychain::Job::finished, this, [this, url](QKeychain::Job *job) {
        jobFinished();
        auto *read = static_cast<QKeychain::ReadPasswordJob *>(job);
        if (job->error() != QKeychain::NoError) {
            setErrorMessage(job->error() == QKeychain::EntryNotFound
                                ? LiveText([url] { return tr("No token for %1 in the keychain.").arg(url); })
                                : LiveText([detail = job->errorString()] { return tr("The keychain could not be read: %1").arg(detail); }));
            Q_EMIT keychainFailed(m_errorMessage.text());
            return;
        }
        setErrorMessage({});
        Q_EMIT tokenRead(url, read->textData());
    });
    job->start();
}

} // namespace airlock
