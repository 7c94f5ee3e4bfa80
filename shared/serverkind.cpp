#include "serverkind.h"

#include <array>
#include <utility>

namespace airlock {

namespace {

constexpr std::array<std::pair<ServerKind, const char *>, 5> Names { {
    { ServerKind::OpenAi, "openai" },
    { ServerKind::Vllm, "vllm" },
    { ServerKind::Tgi, "tgi" },
    { ServerKind::LlamaCpp, "llamacpp" },
    { ServerKind::Ollama, "ollama" },
} };

} // namespace

QString serverKindName(ServerKind kind)
{
    for (const auto &[k, name] : Names) {
        if (k == kind)
            return QString::fromLatin1(name);
    }
    return QStringLiteral("openai");
}

std::optional<ServerKind> serverKindFromName(const QString &name)
{
    for (const auto &[kind, wire] : Names) {
        if (name.compare(QLatin1String(wire), Qt::CaseInsensitive) == 0)
            return kind;
    }
    return std::nullopt;
}

QStringList allServerKindNames()
{
    QStringList names;
    names.reserve(qsizetype(Names.size()));
    for (const auto &[kind, name] : Names)
        names.append(QString::fromLatin1(name));
    return names;
}

} // namespace airlock
