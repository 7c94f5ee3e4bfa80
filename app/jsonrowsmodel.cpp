#include "jsonrowsmodel.h"

#include <QDateTime>

namespace airlock {

using namespace Qt::StringLiterals;

JsonRowsModel::JsonRowsModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

int JsonRowsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant JsonRowsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &row = m_rows.at(index.row());
    if (role == Qt::DisplayRole)
        role = Qt::UserRole + 1;
    if (m_roles.isEmpty())
        m_roles = roles();
    const auto it = m_roles.constFind(role);
    if (it == m_roles.cend())
        return {};
    const QVariant value = computed(row, role);
    if (value.isValid())
        return value;
    return row.value(it->second).toVariant();
}

QHash<int, QByteArray> JsonRowsModel::roleNames() const
{
    if (m_roles.isEmpty())
        m_roles = roles();
    QHash<int, QByteArray> names;
    for (auto it = m_roles.cbegin(); it != m_roles.cend(); ++it)
        names.insert(it.key(), it->first);
    return names;
}

QVariant JsonRowsModel::computed(const QJsonObject &, int) const
{
    return {};
}

void JsonRowsModel::setRows(const QJsonArray &rows)
{
    beginResetModel();
    m_rows.clear();
    for (const QJsonValue &v : rows)
        m_rows.append(v.toObject());
    endResetModel();
    Q_EMIT countChanged();
}

void JsonRowsModel::prependRows(const QJsonArray &rows, int cap)
{
    if (rows.isEmpty())
        return;
    const int n = int(std::min<qsizetype>(rows.size(), cap));
    beginInsertRows({}, 0, n - 1);
    for (qsizetype i = rows.size() - n; i < rows.size(); ++i)
        m_rows.prepend(rows.at(i).toObject());
    endInsertRows();
    if (m_rows.size() > cap) {
        beginRemoveRows({}, cap, int(m_rows.size()) - 1);
        m_rows.resize(cap);
        endRemoveRows();
    }
    Q_EMIT countChanged();
}

void JsonRowsModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
    Q_EMIT countChanged();
}

namespace {
QString localTime(const QJsonValue &value)
{
    QDateTime t = value.isDouble() ? QDateTime::fromSecsSinceEpoch(qint64(value.toDouble()))
                                   : QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s) : QString();
}
} // namespace

QHash<int, std::pair<QByteArray, QString>> TokenListModel::roles() const
{
    return {{IdRole, {"tokenId", u"id"_s}},           {SubjectRole, {"subject", u"subject"_s}},
            {ScopesRole, {"scopes", u"scopes"_s}},    {DescriptionRole, {"description", u"description"_s}},
            {IssuedAtRole, {"issuedAt", u"issued_at"_s}}, {ExpiresAtRole, {"expiresAt", u"expires_at"_s}},
            {RevokedRole, {"revoked", u"revoked"_s}}, {ExpiredRole, {"expired", u"expired"_s}}};
}

QVariant TokenListModel::computed(const QJsonObject &row, int role) const
{
    switch (role) {
    case ScopesRole: {
        QStringList scopes;
        for (const QJsonValue &v : row.value("scopes"_L1).toArray())
            scopes << v.toString();
        return scopes.join(u", "_s);
    }
    case IssuedAtRole: return localTime(row.value("issued_at"_L1));
    case ExpiresAtRole: return localTime(row.value("expires_at"_L1));
    case RevokedRole: return row.value("revoked"_L1).toBool() || row.contains("revoked_at"_L1);
    case ExpiredRole: return row.value("expired"_L1).toBool();
    default: return {};
    }
}

QHash<int, std::pair<QByteArray, QString>> SigningKeyListModel::roles() const
{
    return {{KidRole, {"kid", u"kid"_s}},
            {AlgRole, {"alg", u"alg"_s}},
            {CreatedAtRole, {"createdAt", u"created_at"_s}},
            {ActiveRole, {"active", u"active"_s}},
            {StateRole, {"keyState", u"state"_s}}};
}

QVariant SigningKeyListModel::computed(const QJsonObject &row, int role) const
{
    if (role == CreatedAtRole)
        return localTime(row.value("created_at"_L1));
    if (role == ActiveRole)
        return row.value("active"_L1).toBool();
    return {};
}

QHash<int, std::pair<QByteArray, QString>> LogListModel::roles() const
{
    return {{IdRole, {"recordId", u"id"_s}},
            {StartedAtRole, {"startedAt", u"started_at"_s}},
            {TimeRole, {"time", u"started_ms"_s}},
            {FeatureRole, {"feature", u"feature"_s}},
            {ModelRole, {"model", u"model_endpoint"_s}},
            {UserRole, {"user", u"user_id"_s}},
            {StatusRole, {"status", u"status"_s}},
            {TotalMsRole, {"totalMs", u"total_ms"_s}},
            {TokensRole, {"tokens", u"answer_tokens"_s}},
            {ErrorRole, {"error", u"error_message"_s}},
            {PathRole, {"path", u"path"_s}}};
}

QVariant LogListModel::computed(const QJsonObject &row, int role) const
{
    switch (role) {
    case IdRole: return row.value("id"_L1).toInteger();
    case TimeRole:
        return QDateTime::fromMSecsSinceEpoch(row.value("started_ms"_L1).toInteger()).toLocalTime().toString(u"HH:mm:ss"_s);
    case StatusRole: return row.value("status"_L1).toInt();
    case TotalMsRole: return row.contains("total_ms"_L1) ? QVariant(qRound(row.value("total_ms"_L1).toDouble())) : QVariant(-1);
    case TokensRole: return row.contains("answer_tokens"_L1) ? QVariant(row.value("answer_tokens"_L1).toInt()) : QVariant(-1);
    case ErrorRole: {
        const QString message = row.value("error_message"_L1).toString();
        return message.isEmpty() ? row.value("error_code"_L1).toString() : message;
    }
    default: return {};
    }
}

QHash<int, std::pair<QByteArray, QString>> TestStepModel::roles() const
{
    return {{NameRole, {"name", u"name"_s}},
            {OkRole, {"ok", u"ok"_s}},
            {SkippedRole, {"skipped", u"skipped"_s}},
            {DetailRole, {"detail", u"detail"_s}},
            {MsRole, {"ms", u"ms"_s}},
            {StatusRole, {"status", u"status"_s}},
            {MessageRole, {"message", u"message"_s}}};
}

QVariant TestStepModel::computed(const QJsonObject &row, int role) const
{
    switch (role) {
    case OkRole: return row.value("ok"_L1).toBool();
    case SkippedRole: return row.value("skipped"_L1).toBool();
    case MsRole: return row.contains("ms"_L1) ? QVariant(row.value("ms"_L1).toInt()) : QVariant(-1);
    case StatusRole:
        if (row.value("status"_L1).isString())
            return row.value("status"_L1).toString();
        return row.value("ok"_L1).toBool() ? u"ok"_s : row.value("skipped"_L1).toBool() ? u"skipped"_s : u"failed"_s;
    case MessageRole:
        return row.value("message"_L1).isString() ? row.value("message"_L1).toString() : row.value("detail"_L1).toString();
    default: return {};
    }
}

} // namespace airlock
