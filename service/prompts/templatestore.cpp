#include "templatestore.h"

#include "featurecatalog.h"

#include <QSqlQuery>

namespace airlock::prompts {

namespace {

TemplateRevision revisionFrom(const QSqlQuery &query)
{
    TemplateRevision r;
    r.id = query.value(0).toLongLong();
    r.endpoint = query.value(1).toString();
    r.feature = query.value(2).toString();
    r.text = query.value(3).toString();
    r.createdAt = query.value(4).toString();
    r.author = query.value(5).toString();
    return r;
}

// A null QString binds as SQL NULL; these columns are NOT NULL with '' meaning "none".
QString nonNull(const QString &text)
{
    return text.isNull() ? QStringLiteral("") : text;
}

const QString kColumns = QStringLiteral("id, endpoint, feature, template, created_at, author");

} // namespace

Result<std::optional<TemplateRevision>> TemplateStore::current(const QString &endpoint, const QString &feature)
{
    auto query = m_db.run(QStringLiteral("SELECT ") + kColumns
                              + QStringLiteral(" FROM prompt_overrides WHERE endpoint = ? AND feature = ?"
                                               " ORDER BY id DESC LIMIT 1"),
                          {endpoint, feature});
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<TemplateRevision>();
    TemplateRevision revision = revisionFrom(*query);
    if (revision.isBuiltIn())
        return std::optional<TemplateRevision>();
    return std::optional<TemplateRevision>(revision);
}

Result<QList<TemplateRevision>> TemplateStore::history(const QString &endpoint, const QString &feature)
{
    auto query = m_db.run(QStringLiteral("SELECT ") + kColumns
                              + QStringLiteral(" FROM prompt_overrides WHERE endpoint = ? AND feature = ? ORDER BY id DESC"),
                          {endpoint, feature});
    if (!query)
        return query.error();
    QList<TemplateRevision> revisions;
    while (query->next())
        revisions.append(revisionFrom(*query));
    return revisions;
}

Result<TemplateRevision> TemplateStore::set(const QString &endpoint, const QString &feature, const QString &text,
                                            const QString &author)
{
    if (auto st = PromptBuilder::validateOverride(feature, text); !st)
        return st.error();
    return append(endpoint, feature, text, author);
}

Result<TemplateRevision> TemplateStore::revert(const QString &endpoint, const QString &feature, qint64 revisionId,
                                               const QString &author)
{
    QString text;
    if (revisionId != 0) {
        auto query = m_db.run(QStringLiteral("SELECT template FROM prompt_overrides WHERE id = ? AND endpoint = ? AND feature = ?"),
                              {revisionId, endpoint, feature});
        if (!query)
            return query.error();
        if (!query->next()) {
            return Error::make(QStringLiteral("not_found"),
                               QStringLiteral("%1/%2 has no template revision %3").arg(endpoint, feature).arg(revisionId),
                               QStringLiteral("revision"));
        }
        text = query->value(0).toString();
    } else if (const Feature *f = FeatureCatalog::instance().find(feature); !f || !f->servedByGateway) {
        return Error::make(QStringLiteral("unknown_feature"), QStringLiteral("\"%1\" is not a feature the gateway serves").arg(feature),
                           QStringLiteral("feature"));
    }
    return append(endpoint, feature, text, author);
}

Result<TemplateRevision> TemplateStore::append(const QString &endpoint, const QString &feature, const QString &text,
                                               const QString &author)
{
    if (endpoint.trimmed().isEmpty())
        return Error::make(QStringLiteral("invalid_endpoint"), QStringLiteral("the endpoint name is empty"), QStringLiteral("endpoint"));
    TemplateRevision revision;
    revision.endpoint = endpoint;
    revision.feature = feature;
    revision.text = text;
    revision.author = author;
    revision.createdAt = Database::timestampNow();
    // The id is taken inside the write transaction (SQLite: BEGIN IMMEDIATE holds the write lock), which
    // keeps the SQL portable: INTEGER PRIMARY KEY auto-numbers on SQLite only.
    Status st = m_db.transaction([&]() -> Status {
        auto next = m_db.run(QStringLiteral("SELECT COALESCE(MAX(id), 0) + 1 FROM prompt_overrides"));
        if (!next)
            return next.error();
        if (!next->next())
            return Error::make(QStringLiteral("database_error"), QStringLiteral("no next id for prompt_overrides"));
        revision.id = next->value(0).toLongLong();
        next->finish();
        return m_db.exec(QStringLiteral("INSERT INTO prompt_overrides (") + kColumns + QStringLiteral(") VALUES (?, ?, ?, ?, ?, ?)"),
                         {revision.id, endpoint, feature, nonNull(text), revision.createdAt, nonNull(author)});
    });
    if (!st)
        return st.error();
    return revision;
}

Result<QHash<QPair<QString, QString>, QString>> TemplateStore::allCurrent()
{
    auto query = m_db.run(QStringLiteral(
        "SELECT p.endpoint, p.feature, p.template FROM prompt_overrides p"
        " JOIN (SELECT endpoint, feature, MAX(id) AS id FROM prompt_overrides GROUP BY endpoint, feature) latest"
        " ON latest.id = p.id"));
    if (!query)
        return query.error();
    QHash<QPair<QString, QString>, QString> out;
    while (query->next()) {
        const QString text = query->value(2).toString();
        if (!text.isEmpty())
            out.insert({query->value(0).toString(), query->value(1).toString()}, text);
    }
    return out;
}

Result<QList<TemplateRevision>> TemplateStore::followRenames(const QHash<QString, QString> &renames,
                                                             const QString &author)
{
    // Read everything first: with a swap (a -> b, b -> a), b's new templates are a's old ones.
    auto current = allCurrent();
    if (!current)
        return current.error();
    QHash<QString, QHash<QString, QString>> byEndpoint; // endpoint -> feature -> text
    for (auto it = current->cbegin(); it != current->cend(); ++it)
        byEndpoint[it.key().first].insert(it.key().second, it.value());
    QList<TemplateRevision> appended;
    for (auto rename = renames.cbegin(); rename != renames.cend(); ++rename) {
        const QString &from = rename.key();
        const QString &to = rename.value();
        if (from == to || to.trimmed().isEmpty())
            continue;
        const QHash<QString, QString> wanted = byEndpoint.value(from);
        const QHash<QString, QString> had = byEndpoint.value(to);
        QStringList features = wanted.keys() + had.keys();
        features.sort();
        features.removeDuplicates();
        for (const QString &feature : std::as_const(features)) {
            const QString text = wanted.value(feature); // empty: the built-in template
            if (text == had.value(feature))
                continue;
            auto revision = append(to, feature, text, author);
            if (!revision)
                return revision.error();
            appended.append(*revision);
        }
    }
    return appended;
}

} // namespace airlock::prompts
