#pragma once

// List models whose rows are JSON objects from the admin API (tokens, signing keys, log records, model
// test steps). Each subclass declares its role enum and maps every role to a JSON key; QML sees the
// roles by name. Rows are replaced wholesale (setRows) or, for live data, prepended with a cap.

#include <QAbstractListModel>
#include <QJsonArray>
#include <QJsonObject>

namespace airlock {

class JsonRowsModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
public:
    explicit JsonRowsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setRows(const QJsonArray &rows);
    // Newest first: `rows` (oldest first, as they arrived) go on top; the oldest beyond `cap` are dropped.
    void prependRows(const QJsonArray &rows, int cap);
    void clear();
    QJsonObject row(int index) const { return m_rows.value(index); }
    Q_INVOKABLE QVariant get(int index) const { return m_rows.value(index).toVariantMap(); }

Q_SIGNALS:
    void countChanged();

protected:
    // role -> (role name for QML, JSON key). Roles start at Qt::UserRole + 1.
    virtual QHash<int, std::pair<QByteArray, QString>> roles() const = 0;
    // Computed roles (not a plain JSON key): return an invalid QVariant to fall back to the key.
    virtual QVariant computed(const QJsonObject &row, int role) const;

private:
    QList<QJsonObject> m_rows;
    mutable QHash<int, std::pair<QByteArray, QString>> m_roles;
};

// GET /api/v1/tokens rows.
class TokenListModel : public airlock::JsonRowsModel
{
    Q_OBJECT
public:
    enum Role { IdRole = Qt::UserRole + 1, SubjectRole, ScopesRole, DescriptionRole, IssuedAtRole, ExpiresAtRole,
                RevokedRole, ExpiredRole };
    Q_ENUM(Role)
    using JsonRowsModel::JsonRowsModel;

protected:
    QHash<int, std::pair<QByteArray, QString>> roles() const override;
    QVariant computed(const QJsonObject &row, int role) const override;
};

// GET /api/v1/keys rows.
class SigningKeyListModel : public airlock::JsonRowsModel
{
    Q_OBJECT
public:
    enum Role { KidRole = Qt::UserRole + 1, AlgRole, CreatedAtRole, ActiveRole, StateRole };
    Q_ENUM(Role)
    using JsonRowsModel::JsonRowsModel;

protected:
    QHash<int, std::pair<QByteArray, QString>> roles() const override;
    QVariant computed(const QJsonObject &row, int role) const override;
};

// Request log records (GET /api/v1/logs items and live records).
class LogListModel : public airlock::JsonRowsModel
{
    Q_OBJECT
public:
    enum Role { IdRole = Qt::UserRole + 1, StartedAtRole, TimeRole, FeatureRole, ModelRole, UserRole, StatusRole,
                TotalMsRole, TokensRole, ErrorRole, PathRole };
    Q_ENUM(Role)
    using JsonRowsModel::JsonRowsModel;

protected:
    QHash<int, std::pair<QByteArray, QString>> roles() const override;
    QVariant computed(const QJsonObject &row, int role) const override;
};

// POST /api/v1/models/test steps. `status` is ok, failed, skipped or warning (an answer without it, from
// an older gateway, reads as ok/failed/skipped from its `ok` and `skipped`); `message` falls back to `detail`.
class TestStepModel : public airlock::JsonRowsModel
{
    Q_OBJECT
public:
    enum Role { NameRole = Qt::UserRole + 1, OkRole, SkippedRole, DetailRole, MsRole, StatusRole, MessageRole };
    Q_ENUM(Role)
    using JsonRowsModel::JsonRowsModel;

protected:
    QHash<int, std::pair<QByteArray, QString>> roles() const override;
    QVariant computed(const QJsonObject &row, int role) const override;
};

} // namespace airlock
