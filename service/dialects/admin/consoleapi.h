#pragma once

// The admin API routes the console's model editor and prompt playground need (all JSON, admin gate):
//
//   GET  /api/v1/catalog        the feature catalog: {"features":[{"id","name_en","name_ko","stage","flag",
//                               "chat","served_by_gateway","families":[...]}],"families":[every family]}
//   POST /api/v1/models/test    body: a model endpoint as in the declarative file ("name" optional; without
//                               "api_key" the stored key of the model with that name is used). Runs, on the
//                               gateway, the steps
//                                 reachable   TCP connect to the base URL's host and port
//                                 tls         the TLS handshake (https base URLs only)
//                                 models      GET <api root>/models lists the served identifier
//                                 completion  one tiny completion (the family's API), with its latency
//                               and answers {"ok":bool,"steps":[{"name","ok","skipped","detail","ms"}]}: steps
//                               after a failed one are reported skipped. The console never needs the key and
//                               works the same for a remote gateway.
//   POST /api/v1/prompts/render body: {"feature","model","file_name","language","prefix","suffix",
//                               "instruction", "template" (optional: preview an unsaved override)}. Answers
//                               the exact request the gateway would send the model for it, without calling
//                               the model: {"api":"completions"|"chat","path","prompt","messages","body",
//                               "stop","temperature","max_tokens","prompt_tokens_estimate","truncated",
//                               "template_source":"built_in"|"override"|"preview","template","built_in_template"}
//   GET  /api/v1/prompts/overrides/{endpoint}/{feature}
//                               {"endpoint","feature","current": revision or null,"history":[revision...],
//                                "built_in": the built-in template text}; revision = {"id","template",
//                               "created_at","author","built_in"}
//   PUT  /api/v1/prompts/overrides/{endpoint}/{feature}          {"template": text} -> the new revision
//   POST /api/v1/prompts/overrides/{endpoint}/{feature}/revert   {"revision": id, 0 = the built-in} -> revision
//                               Both validate (PromptBuilder::validateOverride), append to the history and
//                               publish a new snapshot, so new requests use the template at once.
//   A model renamed through PUT /api/v1/config ("renamed_from") keeps its templates: see adminserver.h.
//
// Lifecycle: created by the gateway once the config holder and prompt builder exist, destroyed before
// them. Runs on the admin thread; model tests are asynchronous (one QNetworkAccessManager, abortable: a
// test whose client left is cancelled).

#include "prompts/promptbuilder.h"
#include "routing/configsnapshot.h"
#include "storage/database.h"

#include <QJsonObject>

#include <memory>

namespace airlock::prompts {
struct TemplateRevision;
}

namespace airlock::admin {

// A prompt template revision as the admin API shows it and the audit log records it.
QJsonObject revisionToJson(const prompts::TemplateRevision &revision);

class AdminServer;
class AdminBackend;

class ConsoleApi
{
public:
    // `database` is the admin thread's connection (prompt overrides live in it).
    ConsoleApi(AdminBackend &backend, const prompts::PromptBuilder &builder, const routing::ConfigHolder &config,
               Database &database);
    ~ConsoleApi();

    void registerRoutes(AdminServer &server);

    // The built-in template text the playground starts from: the family's feature template for code
    // completion/generation, the feature's system prompt for chat features. Empty when unknown.
    static QString builtInTemplate(ModelFamily family, const QString &feature);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace airlock::admin
