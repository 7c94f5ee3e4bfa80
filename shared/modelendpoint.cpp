#include "modelendpoint.h"

#include <QRegularExpression>
#include <QSet>

#include <array>
#include <utility>

namespace airlock {

namespace {

constexpr std::array<std::pair<ModelFamily, const char *>, 13> kFamilies{{
    {ModelFamily::Mistral, "mistral"},
    {ModelFamily::Mixtral, "mixtral"},
    {ModelFamily::Codestral, "codestral"},
    {ModelFamily::CodeLlama, "codellama"},
    {ModelFamily::CodeGemma, "codegemma"},
    {ModelFamily::DeepSeekCoder, "deepseekcoder"},
    {ModelFamily::Llama3, "llama3"},
    {ModelFamily::QwenCoder, "qwen2.5-coder"},
    {ModelFamily::StarCoder2, "starcoder2"},
    {ModelFamily::Claude3, "claude_3"},
    {ModelFamily::Gpt, "gpt"},
    {ModelFamily::Gemini, "gemini"},
    {ModelFamily::General, "general"},
}};

} // namespace

QString familyName(ModelFamily family)
{
    for (const auto &[f, name] : kFamilies) {
        if (f == family)
            return QString::fromLatin1(name);
    }
    return QStringLiteral("general");
}

std::optional<ModelFamily> familyFromName(const QString &name)
{
    for (const auto &[f, n] : kFamilies) {
        if (name.compare(QLatin1String(n), Qt::CaseInsensitive) == 0)
            return f;
    }
    return std::nullopt;
}

QStringList allFamilyNames()
{
    QStringList names;
    for (const auto &entry : kFamilies)
        names << QString::fromLatin1(entry.second);
    return names;
}

QList<ModelReplica> ModelEndpoint::servers() const
{
    if (!replicas.isEmpty())
        return replicas;
    return {ModelReplica{baseUrl, 1}};
}

QUrl ModelEndpoint::apiRoot() const
{
    return openAiApiRoot(baseUrl);
}

QUrl openAiApiRoot(const QUrl &baseUrl)
{
    QUrl root = baseUrl;
    QString path = root.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (!path.endsWith(QLatin1String("/v1")))
        path += QLatin1String("/v1");
    root.setPath(path);
    root.setQuery(QString());
    root.setFragment(QString());
    return root;
}

QUrl ModelEndpoint::apiUrl(QStringView path) const
{
    QUrl url = apiRoot();
    url.setPath(url.path() + QLatin1Char('/') + path.toString());
    return url;
}

static Status validateServerUrl(const QUrl &url, const QString &path)
{
    const QString scheme = url.scheme();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")) || url.host().isEmpty()) {
        return Error::make(QStringLiteral("invalid_value"),
                           QStringLiteral("%1 must be an http:// or https:// URL with a host").arg(path), path);
    }
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment()) {
        return Error::make(QStringLiteral("invalid_value"),
                           QStringLiteral("%1 may not carry credentials, a query or a fragment; put the key in api_key")
                               .arg(path),
                           path);
    }
    return {};
}

Status validateEndpoint(const ModelEndpoint &e, const QString &where)
{
    // Explicit return type: with QT_USE_QSTRINGBUILDER a deduced one is a QStringBuilder that refers to
    // temporaries destroyed when the lambda returns.
    auto field = [&](const char *name) -> QString { return where + QLatin1Char('.') + QLatin1String(name); };
    static const QRegularExpression namePattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"));
    if (!namePattern.match(e.name).hasMatch()) {
        return Error::make(QStringLiteral("invalid_value"),
                           QStringLiteral("%1 must be 1-64 characters of letters, digits, '.', '_', ':' or '-', "
                                          "starting with a letter or digit")
                               .arg(field("name")),
                           field("name"));
    }
    if (e.name == QLatin1String("disabled")) {
        return Error::make(QStringLiteral("invalid_value"),
                           QStringLiteral("%1 may not be \"disabled\": that word marks a disabled feature")
                               .arg(field("name")),
                           field("name"));
    }
    if (e.replicas.isEmpty()) {
        if (auto st = validateServerUrl(e.baseUrl, field("base_url")); !st)
            return st;
    } else {
        if (e.replicas.size() > 64) {
            return Error::make(QStringLiteral("invalid_value"),
                               QStringLiteral("%1 may list at most 64 replicas").arg(field("replicas")), field("replicas"));
        }
        QSet<QString> seen;
        for (qsizetype i = 0; i < e.replicas.size(); ++i) {
            const QString at = field("replicas") + QStringLiteral("[%1]").arg(i);
            const ModelReplica &r = e.replicas.at(i);
            if (auto st = validateServerUrl(r.baseUrl, at + QStringLiteral(".base_url")); !st)
                return st;
            if (r.weight < 1 || r.weight > 1000) {
                return Error::make(QStringLiteral("invalid_value"),
                                   QStringLiteral("%1.weight must be between 1 and 1000").arg(at), at + QStringLiteral(".weight"));
            }
            const QString root = openAiApiRoot(r.baseUrl).toString();
            if (seen.contains(root)) {
                return Error::make(QStringLiteral("duplicate_replica"),
                                   QStringLiteral("%1.base_url: %2 is listed twice").arg(at, root), at + QStringLiteral(".base_url"));
            }
            seen.insert(root);
        }
        if (e.baseUrl != e.replicas.constFirst().baseUrl) {
            return Error::make(QStringLiteral("invalid_value"),
                               QStringLiteral("%1: give either base_url or replicas, not both").arg(field("base_url")),
                               field("base_url"));
        }
    }
    if (e.identifier.isEmpty() || e.identifier.size() > 255) {
        return Error::make(QStringLiteral("invalid_value"),
                           QStringLiteral("%1 must be 1-255 characters").arg(field("identifier")),
                           field("identifier"));
    }
    if (e.maxConcurrency < 1 || e.maxConcurrency > 100000) {
        return Error::make(QStringLiteral("invalid_value"),
                           QStringLiteral("%1 must be between 1 and 100000").arg(field("max_concurrency")),
                           field("max_concurrency"));
    }
    const std::array<std::pair<const char *, int>, 4> timeouts{{{"connect", e.timeouts.connectMs},
                                                                {"first_byte", e.timeouts.firstByteMs},
                                                                {"idle", e.timeouts.idleMs},
                                                                {"total", e.timeouts.totalMs}}};
    for (const auto &[name, ms] : timeouts) {
        if (ms < 1 || ms > 3600000) {
            const QString f = field("timeouts_ms") + QLatin1Char('.') + QLatin1String(name);
            return Error::make(QStringLiteral("invalid_value"),
                               QStringLiteral("%1 must be between 1 and 3600000 milliseconds").arg(f), f);
        }
    }
    return {};
}

} // namespace airlock
