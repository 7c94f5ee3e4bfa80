#include "promptbuilder.h"

#include "featurecatalog.h"
#include "jsonscanner.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>

namespace airlock::prompts {

namespace {

const QString kCompletionFeature = QStringLiteral("code_completions");
const QString kGenerationFeature = QStringLiteral("code_generations");
constexpr qsizetype kMaxOverrideChars = 64 * 1024;
// Per message of a chat request: role and framing tokens of the server's chat template.
constexpr int kTokensPerMessage = 4;

struct Section
{
    bool chatApi = false;
    QString system;
    QString templ;
    QStringList stop;
    double temperature = 0;
    int maxTokens = 0;
};

struct ChatDefaults
{
    bool systemRole = true;
    bool alternateRoles = false;
    double temperature = 0.1;
    int maxTokens = 2048;
    QStringList stop;
    QHash<QString, QString> systemPrompts; // the family's own, over common.json's
};

struct Family
{
    int tokenBudget = 32768;
    double suffixShare = 0.07;
    Section completion;
    Section generation;
    ChatDefaults chat;
};

Error templateError(const QString &file, const QString &field, const QString &message)
{
    return Error::make(QStringLiteral("invalid_template"),
                       QStringLiteral("%1: %2 %3").arg(file, field, message), field);
}

bool isPlaceholderName(QStringView name)
{
    if (name.isEmpty())
        return false;
    for (QChar c : name) {
        if (!(c.isLower() || c == QLatin1Char('_')))
            return false;
    }
    return true;
}

const QStringList &knownPlaceholders()
{
    static const QStringList names{QStringLiteral("prefix"), QStringLiteral("suffix"),
                                   QStringLiteral("instruction"), QStringLiteral("language"),
                                   QStringLiteral("file_name"), QStringLiteral("system")};
    return names;
}

// One pass: a value is never scanned again, so code containing "{suffix}" stays as it is.
QString render(const QString &templ, const QHash<QString, QString> &values)
{
    QString out;
    out.reserve(templ.size() + 64);
    qsizetype i = 0;
    while (i < templ.size()) {
        const qsizetype open = templ.indexOf(QLatin1Char('{'), i);
        if (open < 0) {
            out += QStringView(templ).mid(i);
            break;
        }
        out += QStringView(templ).mid(i, open - i);
        const qsizetype close = templ.indexOf(QLatin1Char('}'), open + 1);
        if (close < 0) {
            out += QStringView(templ).mid(open);
            break;
        }
        const QString name = templ.mid(open + 1, close - open - 1);
        const auto it = values.constFind(name);
        if (it != values.constEnd()) {
            out += *it;
            i = close + 1;
        } else {
            out += QLatin1Char('{');
            i = open + 1;
        }
    }
    return out;
}

bool containsPlaceholder(const QString &templ, QLatin1StringView name)
{
    return templ.contains(QLatin1Char('{') + QString(name) + QLatin1Char('}'));
}

// UTF-8 length of one UTF-16 code unit (a surrogate pair counts 2 + 2 = 4).
int utf8Units(QChar c)
{
    const char16_t u = c.unicode();
    if (u < 0x80)
        return 1;
    if (u < 0x800 || QChar::isSurrogate(u))
        return 2;
    return 3;
}

int tokensForBytes(qsizetype bytes)
{
    return int((bytes + 3) / 4);
}

// The longest tail of `text` whose estimate is at most `tokens`.
QString keepTail(const QString &text, int tokens)
{
    const qsizetype maxBytes = qsizetype(qMax(0, tokens)) * 4;
    qsizetype bytes = 0;
    qsizetype start = text.size();
    while (start > 0 && bytes + utf8Units(text.at(start - 1)) <= maxBytes) {
        bytes += utf8Units(text.at(start - 1));
        --start;
    }
    if (start < text.size() && text.at(start).isLowSurrogate())
        ++start;
    return text.mid(start);
}

// The longest head of `text` whose estimate is at most `tokens`.
QString keepHead(const QString &text, int tokens)
{
    const qsizetype maxBytes = qsizetype(qMax(0, tokens)) * 4;
    qsizetype bytes = 0;
    qsizetype end = 0;
    while (end < text.size() && bytes + utf8Units(text.at(end)) <= maxBytes) {
        bytes += utf8Units(text.at(end));
        ++end;
    }
    if (end > 0 && text.at(end - 1).isHighSurrogate())
        --end;
    return text.left(end);
}

QString languageFor(const CodeContext &input)
{
    if (!input.language.trimmed().isEmpty())
        return input.language.trimmed();
    static const QHash<QString, QString> byExtension{
        {QStringLiteral("py"), QStringLiteral("Python")},       {QStringLiteral("js"), QStringLiteral("JavaScript")},
        {QStringLiteral("ts"), QStringLiteral("TypeScript")},   {QStringLiteral("go"), QStringLiteral("Go")},
        {QStringLiteral("rs"), QStringLiteral("Rust")},         {QStringLiteral("java"), QStringLiteral("Java")},
        {QStringLiteral("c"), QStringLiteral("C")},             {QStringLiteral("h"), QStringLiteral("C")},
        {QStringLiteral("cpp"), QStringLiteral("C++")},         {QStringLiteral("cc"), QStringLiteral("C++")},
        {QStringLiteral("hpp"), QStringLiteral("C++")},         {QStringLiteral("cs"), QStringLiteral("C#")},
        {QStringLiteral("rb"), QStringLiteral("Ruby")},         {QStringLiteral("php"), QStringLiteral("PHP")},
        {QStringLiteral("kt"), QStringLiteral("Kotlin")},       {QStringLiteral("swift"), QStringLiteral("Swift")},
        {QStringLiteral("scala"), QStringLiteral("Scala")},     {QStringLiteral("sh"), QStringLiteral("Shell")},
        {QStringLiteral("sql"), QStringLiteral("SQL")},         {QStringLiteral("qml"), QStringLiteral("QML")},
        {QStringLiteral("yml"), QStringLiteral("YAML")},        {QStringLiteral("yaml"), QStringLiteral("YAML")},
    };
    const QString ext = QFileInfo(input.fileName).suffix().toLower();
    return byExtension.value(ext, QStringLiteral("source"));
}

QString fileNameFor(const CodeContext &input)
{
    return input.fileName.isEmpty() ? QStringLiteral("untitled") : input.fileName;
}

QByteArray numberJson(double value)
{
    return QByteArray::number(value, 'g', 6);
}

void appendStop(QByteArray &body, const QStringList &stop)
{
    if (stop.isEmpty())
        return;
    body += ",\"stop\":[";
    for (qsizetype i = 0; i < stop.size(); ++i) {
        if (i)
            body += ',';
        body += encodeJsonString(stop.at(i));
    }
    body += ']';
}

QByteArray completionsBody(const ModelEndpoint &endpoint, const QString &prompt, const BuiltRequest &built, bool stream)
{
    QByteArray body;
    body.reserve(prompt.size() + 256);
    body += "{\"model\":" + encodeJsonString(endpoint.identifier);
    body += ",\"prompt\":" + encodeJsonString(prompt);
    body += ",\"max_tokens\":" + QByteArray::number(built.maxTokens);
    body += ",\"temperature\":" + numberJson(built.temperature);
    appendStop(body, built.stop);
    body += stream ? ",\"stream\":true}" : ",\"stream\":false}";
    return body;
}

QByteArray chatBody(const ModelEndpoint &endpoint, const BuiltRequest &built, bool stream)
{
    QByteArray body;
    body += "{\"model\":" + encodeJsonString(endpoint.identifier);
    body += ",\"messages\":" + QJsonDocument(built.messages).toJson(QJsonDocument::Compact);
    body += ",\"max_tokens\":" + QByteArray::number(built.maxTokens);
    body += ",\"temperature\":" + numberJson(built.temperature);
    appendStop(body, built.stop);
    body += stream ? ",\"stream\":true}" : ",\"stream\":false}";
    return body;
}

QJsonObject message(const QString &role, const QString &content)
{
    return QJsonObject{{QStringLiteral("role"), role}, {QStringLiteral("content"), content}};
}

// Families whose chat template has no system role get the system text at the top of the first user
// message; families whose template insists on user/assistant alternation get consecutive messages of
// one role merged (Mistral's and Gemma's templates raise an error otherwise).
QJsonArray adaptMessages(const QJsonArray &messages, const ChatDefaults &chat)
{
    QJsonArray out = messages;
    if (!chat.systemRole) {
        QString system;
        QJsonArray rest;
        for (const QJsonValue &value : out) {
            const QJsonObject m = value.toObject();
            if (m.value(QStringLiteral("role")).toString() == QLatin1StringView("system")) {
                system += (system.isEmpty() ? QString() : QStringLiteral("\n\n")) + m.value(QStringLiteral("content")).toString();
            } else {
                rest.append(m);
            }
        }
        if (!system.isEmpty()) {
            qsizetype firstUser = -1;
            for (qsizetype i = 0; i < rest.size(); ++i) {
                if (rest.at(i).toObject().value(QStringLiteral("role")).toString() == QLatin1StringView("user")) {
                    firstUser = i;
                    break;
                }
            }
            if (firstUser < 0) {
                rest.prepend(message(QStringLiteral("user"), system));
            } else {
                QJsonObject m = rest.at(firstUser).toObject();
                m.insert(QStringLiteral("content"), QString(system + QStringLiteral("\n\n") + m.value(QStringLiteral("content")).toString()));
                rest.replace(firstUser, m);
            }
        }
        out = rest;
    }
    if (chat.alternateRoles) {
        QJsonArray merged;
        for (const QJsonValue &value : out) {
            const QJsonObject m = value.toObject();
            if (!merged.isEmpty()) {
                QJsonObject last = merged.last().toObject();
                if (last.value(QStringLiteral("role")) == m.value(QStringLiteral("role"))) {
                    last.insert(QStringLiteral("content"), QString(last.value(QStringLiteral("content")).toString()
                                                                       + QStringLiteral("\n\n")
                                                                       + m.value(QStringLiteral("content")).toString()));
                    merged.replace(merged.size() - 1, last);
                    continue;
                }
            }
            merged.append(m);
        }
        out = merged;
    }
    return out;
}

int messagesTokens(const QJsonArray &messages)
{
    int total = 0;
    for (const QJsonValue &value : messages)
        total += kTokensPerMessage + estimateTokens(value.toObject().value(QStringLiteral("content")).toString());
    return total;
}

// --- loading ---------------------------------------------------------------------------------------

Result<QJsonObject> readJsonObject(const QString &path, const QString &label)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return Error::make(QStringLiteral("invalid_template"),
                           QStringLiteral("%1: cannot read: %2").arg(label, file.errorString()));
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (!doc.isObject()) {
        return Error::make(QStringLiteral("invalid_template"),
                           QStringLiteral("%1: not a JSON object: %2").arg(label, error.errorString()));
    }
    return doc.object();
}

Result<QStringList> stringList(const QJsonObject &object, const QString &key, const QString &label, const QString &where)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined())
        return QStringList();
    if (!value.isArray())
        return templateError(label, where + key, QStringLiteral("must be an array of strings"));
    QStringList list;
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString() || item.toString().isEmpty())
            return templateError(label, where + key, QStringLiteral("must hold non-empty strings"));
        list.append(item.toString());
    }
    return list;
}

Result<Section> parseSection(const QJsonObject &family, const QString &key, const QString &label)
{
    const QJsonValue value = family.value(key);
    if (!value.isObject())
        return templateError(label, key, QStringLiteral("must be an object"));
    const QJsonObject object = value.toObject();
    const QString where = key + QLatin1Char('.');
    Section section;
    const QString api = object.value(QStringLiteral("api")).toString();
    if (api != QLatin1StringView("completions") && api != QLatin1StringView("chat"))
        return templateError(label, where + QStringLiteral("api"), QStringLiteral("must be \"completions\" or \"chat\""));
    section.chatApi = api == QLatin1StringView("chat");
    section.system = object.value(QStringLiteral("system")).toString();
    section.templ = object.value(QStringLiteral("template")).toString();
    if (section.templ.isEmpty())
        return templateError(label, where + QStringLiteral("template"), QStringLiteral("must be a non-empty string"));
    if (auto st = PromptBuilder::validateOverride(key, section.templ); !st)
        return templateError(label, where + QStringLiteral("template"), st.error().message);
    auto stop = stringList(object, QStringLiteral("stop"), label, where);
    if (!stop)
        return stop.error();
    section.stop = *stop;
    const QJsonValue temperature = object.value(QStringLiteral("temperature"));
    if (!temperature.isDouble() || temperature.toDouble() < 0 || temperature.toDouble() > 2)
        return templateError(label, where + QStringLiteral("temperature"), QStringLiteral("must be a number in 0..2"));
    section.temperature = temperature.toDouble();
    const QJsonValue maxTokens = object.value(QStringLiteral("max_tokens"));
    if (!maxTokens.isDouble() || maxTokens.toInt() < 1)
        return templateError(label, where + QStringLiteral("max_tokens"), QStringLiteral("must be a positive integer"));
    section.maxTokens = maxTokens.toInt();
    return section;
}

Result<Family> parseFamily(const QJsonObject &object, const QString &label)
{
    Family family;
    const QJsonValue budget = object.value(QStringLiteral("token_budget"));
    if (!budget.isDouble() || budget.toInt() < 256)
        return templateError(label, QStringLiteral("token_budget"), QStringLiteral("must be an integer >= 256"));
    family.tokenBudget = budget.toInt();
    const QJsonValue share = object.value(QStringLiteral("suffix_share"));
    if (!share.isUndefined()) {
        if (!share.isDouble() || share.toDouble() < 0 || share.toDouble() > 0.5)
            return templateError(label, QStringLiteral("suffix_share"), QStringLiteral("must be a number in 0..0.5"));
        family.suffixShare = share.toDouble();
    }
    auto completion = parseSection(object, kCompletionFeature, label);
    if (!completion)
        return completion.error();
    family.completion = *completion;
    auto generation = parseSection(object, kGenerationFeature, label);
    if (!generation)
        return generation.error();
    family.generation = *generation;
    for (const Section *section : {&family.completion, &family.generation}) {
        if (section->maxTokens >= family.tokenBudget / 2)
            return templateError(label, QStringLiteral("max_tokens"), QStringLiteral("must be below half the token budget"));
    }

    const QJsonObject chat = object.value(QStringLiteral("chat")).toObject();
    if (!object.value(QStringLiteral("chat")).isObject())
        return templateError(label, QStringLiteral("chat"), QStringLiteral("must be an object"));
    family.chat.systemRole = chat.value(QStringLiteral("system_role")).toBool(true);
    family.chat.alternateRoles = chat.value(QStringLiteral("alternate_roles")).toBool(false);
    const QJsonValue temperature = chat.value(QStringLiteral("temperature"));
    if (!temperature.isDouble() || temperature.toDouble() < 0 || temperature.toDouble() > 2)
        return templateError(label, QStringLiteral("chat.temperature"), QStringLiteral("must be a number in 0..2"));
    family.chat.temperature = temperature.toDouble();
    const QJsonValue maxTokens = chat.value(QStringLiteral("max_tokens"));
    if (!maxTokens.isDouble() || maxTokens.toInt() < 1 || maxTokens.toInt() >= family.tokenBudget / 2)
        return templateError(label, QStringLiteral("chat.max_tokens"), QStringLiteral("must be a positive integer below half the token budget"));
    family.chat.maxTokens = maxTokens.toInt();
    auto stop = stringList(chat, QStringLiteral("stop"), label, QStringLiteral("chat."));
    if (!stop)
        return stop.error();
    family.chat.stop = *stop;
    const QJsonObject prompts = chat.value(QStringLiteral("system_prompts")).toObject();
    for (auto it = prompts.begin(); it != prompts.end(); ++it)
        family.chat.systemPrompts.insert(it.key(), it.value().toString());
    return family;
}

} // namespace

struct PromptBuilder::Data
{
    QHash<ModelFamily, Family> families;
    QString generationSystem;
    QHash<QString, QString> chatSystemPrompts;

    const Family &family(ModelFamily f) const
    {
        const auto it = families.constFind(f);
        return it != families.constEnd() ? *it : *families.constFind(ModelFamily::General);
    }
};

int estimateTokens(QStringView text)
{
    qsizetype bytes = 0;
    for (QChar c : text)
        bytes += utf8Units(c);
    return tokensForBytes(bytes);
}

Result<PromptBuilder> PromptBuilder::fromResources()
{
    return fromDirectory(QStringLiteral(":/airlock/prompts"));
}

Result<PromptBuilder> PromptBuilder::fromDirectory(const QString &path)
{
    auto data = std::make_shared<Data>();
    const QDir dir(path);
    auto common = readJsonObject(dir.filePath(QStringLiteral("common.json")), QStringLiteral("prompts/common.json"));
    if (!common)
        return common.error();
    data->generationSystem = common->value(QStringLiteral("generation_system")).toString();
    if (data->generationSystem.isEmpty()) {
        return templateError(QStringLiteral("prompts/common.json"), QStringLiteral("generation_system"),
                             QStringLiteral("must be a non-empty string"));
    }
    const QJsonObject prompts = common->value(QStringLiteral("chat_system_prompts")).toObject();
    for (auto it = prompts.begin(); it != prompts.end(); ++it) {
        if (!FeatureCatalog::instance().find(it.key())) {
            return templateError(QStringLiteral("prompts/common.json"), QStringLiteral("chat_system_prompts.") + it.key(),
                                 QStringLiteral("is not a catalog feature"));
        }
        data->chatSystemPrompts.insert(it.key(), it.value().toString());
    }
    // Every gateway-served chat feature needs a system prompt.
    for (const Feature &feature : FeatureCatalog::instance().features()) {
        if (!feature.servedByGateway || !feature.prompted || feature.id == kCompletionFeature || feature.id == kGenerationFeature)
            continue;
        if (data->chatSystemPrompts.value(feature.id).isEmpty()) {
            return templateError(QStringLiteral("prompts/common.json"), QStringLiteral("chat_system_prompts.") + feature.id,
                                 QStringLiteral("is missing"));
        }
    }

    for (const QString &name : allFamilyNames()) {
        const QString file = dir.filePath(name + QStringLiteral(".json"));
        const QString label = QStringLiteral("prompts/") + name + QStringLiteral(".json");
        if (!QFileInfo::exists(file))
            continue;
        auto object = readJsonObject(file, label);
        if (!object)
            return object.error();
        if (object->value(QStringLiteral("family")).toString() != name)
            return templateError(label, QStringLiteral("family"), QStringLiteral("must be \"%1\"").arg(name));
        auto family = parseFamily(*object, label);
        if (!family)
            return family.error();
        data->families.insert(*familyFromName(name), *family);
    }
    if (!data->families.contains(ModelFamily::General)) {
        return Error::make(QStringLiteral("invalid_template"),
                           QStringLiteral("prompts/general.json is missing (the fallback family)"));
    }
    PromptBuilder builder;
    builder.d = std::move(data);
    return builder;
}

FamilyDefaults PromptBuilder::defaults(ModelFamily family) const
{
    const Family &f = d->family(family);
    FamilyDefaults out;
    out.tokenBudget = f.tokenBudget;
    out.suffixShare = f.suffixShare;
    out.completionApi = f.completion.chatApi ? QStringLiteral("chat") : QStringLiteral("completions");
    out.generationApi = f.generation.chatApi ? QStringLiteral("chat") : QStringLiteral("completions");
    out.completionStop = f.completion.stop;
    out.completionTemperature = f.completion.temperature;
    out.completionMaxTokens = f.completion.maxTokens;
    out.generationStop = f.generation.stop;
    out.generationTemperature = f.generation.temperature;
    out.generationMaxTokens = f.generation.maxTokens;
    out.chatTemperature = f.chat.temperature;
    out.chatMaxTokens = f.chat.maxTokens;
    return out;
}

namespace {

// Shared by completion and generation: renders `section` (or the override) with prefix and suffix cut
// to the family's budget.
BuiltRequest buildCode(const Family &family, const Section &section, const QString &defaultSystem,
                       const ModelEndpoint &endpoint, const CodeContext &input, bool stream,
                       const TemplateOverride *override)
{
    BuiltRequest built;
    built.stop = section.stop;
    built.temperature = section.temperature;
    built.maxTokens = section.maxTokens;

    QHash<QString, QString> values{
        {QStringLiteral("language"), languageFor(input)},
        {QStringLiteral("file_name"), fileNameFor(input)},
        {QStringLiteral("instruction"), input.instruction},
    };
    QString system = render(section.system.isEmpty() ? defaultSystem : section.system, values);
    values.insert(QStringLiteral("system"), system);
    const QString templ = override && !override->text.isEmpty() ? override->text : section.templ;

    // What the prompt costs without prefix and suffix.
    values.insert(QStringLiteral("prefix"), QString());
    values.insert(QStringLiteral("suffix"), QString());
    int overhead = estimateTokens(render(templ, values));
    if (section.chatApi)
        overhead += estimateTokens(system) + 2 * kTokensPerMessage;
    const bool usesSuffix = containsPlaceholder(templ, QLatin1StringView("suffix"));

    const int room = qMax(0, family.tokenBudget - built.maxTokens - overhead);
    QString prefix = input.prefix;
    QString suffix = usesSuffix ? input.suffix : QString();
    const int prefixTokens = estimateTokens(prefix);
    const int suffixTokens = estimateTokens(suffix);
    if (prefixTokens + suffixTokens > room) {
        const int suffixReserve = int(room * family.suffixShare);
        const int prefixRoom = room - qMin(suffixTokens, suffixReserve);
        if (prefixTokens > prefixRoom)
            prefix = keepTail(prefix, prefixRoom);
        suffix = keepHead(suffix, room - estimateTokens(prefix));
        built.truncated = true;
    }
    values.insert(QStringLiteral("prefix"), prefix);
    values.insert(QStringLiteral("suffix"), suffix);
    const QString rendered = render(templ, values);

    if (section.chatApi) {
        built.api = BuiltRequest::Api::ChatCompletions;
        QJsonArray messages;
        if (!system.isEmpty())
            messages.append(message(QStringLiteral("system"), system));
        messages.append(message(QStringLiteral("user"), rendered));
        built.messages = messages; // adapted by the caller
        built.prompt = rendered;
    } else {
        built.api = BuiltRequest::Api::Completions;
        built.prompt = rendered;
        built.promptTokensEstimate = estimateTokens(rendered);
        built.body = completionsBody(endpoint, rendered, built, stream);
    }
    return built;
}

void finishChat(BuiltRequest &built, const ChatDefaults &chat, const ModelEndpoint &endpoint, bool stream)
{
    built.api = BuiltRequest::Api::ChatCompletions;
    built.messages = adaptMessages(built.messages, chat);
    built.promptTokensEstimate = messagesTokens(built.messages);
    built.body = chatBody(endpoint, built, stream);
}

} // namespace

Result<BuiltRequest> PromptBuilder::codeCompletion(const ModelEndpoint &endpoint, const CodeContext &input, bool stream,
                                                   const TemplateOverride *override) const
{
    const Family &family = d->family(endpoint.family);
    BuiltRequest built = buildCode(family, family.completion, QString(), endpoint, input, stream, override);
    if (built.api == BuiltRequest::Api::ChatCompletions)
        finishChat(built, family.chat, endpoint, stream);
    return built;
}

Result<BuiltRequest> PromptBuilder::codeGeneration(const ModelEndpoint &endpoint, const CodeContext &input, bool stream,
                                                   const TemplateOverride *override) const
{
    const Family &family = d->family(endpoint.family);
    BuiltRequest built = buildCode(family, family.generation, d->generationSystem, endpoint, input, stream, override);
    if (built.api == BuiltRequest::Api::ChatCompletions)
        finishChat(built, family.chat, endpoint, stream);
    return built;
}

Result<BuiltRequest> PromptBuilder::chat(const ModelEndpoint &endpoint, const ChatInput &input, bool stream,
                                         const TemplateOverride *override) const
{
    const Feature *feature = FeatureCatalog::instance().find(input.feature);
    if (!feature || !feature->servedByGateway) {
        return Error::make(QStringLiteral("unknown_feature"),
                           QStringLiteral("\"%1\" is not a feature the gateway serves").arg(input.feature), QStringLiteral("feature"));
    }
    if (feature->id == kCompletionFeature || feature->id == kGenerationFeature) {
        return Error::make(QStringLiteral("not_a_chat_feature"),
                           QStringLiteral("%1 is built with codeCompletion/codeGeneration").arg(feature->id), QStringLiteral("feature"));
    }
    if (input.messages.isEmpty())
        return Error::make(QStringLiteral("invalid_messages"), QStringLiteral("messages is empty"), QStringLiteral("messages"));
    for (qsizetype i = 0; i < input.messages.size(); ++i) {
        const QJsonObject m = input.messages.at(i).toObject();
        const QString role = m.value(QStringLiteral("role")).toString();
        if (role != QLatin1StringView("system") && role != QLatin1StringView("user") && role != QLatin1StringView("assistant")) {
            return Error::make(QStringLiteral("invalid_messages"), QStringLiteral("messages[%1].role must be system, user or assistant").arg(i),
                               QStringLiteral("messages[%1].role").arg(i));
        }
        if (!m.value(QStringLiteral("content")).isString()) {
            return Error::make(QStringLiteral("invalid_messages"), QStringLiteral("messages[%1].content must be a string").arg(i),
                               QStringLiteral("messages[%1].content").arg(i));
        }
    }

    const Family &family = d->family(endpoint.family);
    BuiltRequest built;
    built.temperature = input.temperature >= 0 ? input.temperature : family.chat.temperature;
    built.maxTokens = input.maxTokens > 0 ? input.maxTokens : family.chat.maxTokens;
    built.stop = input.stop;
    for (const QString &s : family.chat.stop) {
        if (!built.stop.contains(s))
            built.stop.append(s);
    }

    QJsonArray messages = input.messages;
    const bool hasSystem = messages.first().toObject().value(QStringLiteral("role")).toString() == QLatin1StringView("system");
    QString system = override && !override->text.isEmpty()
                         ? override->text
                         : family.chat.systemPrompts.value(feature->id, d->chatSystemPrompts.value(feature->id));
    if (hasSystem && override && !override->text.isEmpty()) {
        messages.replace(0, message(QStringLiteral("system"), system));
    } else if (!hasSystem && !system.isEmpty()) {
        messages.prepend(message(QStringLiteral("system"), system));
    }

    // Budget: drop the oldest non-system messages but the last, then cut the last one from its start.
    const int room = qMax(kTokensPerMessage * 2, family.tokenBudget - built.maxTokens);
    while (messagesTokens(messages) > room) {
        qsizetype oldest = -1;
        for (qsizetype i = 0; i + 1 < messages.size(); ++i) {
            if (messages.at(i).toObject().value(QStringLiteral("role")).toString() != QLatin1StringView("system")) {
                oldest = i;
                break;
            }
        }
        built.truncated = true;
        if (oldest < 0)
            break;
        messages.removeAt(oldest);
    }
    if (messagesTokens(messages) > room) {
        QJsonObject last = messages.last().toObject();
        const int others = messagesTokens(messages) - kTokensPerMessage - estimateTokens(last.value(QStringLiteral("content")).toString());
        last.insert(QStringLiteral("content"), keepTail(last.value(QStringLiteral("content")).toString(),
                                                        qMax(0, room - others - kTokensPerMessage)));
        messages.replace(messages.size() - 1, last);
    }
    built.messages = messages;
    for (qsizetype i = messages.size() - 1; i >= 0; --i) {
        const QJsonObject m = messages.at(i).toObject();
        if (m.value(QStringLiteral("role")).toString() == QLatin1StringView("user")) {
            built.prompt = m.value(QStringLiteral("content")).toString();
            break;
        }
    }
    finishChat(built, family.chat, endpoint, stream);
    return built;
}

QString PromptBuilder::postProcessCompletion(ModelFamily family, const QString &text, const QStringList &stop) const
{
    QStringList stops = stop;
    stops += d->family(family).completion.stop;
    qsizetype cut = text.size();
    for (const QString &s : stops) {
        if (s.isEmpty())
            continue;
        const qsizetype at = text.indexOf(s);
        if (at >= 0 && at < cut)
            cut = at;
    }
    QString out = text.left(cut);
    qsizetype end = out.size();
    while (end > 0 && out.at(end - 1).isSpace())
        --end;
    out.truncate(end);
    return out;
}

namespace {

bool isFenceLine(QStringView line)
{
    return line.trimmed().startsWith(QLatin1StringView("```"));
}

QString stripFences(const QString &text)
{
    const QStringList lines = text.split(QLatin1Char('\n'));
    qsizetype open = -1;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (isFenceLine(lines.at(i))) {
            open = i;
            break;
        }
    }
    if (open < 0)
        return text;
    // "```python code```" on one line: keep what is between.
    const QString first = lines.at(open).trimmed();
    const qsizetype inlineClose = first.indexOf(QLatin1StringView("```"), 3);
    if (inlineClose > 0) {
        QString inner = first.mid(3, inlineClose - 3);
        const qsizetype space = inner.indexOf(QLatin1Char(' '));
        if (space > 0 && !inner.left(space).contains(QLatin1Char('(')))
            inner = inner.mid(space + 1); // a language tag before the code
        return inner;
    }
    QStringList body;
    for (qsizetype i = open + 1; i < lines.size(); ++i) {
        if (isFenceLine(lines.at(i)))
            break;
        body.append(lines.at(i));
    }
    return body.join(QLatin1Char('\n'));
}

} // namespace

QString PromptBuilder::postProcessGeneration(ModelFamily family, const QString &text, QStringView prefix) const
{
    QString out = postProcessCompletion(family, text, d->family(family).generation.stop);
    out = stripFences(out);
    // Leading blank lines go, the first line's indentation stays.
    qsizetype start = 0;
    for (qsizetype i = 0; i < out.size(); ++i) {
        if (out.at(i) == QLatin1Char('\n'))
            start = i + 1;
        else if (!out.at(i).isSpace())
            break;
    }
    out.remove(0, start);
    qsizetype end = out.size();
    while (end > 0 && out.at(end - 1).isSpace())
        --end;
    out.truncate(end);
    if (out.isEmpty())
        return out;
    // The cursor sits after code on its line: the generated block starts on the next line.
    const qsizetype lineStart = prefix.lastIndexOf(QLatin1Char('\n')) + 1;
    if (!prefix.mid(lineStart).trimmed().isEmpty())
        out.prepend(QLatin1Char('\n'));
    return out;
}

bool PromptBuilder::familySuits(ModelFamily family, const QString &feature) const
{
    const Feature *f = FeatureCatalog::instance().find(feature);
    return f && f->servedByGateway && f->suits(family);
}

Status PromptBuilder::validateOverride(const QString &feature, const QString &text)
{
    const Feature *f = FeatureCatalog::instance().find(feature);
    if (!f || !f->servedByGateway) {
        return Error::make(QStringLiteral("unknown_feature"),
                           QStringLiteral("\"%1\" is not a feature the gateway serves").arg(feature), QStringLiteral("feature"));
    }
    if (text.trimmed().isEmpty())
        return Error::make(QStringLiteral("invalid_template"), QStringLiteral("the template is empty"), QStringLiteral("template"));
    if (text.size() > kMaxOverrideChars) {
        return Error::make(QStringLiteral("invalid_template"),
                           QStringLiteral("the template is longer than %1 characters").arg(kMaxOverrideChars), QStringLiteral("template"));
    }
    const bool code = feature == kCompletionFeature || feature == kGenerationFeature;
    if (!code)
        return {};
    // Unknown {placeholders} are typos: they would reach the model verbatim.
    qsizetype from = 0;
    while (true) {
        const qsizetype open = text.indexOf(QLatin1Char('{'), from);
        if (open < 0)
            break;
        const qsizetype close = text.indexOf(QLatin1Char('}'), open + 1);
        if (close < 0)
            break;
        const QString name = text.mid(open + 1, close - open - 1);
        if (isPlaceholderName(name) && !knownPlaceholders().contains(name)) {
            return Error::make(QStringLiteral("invalid_template"),
                               QStringLiteral("unknown placeholder {%1}; known: {%2}").arg(name, knownPlaceholders().join(QStringLiteral("} {"))),
                               QStringLiteral("template"));
        }
        from = open + 1;
    }
    if (!containsPlaceholder(text, QLatin1StringView("prefix")))
        return Error::make(QStringLiteral("invalid_template"), QStringLiteral("the template has no {prefix}"), QStringLiteral("template"));
    if (feature == kGenerationFeature && !containsPlaceholder(text, QLatin1StringView("instruction"))) {
        return Error::make(QStringLiteral("invalid_template"), QStringLiteral("the template has no {instruction}"),
                           QStringLiteral("template"));
    }
    return {};
}

} // namespace airlock::prompts
