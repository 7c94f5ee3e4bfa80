#include "featureids.h"

namespace airlock {

const QStringList &knownFeatureIds()
{
    static const QStringList ids{
        QStringLiteral("code_completions"),
        QStringLiteral("code_generations"),
        QStringLiteral("duo_chat"),
        QStringLiteral("duo_chat_explain_code"),
        QStringLiteral("duo_chat_write_tests"),
        QStringLiteral("duo_chat_refactor_code"),
        QStringLiteral("duo_chat_fix_code"),
        QStringLiteral("duo_chat_troubleshoot_job"),
        QStringLiteral("duo_chat_explain_vulnerability"),
        QStringLiteral("duo_chat_summarize_comments"),
        QStringLiteral("generate_commit_message"),
        QStringLiteral("summarize_new_merge_request"),
        QStringLiteral("summarize_review"),
        QStringLiteral("review_merge_request"),
        QStringLiteral("resolve_vulnerability"),
        QStringLiteral("glab_ask_git_command"),
        QStringLiteral("fill_merge_request_template"),
        QStringLiteral("generate_issue_description"),
        QStringLiteral("root_cause_analysis"),
    };
    return ids;
}

bool isKnownFeature(QStringView id)
{
    for (const QString &known : knownFeatureIds()) {
        if (known == id)
            return true;
    }
    return false;
}

} // namespace airlock
