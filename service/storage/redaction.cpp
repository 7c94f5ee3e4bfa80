#include "redaction.h"

#include <QRegularExpression>
#include <QSet>

namespace airlock::storage {

namespace {

const QString kRedacted = QStringLiteral("[REDACTED]");

QRegularExpression re(const char *pattern, bool caseInsensitive = false, bool dotAll = false)
{
    QRegularExpression::PatternOptions options = QRegularExpression::NoPatternOption;
    if (caseInsensitive)
        options |= QRegularExpression::CaseInsensitiveOption;
    if (dotAll)
        options |= QRegularExpression::DotMatchesEverythingOption;
    QRegularExpression regex(QString::fromLatin1(pattern), options);
    regex.optimize();
    return regex;
}

// The name of an assignment: any identifier (with . and - inside) that ends in one of these words.
#define SECRET_NAME                                                                                           \
    R"(\b[\w.-]*?(?:password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|)" \
    R"(credentials?|authorization)(?![A-Za-z0-9_]))"
// Then an optional closing quote (also JSON-escaped, inside a JSON string) and the separator: JSON and
// YAML `:`, env and code `=`, Go `:=`, PHP/Ruby `=>` (never `==`).
#define SEPARATOR R"((?:\\?["'])?\s*(?::=|=>|[:=])\s*(?!=))"
// Unquoted values that are code, not a secret: a keyword or type, another secret-named variable, a member
// path (self.password, os.environ), a template or environment reference.
#define NOT_CODE                                                                                                     \
    R"((?!(?:none|null|nil|true|false|str|string|bytes|int|bool|boolean|undefined|self|this|optional|required|)" \
    R"(object|any|char)\b))"                                                                                        \
    R"((?!\w*(?:password|passwd|passphrase|secret|token|key|credentials?)\b))"                                     \
    R"((?![A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?![\w./+=~-])))"                                                            \
    R"((?!\$\{|\$\(|\{\{|%\())"

} // namespace

const QList<Redactor::Rule> &Redactor::builtins()
{
    static const QList<Rule> list = [] {
        const QString keep1 = QStringLiteral("\\1[REDACTED]");
        QList<Rule> r;
        r.append({QStringLiteral("private_key"),
                  {{re(R"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)",
                       false, true),
                    QStringLiteral("[REDACTED PRIVATE KEY]")},
                   // An unterminated key (body cut at the capture limit): drop everything after its start.
                   {re(R"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*)", false, true),
                    QStringLiteral("[REDACTED PRIVATE KEY]")}}});
        r.append({QStringLiteral("bearer"),
                  {{re(R"(\b(bearer)([ \t]+)(?!\[REDACTED)[A-Za-z0-9._~+/=-]{8,})", true),
                    QStringLiteral("\\1\\2[REDACTED]")}}});
        r.append({QStringLiteral("connection_string"),
                  {{re(R"(\b([a-z][a-z0-9+.-]{1,30}://[^\s:/@"'<>]*:)(?!\[REDACTED)([^\s@/"'<>]{1,256})@)", true),
                    QStringLiteral("\\1[REDACTED]@")}}});
        r.append({QStringLiteral("aws_secret_access_key"),
                  {{re(R"(((?:aws_?)?secret_?access_?key(?:\\?["'])?\s*(?::=|=>|[:=])\s*(?:\\?["'])?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+]))",
                       true),
                    keep1}}});
        r.append({QStringLiteral("azure_key"),
                  {{re(R"(((?:AccountKey|SharedAccessKey)\s*=\s*)[A-Za-z0-9+/]{20,}={0,2})", true), keep1},
                   {re(R"(\b[A-Za-z0-9_~.-]{3}\d[Qq]~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-]))"), kRedacted}}});
        r.append({QStringLiteral("secret_assignment"),
                  {// Authorization: Basic/Token/Digest <credential>
                   {re(R"((authorization(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?(?:basic|token|digest|negotiate)\s+)(?!\[REDACTED)[^\s"'\\,;]+)",
                       true),
                    keep1},
                   {re(R"(()" SECRET_NAME SEPARATOR R"(\\?")(?!\[REDACTED)[^"\\\r\n]+)", true), keep1},
                   {re(R"(()" SECRET_NAME SEPARATOR R"(')(?!\[REDACTED)[^'\\\r\n]+)", true), keep1},
                   {re(R"(()" SECRET_NAME SEPARATOR R"()(?!\[REDACTED))" NOT_CODE R"([^\s"'`,;&}()\[\]<>\\]{3,}+(?![(\[]))",
                       true),
                    keep1}}});
        r.append({QStringLiteral("aws_access_key_id"),
                  {{re(R"(\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|AKPA|ANPA|ANVA|AROA|APKA|ASCA)[0-9A-Z]{16}\b)"), kRedacted}}});
        r.append({QStringLiteral("gcp_api_key"), {{re(R"(\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-]))"), kRedacted}}});
        r.append({QStringLiteral("jwt"),
                  {{re(R"(\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)"), kRedacted}}});
        r.append({QStringLiteral("openai_key"),
                  {{re(R"(\bsk-(?:(?:proj|ant|svcacct|admin)-[A-Za-z0-9_-]{8,}|[A-Za-z0-9]{20,}))"), kRedacted}}});
        r.append({QStringLiteral("github_token"),
                  {{re(R"(\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,})"), kRedacted}}});
        r.append({QStringLiteral("gitlab_token"),
                  {{re(R"(\bgl(?:pat|dt|rt|ptt|ft|soat|oas|cbt|imt|agent)-[A-Za-z0-9_-]{10,})"), kRedacted}}});
        r.append({QStringLiteral("slack_token"),
                  {{re(R"(\bxox[abposr]-[A-Za-z0-9-]{10,})"), kRedacted},
                   {re(R"((hooks\.slack\.com/services/)[A-Za-z0-9/]{10,})"), keep1}}});
        return r;
    }();
    return list;
}

Redactor::Redactor()
    : m_rules(builtins())
{
}

QStringList Redactor::builtinRuleNames()
{
    QStringList names;
    for (const Rule &rule : builtins())
        names << rule.name;
    return names;
}

QStringList Redactor::ruleNames() const
{
    QStringList names;
    for (const Rule &rule : m_rules)
        names << rule.name;
    return names;
}

Result<std::shared_ptr<const Redactor>> Redactor::make(const QStringList &disabled, const QList<CustomRule> &custom,
                                                       const QString &where)
{
    auto fail = [](const QString &code, const QString &field, const QString &message) {
        return Error::make(code, QStringLiteral("%1: %2").arg(field, message), field);
    };
    const QStringList known = builtinRuleNames();
    QSet<QString> off;
    for (qsizetype i = 0; i < disabled.size(); ++i) {
        const QString field = QStringLiteral("%1.disable[%2]").arg(where).arg(i);
        if (!known.contains(disabled.at(i))) {
            return fail(QStringLiteral("unknown_rule"), field,
                        QStringLiteral("unknown redaction rule \"%1\" (known: %2)").arg(disabled.at(i), known.join(QStringLiteral(", "))));
        }
        if (off.contains(disabled.at(i)))
            return fail(QStringLiteral("duplicate_rule"), field, QStringLiteral("\"%1\" is given twice").arg(disabled.at(i)));
        off.insert(disabled.at(i));
    }
    auto redactor = std::make_shared<Redactor>();
    redactor->m_rules.removeIf([&](const Rule &rule) { return off.contains(rule.name); });
    static const QRegularExpression namePattern(QStringLiteral("^[a-z0-9_]{1,64}$"));
    QSet<QString> names(known.begin(), known.end());
    for (qsizetype i = 0; i < custom.size(); ++i) {
        const CustomRule &c = custom.at(i);
        const QString field = QStringLiteral("%1.rules[%2]").arg(where).arg(i);
        if (!namePattern.match(c.name).hasMatch()) {
            return fail(QStringLiteral("invalid_value"), field + QStringLiteral(".name"),
                        QStringLiteral("a rule name is 1-64 of a-z, 0-9 and _, not \"%1\"").arg(c.name));
        }
        if (names.contains(c.name)) {
            return fail(QStringLiteral("duplicate_rule"), field + QStringLiteral(".name"),
                        QStringLiteral("the rule name \"%1\" is taken").arg(c.name));
        }
        names.insert(c.name);
        QRegularExpression regex(c.pattern);
        if (c.pattern.isEmpty() || !regex.isValid()) {
            return fail(QStringLiteral("invalid_regex"), field + QStringLiteral(".pattern"),
                        c.pattern.isEmpty() ? QStringLiteral("must not be empty")
                                            : QStringLiteral("not a valid regular expression: %1 at offset %2")
                                                  .arg(regex.errorString())
                                                  .arg(regex.patternErrorOffset()));
        }
        if (regex.match(QString()).hasMatch()) {
            return fail(QStringLiteral("invalid_regex"), field + QStringLiteral(".pattern"),
                        QStringLiteral("matches the empty text, so it would redact nothing useful"));
        }
        regex.optimize();
        redactor->m_rules.append({c.name, {{regex, kRedacted}}});
    }
    return std::shared_ptr<const Redactor>(std::move(redactor));
}

QByteArray Redactor::redact(const QByteArray &text) const
{
    if (text.isEmpty())
        return text;
    QString s = QString::fromUtf8(text);
    for (const Rule &rule : m_rules) {
        for (const Pattern &pattern : rule.patterns)
            s.replace(pattern.regex, pattern.replacement);
    }
    return s.toUtf8();
}

QByteArray redactSecrets(const QByteArray &text)
{
    static const Redactor all;
    return all.redact(text);
}

} // namespace airlock::storage
