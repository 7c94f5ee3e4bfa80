// POST /v1/x-ray/libraries: Repository X-Ray. GitLab Rails sends the content of a dependency manifest
// (Gemfile.lock, package.json, go.mod, ...) inside a prompt of its own and stores the libraries the
// model lists (their names and what each is for), which code generation then gives the model as context.
//
//   {"prompt_components": [{"type": "x_ray_package_file_prompt",
//                           "payload": {"prompt", "provider", "model"}, "metadata": {str: str}?}]}
//   or a component {"type": "x_ray_package_libraries_list",
//                   "payload": {"type_description", "libraries": [{"name", "version"}], "provider", "model"}}
//   → 200 {"response": "<the model's text>"}
//
// Served by the model the admin assigned to repository_xray (the catalog feature); scope generate_code
// (or code_suggestions), and never a user access token: 403 "Unauthorized to access X Ray".

#include "gitlabapiprivate.h"

#include "gitlabrelay.h"
#include "gitlabresponses.h"
#include "gitlabvalidator.h"

#include <QJsonArray>

namespace airlock::gitlab {

using http::HttpExchange;

namespace {

const QString kFeature = QStringLiteral("repository_xray");
const QString kFilePrompt = QStringLiteral("x_ray_package_file_prompt");
const QString kLibrariesList = QStringLiteral("x_ray_package_libraries_list");

class XRayRelay final : public TextRelay {
public:
    XRayRelay() : TextRelay(false) { }

protected:
    void respondWhole(HttpExchange &exchange, const QString &text) override
    {
        respondJson(exchange, 200, QJsonObject { { QStringLiteral("response"), text } });
    }
};

void readMetadata(const QJsonObject &component, GitLabValidator &v, const QStringList &loc)
{
    const auto metadata = v.object(component, QStringLiteral("metadata"), loc, false);
    if (!metadata)
        return;
    const QStringList here = loc + QStringList { QStringLiteral("metadata") };
    if (metadata->size() > 10) {
        v.add(here, QStringLiteral("value_error"), QStringLiteral("Value error, metadata cannot has more than 10 elements"),
            *metadata);
        return;
    }
    for (auto it = metadata->begin(); it != metadata->end(); ++it) {
        if (it.key().size() > 100)
            v.add(here + QStringList { it.key() }, QStringLiteral("string_too_long"),
                QStringLiteral("String should have at most 100 characters"), it.key());
        v.string(*metadata, it.key(), here, true, 255);
    }
}

// The prompt the model gets for a libraries list: the names and versions Rails found, described one by one.
QString librariesPrompt(const QString &typeDescription, const QJsonArray &libraries)
{
    QString list;
    for (const QJsonValue &library : libraries) {
        const QJsonObject l = library.toObject();
        list += QStringLiteral("- %1 %2\n").arg(l.value(QStringLiteral("name")).toString(),
            l.value(QStringLiteral("version")).toString());
    }
    return QStringLiteral("These are the %1 libraries of a project:\n%2\nDescribe what each library is for in "
                          "one short sentence. Respond using only valid JSON: {\"libraries\": [{\"name\": \"...\", "
                          "\"description\": \"...\"}]}")
        .arg(typeDescription, list);
}

// The prompt, or empty when `v` has the problems.
QString readXRayRequest(const QJsonObject &body, GitLabValidator &v)
{
    const auto components = v.array(body, QStringLiteral("prompt_components"), {}, true, 1, 1);
    if (!components)
        return {};
    const QStringList loc { QStringLiteral("prompt_components"), QStringLiteral("0") };
    if (!components->at(0).isObject()) {
        v.add(loc, QStringLiteral("model_attributes_type"),
            QStringLiteral("Input should be a valid dictionary or object to extract fields from"), components->at(0));
        return {};
    }
    const QJsonObject component = components->at(0).toObject();
    const auto type = v.oneOf(component, QStringLiteral("type"), loc, { kFilePrompt, kLibrariesList }, true);
    readMetadata(component, v, loc);
    const auto payload = v.object(component, QStringLiteral("payload"), loc, true);
    if (!type || !payload)
        return {};
    const QStringList at = loc + QStringList { QStringLiteral("payload") };
    // Which provider and model Rails names chooses nothing here (the admin's assignment does).
    v.string(*payload, QStringLiteral("provider"), at, false, 255, true);
    v.string(*payload, QStringLiteral("model"), at, false, 255, true);
    if (*type == kFilePrompt)
        return v.string(*payload, QStringLiteral("prompt"), at, true, 400000).value_or(QString());
    const auto description = v.string(*payload, QStringLiteral("type_description"), at, true, 255);
    const auto libraries = v.array(*payload, QStringLiteral("libraries"), at, true, -1, 1000);
    if (libraries) {
        for (qsizetype i = 0; i < libraries->size(); ++i) {
            const QStringList here = at + QStringList { QStringLiteral("libraries"), QString::number(i) };
            if (!libraries->at(i).isObject()) {
                v.add(here, QStringLiteral("model_type"),
                    QStringLiteral("Input should be a valid dictionary or object to extract fields from"),
                    libraries->at(i));
                continue;
            }
            v.string(libraries->at(i).toObject(), QStringLiteral("name"), here, true, 255);
            v.string(libraries->at(i).toObject(), QStringLiteral("version"), here, true, 255);
        }
    }
    if (!description || !libraries || !v.ok())
        return {};
    return librariesPrompt(*description, *libraries);
}

} // namespace

void GitLabApi::Private::xray(std::unique_ptr<HttpExchange> exchange)
{
    auto prelude = begin(*exchange, true);
    if (!prelude)
        return;
    GitLabValidator v;
    const QString prompt = readXRayRequest(prelude->body, v);
    if (!v.ok()) {
        respondValidation(*exchange, v);
        return;
    }
    const QString refusal = QStringLiteral("Unauthorized to access X Ray");
    if (isUserAccessToken(prelude->principal)) {
        // A user access token (the IDE's): X-Ray is GitLab Rails' call, as GitLab's gateway has it.
        exchange->record().feature = kFeature;
        respondDetail(*exchange, 403, refusal, QStringLiteral("insufficient_scope"));
        return;
    }
    const routing::EndpointRuntime *endpoint = authorizeAndRoute(*exchange, *prelude, kFeature, refusal, {});
    if (!endpoint)
        return;
    prompts::ChatInput input;
    input.feature = kFeature;
    input.messages = QJsonArray { QJsonObject {
        { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), prompt } } };
    const Builder build = [prompts = shared.prompts, snapshot = prelude->snapshot, input](
                              const routing::EndpointRuntime &e) -> Result<Prepared> {
        const auto override = overrideFor(*snapshot, e, kFeature);
        auto built = prompts->chat(e.endpoint, input, false, override ? &*override : nullptr);
        if (!built)
            return built.error();
        return Prepared { std::move(*built), std::make_unique<XRayRelay>() };
    };
    auto first = prepareFirst(*exchange, build, *endpoint);
    if (!first)
        return;
    start(std::move(exchange), *prelude, endpoint, std::move(*first), build, false);
}

} // namespace airlock::gitlab
