#pragma once

// Removes secrets from text that is about to be stored (captured request and answer bodies). A set of
// named rules, each a few regular expressions for one secret format; the admin may turn rules off and
// add rules of their own (the declarative file's "logging": {"redaction": ...}, logging/loggingsettings.h).
// Runs on the request log's writer thread, never on the hot path, before anything is written: the
// store, live logs and admin answers only ever see the redacted text. Errs on the side of removing
// too much, but leaves ordinary code alone (`password_length = 8`, `max_tokens: 128`,
// `token = get_token()`, `password: str`).
//
// Built-in rules, applied in this order (private keys first, since their body would otherwise match
// nothing useful; named assignments before free-standing token shapes):
//   private_key            PEM private key blocks (-----BEGIN ... PRIVATE KEY----- ... END), also cut ones
//   bearer                 `Bearer <credential>` (headers copied into prompts, curl commands)
//   connection_string      the password of URLs with credentials (postgres://user:pass@host, redis://:pass@)
//   aws_secret_access_key  AWS secret keys after their usual names (AWS_SECRET_ACCESS_KEY=, SecretAccessKey:)
//   azure_key              Azure storage AccountKey= / SharedAccessKey= values, Azure AD client secrets (xxx8Q~...)
//   secret_assignment      the value of a name that ends in password, passwd, passphrase, secret, token,
//                          api_key, access_key, private_key, credential(s) or authorization, in JSON, YAML,
//                          env files, headers and code (`"password": "x"`, `DB_PASSWORD=x`, `token: x`):
//                          quoted values always; unquoted ones unless they are code (a call, a member
//                          path, another secret-named variable, a keyword or type, a template reference)
//   aws_access_key_id      AKIA.../ASIA... key ids
//   gcp_api_key            Google API keys (AIza...)
//   jwt                    JSON Web Tokens (eyJ....eyJ....sig)
//   openai_key             sk-..., sk-proj-..., sk-ant-...
//   github_token           ghp_, gho_, ghu_, ghs_, ghr_, github_pat_
//   gitlab_token           glpat-, gldt-, glrt-, glptt-, glft-, glsoat-, gloas-, glcbt-, glimt-, glagent-
//   slack_token            xoxb-, xoxp-, xoxa-, xoxo-, xoxr-, xoxs-, and hooks.slack.com webhook paths
// A match becomes "[REDACTED]" (the name and separator of an assignment stay), a private key
// "[REDACTED PRIVATE KEY]".

#include "result.h"

#include <QByteArray>
#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <memory>

namespace airlock::storage {

class Redactor
{
public:
    // An admin's own rule: every match of `pattern` (a PCRE regular expression) becomes "[REDACTED]".
    struct CustomRule
    {
        QString name;
        QString pattern;
    };

    // Every built-in rule.
    Redactor();

    // The built-in rules less `disabled`, then `custom`. Errors name the offending entry under `where`
    // ("logging.redaction.disable[1]", "logging.redaction.rules[0].pattern"): an unknown rule name, a
    // name given twice, a custom name that is not [a-z0-9_]{1,64} or is taken, an invalid regular
    // expression, one that matches the empty text.
    static Result<std::shared_ptr<const Redactor>> make(const QStringList &disabled, const QList<CustomRule> &custom,
                                                        const QString &where = QStringLiteral("logging.redaction"));

    static QStringList builtinRuleNames();
    QStringList ruleNames() const; // the rules in force, in order

    // `text` (UTF-8) with every secret replaced. Invalid UTF-8 is replaced by U+FFFD first.
    QByteArray redact(const QByteArray &text) const;

private:
    struct Pattern
    {
        QRegularExpression regex;
        QString replacement;
    };
    struct Rule
    {
        QString name;
        QList<Pattern> patterns;
    };
    static const QList<Rule> &builtins();

    QList<Rule> m_rules;
};

// Redacts with every built-in rule.
QByteArray redactSecrets(const QByteArray &text);

} // namespace airlock::storage
