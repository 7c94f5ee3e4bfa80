#include "redaction.h"

#include <QRegularExpression>
#include <QString>

namespace airlock::storage {

namespace {

struct Rule
{
    QRegularExpression pattern;
    QString replacement;
};

const QList<Rule> &rules()
{
    // Order matters: whole private keys first (their body would otherwise match nothing useful), then
    // named fields (so that "api_key": "sk-..." becomes "api_key": "[REDACTED]"), then free-standing
    // token shapes wherever they appear.
    static const QList<Rule> list = [] {
        const auto ci = QRegularExpression::CaseInsensitiveOption;
        QList<Rule> r;
        r.append({QRegularExpression(QStringLiteral("-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----"),
                                     QRegularExpression::DotMatchesEverythingOption),
                  QStringLiteral("[REDACTED PRIVATE KEY]")});
        // An unterminated key (body cut at the capture limit): drop everything after its start.
        r.append({QRegularExpression(QStringLiteral("-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*"),
                                     QRegularExpression::DotMatchesEverythingOption),
                  QStringLiteral("[REDACTED PRIVATE KEY]")});
        // Bearer/Basic credentials (headers copied into prompts, curl commands, ...).
        r.append({QRegularExpression(QStringLiteral("\\b(bearer)(\\s+)[A-Za-z0-9._~+/=-]{8,}"), ci),
                  QStringLiteral("\\1\\2[REDACTED]")});
        // Named secrets in JSON, YAML, headers, env files and query strings: the value after the name.
        r.append({QRegularExpression(
                      QStringLiteral("((?:authorization|proxy-authorization|x-api-key|api[_-]?key|apikey|access[_-]?token|"
                                     "refresh[_-]?token|id[_-]?token|auth[_-]?token|private[_-]?token|client[_-]?secret|"
                                     "secret[_-]?key|secret|password|passwd)(?:\\\\?\")?\\s*[:=]\\s*(?:\\\\?\")?)"
                                     "(?!\\[REDACTED)([^\"\\\\\\s,;&}]+)"),
                      ci),
                  QStringLiteral("\\1[REDACTED]")});
        r.append({QRegularExpression(QStringLiteral("\\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{8,}")), QStringLiteral("[REDACTED]")});
        r.append({QRegularExpression(QStringLiteral("\\bgl(?:pat|dt|rt|ptt|ft|soat|oas|cbt|imt|agent)-[A-Za-z0-9_-]{10,}")),
                  QStringLiteral("[REDACTED]")});
        r.append({QRegularExpression(QStringLiteral("\\beyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*")),
                  QStringLiteral("[REDACTED]")});
        r.append({QRegularExpression(QStringLiteral("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b")), QStringLiteral("[REDACTED]")});
        r.append({QRegularExpression(QStringLiteral("\\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}")),
                  QStringLiteral("[REDACTED]")});
        r.append({QRegularExpression(QStringLiteral("\\bxox[abposr]-[A-Za-z0-9-]{10,}")), QStringLiteral("[REDACTED]")});
        return r;
    }();
    return list;
}

} // namespace

QByteArray redactSecrets(const QByteArray &text)
{
    if (text.isEmpty())
        return text;
    QString s = QString::fromUtf8(text);
    for (const Rule &rule : rules())
        s.replace(rule.pattern, rule.replacement);
    return s.toUtf8();
}

} // namespace airlock::storage
