#include "modelendpoint.h"

#include <QRegularExpression>

#include <array>
#include <utility>

namespace airlock {

namespace {

constexpr std::array<std::pair<ModelFamily, const char *>, 12> kFamilies{{
    {ModelFamily::Mistral, "mistral"},
    {ModelFamily::Mixtral, "mixtral"},
    {ModelFamily::Codestral, "codestral"},
    {ModelFamily::CodeLlama, "codellama"},
    {ModelFamily::CodeGemma, "codegemma"},
    {ModelFamily::DeepSeekCoder, "deepseekcoder"},
    {ModelFamily::Llama3, "llama3"},
    {ModelFamily::QwenCoder, "qwen2.5-coder"},
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

QUrl ModelEndpoint::apiRoot() const
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
    const QString scheme = e.baseUrl.scheme();
    if (!e.baseUrl.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        || e.baseUrl.host().isEmpty()) {
        return Error::make(QStringLiteral("invalid_value"),
                           QStringLiteral("%1 must be an http:// or https:// URL with a host").arg(field("base_url")),
                           field("base_url"));
    }
    if (!e.baseUrl.userInfo().isEmpty() || e.baseUrl.hasQuery() || e.baseUrl.hasFragment()) {
        return Error::make(QStringLiteral("invalid_value"),
                           QStringLiteral("%1 may not carry credentials, a query or a fragment; put the key in api_key")
                               .arg(field("base_url")),
                           field("base_url"));
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
