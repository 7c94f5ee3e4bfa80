#pragma once

// The admin's prompt template overrides per (model endpoint, feature), with their history.
//
// Contract
// - Storage: the append-only table prompt_overrides(id, endpoint, feature, template, created_at,
//   author) (schema migration 2). Every change appends a row; nothing is updated or deleted, so the
//   history is the audit trail. The newest row of a pair is its current state; a row with an empty
//   template means "back to the built-in template".
// - Control plane only: it runs SQL, so never call it from a worker thread. The gateway reads
//   allCurrent() when it builds a configuration snapshot and hands PromptBuilder a TemplateOverride.
// - The Database must outlive the store; Database's thread rule applies.
// - set() validates with PromptBuilder::validateOverride (errors "unknown_feature", "invalid_template");
//   an endpoint name must be non-empty ("invalid_endpoint"); it need not be registered (an override
//   may be prepared before the model, and survives its removal).

#include "promptbuilder.h"
#include "storage/database.h"

#include <QHash>
#include <QList>
#include <QPair>

#include <optional>

namespace airlock::prompts {

struct TemplateRevision
{
    qint64 id = 0;
    QString endpoint;
    QString feature;
    QString text;       // empty: the built-in template
    QString createdAt;  // ISO-8601 UTC
    QString author;

    bool isBuiltIn() const { return text.isEmpty(); }
};

class TemplateStore
{
public:
    explicit TemplateStore(Database &database) : m_db(database) { }

    // The override in force, or nullopt when the built-in template applies (never set, or reverted).
    Result<std::optional<TemplateRevision>> current(const QString &endpoint, const QString &feature);
    // Every revision of the pair, newest first.
    Result<QList<TemplateRevision>> history(const QString &endpoint, const QString &feature);
    // Appends a revision with `text` (validated); returns it.
    Result<TemplateRevision> set(const QString &endpoint, const QString &feature, const QString &text,
                                 const QString &author);
    // Appends a revision that restores revision `revisionId` of the same pair (0: the built-in template).
    // Error "not_found" when the pair has no such revision.
    Result<TemplateRevision> revert(const QString &endpoint, const QString &feature, qint64 revisionId,
                                    const QString &author);
    // Every override in force: (endpoint, feature) -> text, built-in pairs left out.
    Result<QHash<QPair<QString, QString>, QString>> allCurrent();
    // Model endpoints renamed (old name -> new name; several at once, swaps included): each new name gets
    // the templates in force for its old name, feature by feature, as appended revisions (an override of
    // the new name that the old name did not have goes back to the built-in template). The old name's
    // revisions stay, as for a removed endpoint. Returns the revisions appended.
    Result<QList<TemplateRevision>> followRenames(const QHash<QString, QString> &renames, const QString &author);

private:
    Result<TemplateRevision> append(const QString &endpoint, const QString &feature, const QString &text,
                                    const QString &author);

    Database &m_db;
};

} // namespace airlock::prompts
