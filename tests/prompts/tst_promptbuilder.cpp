#include "featurecatalog.h"
#include "jsonscanner.h"
#include "prompts/promptbuilder.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace airlock;
using namespace airlock::prompts;

class tst_PromptBuilder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyFamilyHasItsOwnFile();
    void golden_data();
    void golden();
    void everyGoldenFileHasARow();
    void completionBody();
    void familyDefaults_data();
    void familyDefaults();
    void placeholdersInCodeAreNotExpanded();
    void truncation_data();
    void truncation();
    void truncationKeepsSurrogatePairs();
    void estimateTokens_data();
    void estimateTokens();
    void completionOverride();
    void validateOverride_data();
    void validateOverride();
    void chatSystemRole();
    void chatKeepsClientSystemMessage();
    void chatOverrideAndParams();
    void chatBudgetDropsOldestMessages();
    void chatErrors_data();
    void chatErrors();
    void postProcessCompletion_data();
    void postProcessCompletion();
    void postProcessGeneration_data();
    void postProcessGeneration();
    void familySuits();

private:
    std::optional<PromptBuilder> m_builder;
};

namespace {

const char *const kFamilies[] = {"codestral", "mistral", "mixtral", "codegemma", "codellama", "deepseekcoder",
                                 "qwen2.5-coder", "starcoder2", "llama3", "general", "gpt", "claude_3"};

ModelEndpoint endpointFor(ModelFamily family)
{
    ModelEndpoint endpoint;
    endpoint.name = QStringLiteral("test-model");
    endpoint.family = family;
    endpoint.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:8000/v1"));
    endpoint.identifier = QStringLiteral("served-model");
    return endpoint;
}

CodeContext fixedInput()
{
    CodeContext input;
    input.fileName = QStringLiteral("src/geometry.py");
    input.language = QStringLiteral("python");
    input.prefix = QStringLiteral("import math\n\n\ndef distance(a, b):\n    \"\"\"Euclidean distance between two points.\"\"\"\n    ");
    input.suffix = QStringLiteral("\n\n\ndef main():\n    print(distance((0, 0), (3, 4)))\n");
    input.instruction = QStringLiteral("return the distance between a and b");
    return input;
}

QString stopJson(const QStringList &stop)
{
    QStringList quoted;
    for (const QString &s : stop)
        quoted << QString::fromUtf8(encodeJsonString(s));
    return QLatin1Char('[') + quoted.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QJsonObject bodyOf(const BuiltRequest &built)
{
    return QJsonDocument::fromJson(built.body).object();
}

// The reviewable form of what the model server receives (read back from the JSON body): parameters,
// then the prompt or the messages verbatim. tests/prompts/golden/README.md describes the format.
QString describe(const BuiltRequest &built)
{
    const QJsonObject body = bodyOf(built);
    QStringList stop;
    for (const QJsonValue &value : body.value(QStringLiteral("stop")).toArray())
        stop << value.toString();
    QString out;
    out += QStringLiteral("api: ")
           + (built.api == BuiltRequest::Api::Completions ? QStringLiteral("completions") : QStringLiteral("chat/completions"))
           + QLatin1Char('\n');
    out += QStringLiteral("temperature: ") + QString::number(body.value(QStringLiteral("temperature")).toDouble(-1)) + QLatin1Char('\n');
    out += QStringLiteral("max_tokens: ") + QString::number(body.value(QStringLiteral("max_tokens")).toInt(-1)) + QLatin1Char('\n');
    out += QStringLiteral("stop: ") + stopJson(stop) + QLatin1Char('\n');
    out += QStringLiteral("truncated: ") + (built.truncated ? QStringLiteral("true") : QStringLiteral("false")) + QLatin1Char('\n');
    if (built.api == BuiltRequest::Api::Completions) {
        out += QStringLiteral("=== prompt ===\n") + body.value(QStringLiteral("prompt")).toString() + QStringLiteral("\n=== end ===\n");
    } else {
        for (const QJsonValue &value : body.value(QStringLiteral("messages")).toArray()) {
            const QJsonObject m = value.toObject();
            out += QStringLiteral("=== ") + m.value(QStringLiteral("role")).toString() + QStringLiteral(" ===\n")
                   + m.value(QStringLiteral("content")).toString() + QLatin1Char('\n');
        }
        out += QStringLiteral("=== end ===\n");
    }
    return out;
}

QString goldenDir()
{
    return QStringLiteral(AIRLOCK_GOLDEN_DIR);
}

// The golden rows: every family's code completion and generation, and chat for one family without a
// system role (merged into the user turn) and one with. Each row has golden/<family>.<feature>.txt.
QList<std::pair<QString, QString>> goldenRows()
{
    QList<std::pair<QString, QString>> rows;
    for (const char *name : kFamilies) {
        for (const char *feature : {"code_completions", "code_generations"})
            rows.append({QString::fromLatin1(name), QString::fromLatin1(feature)});
    }
    rows.append({QStringLiteral("mistral"), QStringLiteral("duo_chat_explain_code")});
    rows.append({QStringLiteral("gpt"), QStringLiteral("duo_chat_explain_code")});
    return rows;
}

// A line as JSON string literal: trailing blanks, tabs and carriage returns become visible.
QString shown(const QStringList &lines, qsizetype i)
{
    return i < lines.size() ? QString::fromUtf8(encodeJsonString(lines.at(i))) : QStringLiteral("<end of file>");
}

// Empty when equal, else where and how the first differing line differs.
QString firstDifference(const QString &path, const QString &expected, const QString &actual)
{
    if (expected == actual)
        return QString();
    const QStringList want = expected.split(QLatin1Char('\n'));
    const QStringList got = actual.split(QLatin1Char('\n'));
    qsizetype i = 0;
    while (i < want.size() && i < got.size() && want.at(i) == got.at(i))
        ++i;
    return QStringLiteral("%1:%2: the built request differs from the golden (written by hand, see golden/README.md)\n"
                          "   expected: %3\n   actual:   %4")
        .arg(path)
        .arg(i + 1)
        .arg(shown(want, i), shown(got, i));
}

QString repeated(QChar c, int count, int lineLength = 80)
{
    QString out;
    out.reserve(count + count / lineLength + 1);
    for (int i = 0; i < count; ++i)
        out += (i % lineLength == lineLength - 1) ? QLatin1Char('\n') : c;
    return out;
}

QJsonArray messages(std::initializer_list<std::pair<const char *, const char *>> list)
{
    QJsonArray out;
    for (const auto &[role, content] : list)
        out.append(QJsonObject{{QStringLiteral("role"), QString::fromUtf8(role)}, {QStringLiteral("content"), QString::fromUtf8(content)}});
    return out;
}

} // namespace

void tst_PromptBuilder::initTestCase()
{
    auto builder = PromptBuilder::fromResources();
    QVERIFY2(builder.ok(), qPrintable(builder.ok() ? QString() : builder.error().message));
    m_builder = std::move(builder).value();
}

void tst_PromptBuilder::everyFamilyHasItsOwnFile()
{
    for (const char *name : kFamilies) {
        QFile file(QStringLiteral(":/airlock/prompts/") + QLatin1StringView(name) + QStringLiteral(".json"));
        QVERIFY2(file.exists(), name);
    }
    QVERIFY(QFile::exists(QStringLiteral(":/airlock/prompts/common.json")));
    // gemini has no file and falls back to general.
    QCOMPARE(m_builder->defaults(ModelFamily::Gemini).completionApi, QStringLiteral("chat"));
}

void tst_PromptBuilder::golden_data()
{
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("feature");
    for (const auto &[family, feature] : goldenRows()) {
        const QByteArray row = (family + QLatin1Char('.') + feature).toLatin1();
        QTest::newRow(row.constData()) << family << feature;
    }
}

void tst_PromptBuilder::golden()
{
    QFETCH(QString, family);
    QFETCH(QString, feature);
    const ModelEndpoint endpoint = endpointFor(*familyFromName(family));
    Result<BuiltRequest> built = Error::make(QStringLiteral("unset"), QString());
    if (feature == QLatin1StringView("code_completions")) {
        built = m_builder->codeCompletion(endpoint, fixedInput(), false);
    } else if (feature == QLatin1StringView("code_generations")) {
        built = m_builder->codeGeneration(endpoint, fixedInput(), false);
    } else {
        ChatInput input;
        input.feature = feature;
        input.messages = messages({{"user", "Explain this code:\n\ndef distance(a, b):\n    return math.dist(a, b)"}});
        built = m_builder->chat(endpoint, input, false);
    }
    QVERIFY2(built.ok(), qPrintable(built.ok() ? QString() : built.error().message));
    // The body carries the prompt (completions) or the messages (chat), not both.
    QCOMPARE(bodyOf(*built).contains(QStringLiteral("prompt")), built->api == BuiltRequest::Api::Completions);
    QCOMPARE(bodyOf(*built).contains(QStringLiteral("messages")), built->api == BuiltRequest::Api::ChatCompletions);
    const QString actual = describe(*built);

    // Goldens are written by hand from the model's documented prompt format, never from this output.
    const QString path = goldenDir() + QLatin1Char('/') + family + QLatin1Char('.') + feature + QStringLiteral(".txt");
    QFile in(path);
    if (!in.open(QIODevice::ReadOnly)) {
        QFAIL(qPrintable(QStringLiteral("%1 is missing: write it by hand from the model's documented prompt format "
                                        "(golden/README.md)\n   expected: <no file>\n   actual:   %2")
                             .arg(path, shown(actual.split(QLatin1Char('\n')), 0))));
    }
    const QString diff = firstDifference(path, QString::fromUtf8(in.readAll()), actual);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
}

void tst_PromptBuilder::everyGoldenFileHasARow()
{
    QStringList rows;
    for (const auto &[family, feature] : goldenRows())
        rows << family + QLatin1Char('.') + feature + QStringLiteral(".txt");
    const QStringList files = QDir(goldenDir()).entryList({QStringLiteral("*.txt")}, QDir::Files, QDir::Name);
    QVERIFY2(!files.isEmpty(), qPrintable(goldenDir()));
    for (const QString &file : files)
        QVERIFY2(rows.contains(file), qPrintable(file + QStringLiteral(" is checked by no row of golden_data()")));
}

void tst_PromptBuilder::completionBody()
{
    auto built = m_builder->codeCompletion(endpointFor(ModelFamily::Codestral), fixedInput(), true);
    QVERIFY(built.ok());
    QCOMPARE(built->api, BuiltRequest::Api::Completions);
    const QJsonObject body = bodyOf(*built);
    QCOMPARE(body.value(QStringLiteral("model")).toString(), QStringLiteral("served-model"));
    QCOMPARE(body.value(QStringLiteral("prompt")).toString(), built->prompt);
    QCOMPARE(body.value(QStringLiteral("max_tokens")).toInt(), 64);
    QCOMPARE(body.value(QStringLiteral("temperature")).toDouble(), 0.32);
    QCOMPARE(body.value(QStringLiteral("stream")).toBool(), true);
    QCOMPARE(body.value(QStringLiteral("stop")).toArray().size(), 5);
    QVERIFY(built->prompt.startsWith(QStringLiteral("<s>[SUFFIX]") + fixedInput().suffix + QStringLiteral("[PREFIX]")));
    QCOMPARE(built->promptTokensEstimate, prompts::estimateTokens(built->prompt));

    // deepseekcoder has no stop sequences: the key is left out.
    auto deepseek = m_builder->codeCompletion(endpointFor(ModelFamily::DeepSeekCoder), fixedInput(), false);
    QVERIFY(!bodyOf(*deepseek).contains(QStringLiteral("stop")));
    QCOMPARE(bodyOf(*deepseek).value(QStringLiteral("stream")).toBool(true), false);

    // Chat-api completion (gpt): messages in the body, the system prompt first.
    auto gpt = m_builder->codeCompletion(endpointFor(ModelFamily::Gpt), fixedInput(), false);
    QCOMPARE(gpt->api, BuiltRequest::Api::ChatCompletions);
    const QJsonArray sent = bodyOf(*gpt).value(QStringLiteral("messages")).toArray();
    QCOMPARE(sent.size(), 2);
    QCOMPARE(sent.at(0).toObject().value(QStringLiteral("role")).toString(), QStringLiteral("system"));
    QVERIFY(sent.at(1).toObject().value(QStringLiteral("content")).toString().contains(QStringLiteral("<CURSOR>")));
    QVERIFY(gpt->promptTokensEstimate > 0);
}

void tst_PromptBuilder::familyDefaults_data()
{
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("completionApi");
    QTest::addColumn<double>("completionTemperature");
    QTest::addColumn<int>("completionMaxTokens");
    QTest::addColumn<QString>("firstStop");
    QTest::addColumn<double>("generationTemperature");
    QTest::addColumn<int>("budget");
    const QString fim = QStringLiteral("completions");
    const QString chat = QStringLiteral("chat");
    QTest::newRow("codestral") << "codestral" << fim << 0.32 << 64 << "[INST]" << 0.3 << 32768;
    QTest::newRow("mistral") << "mistral" << chat << 0.0 << 128 << "[INST]" << 0.95 << 32768; // GitLab's system prompt
    QTest::newRow("mixtral") << "mixtral" << fim << 0.0 << 128 << "[INST]" << 0.95 << 32768;
    QTest::newRow("codegemma") << "codegemma" << fim << 0.95 << 128 << "<|fim_prefix|>" << 0.95 << 8192;
    QTest::newRow("codellama") << "codellama" << fim << 0.95 << 128 << "<PRE>" << 0.95 << 16384;
    QTest::newRow("deepseekcoder") << "deepseekcoder" << fim << 0.0 << 128 << QString() << 0.95 << 32768;
    QTest::newRow("qwen2.5-coder") << "qwen2.5-coder" << fim << 0.2 << 128 << "<|endoftext|>" << 0.95 << 32768;
    QTest::newRow("starcoder2") << "starcoder2" << fim << 0.2 << 128 << "<|endoftext|>" << 0.95 << 16384;
    QTest::newRow("llama3") << "llama3" << chat << 0.2 << 128 << QString() << 0.95 << 32768;
    QTest::newRow("general") << "general" << chat << 0.2 << 128 << QString() << 0.95 << 32768;
    QTest::newRow("gpt") << "gpt" << chat << 0.2 << 128 << QString() << 0.95 << 32768;
    QTest::newRow("claude_3") << "claude_3" << chat << 0.2 << 128 << QString() << 0.95 << 32768;
}

void tst_PromptBuilder::familyDefaults()
{
    QFETCH(QString, family);
    QFETCH(QString, completionApi);
    QFETCH(double, completionTemperature);
    QFETCH(int, completionMaxTokens);
    QFETCH(QString, firstStop);
    QFETCH(double, generationTemperature);
    QFETCH(int, budget);
    const ModelFamily f = *familyFromName(family);
    const FamilyDefaults d = m_builder->defaults(f);
    QCOMPARE(d.completionApi, completionApi);
    QCOMPARE(d.completionTemperature, completionTemperature);
    QCOMPARE(d.completionMaxTokens, completionMaxTokens);
    QCOMPARE(d.completionStop.value(0), firstStop);
    QCOMPARE(d.generationTemperature, generationTemperature);
    QCOMPARE(d.generationMaxTokens, 512);
    QCOMPARE(d.tokenBudget, budget);
    QCOMPARE(d.suffixShare, 0.07);

    // What the builder puts into the request matches.
    auto completion = m_builder->codeCompletion(endpointFor(f), fixedInput(), false);
    QCOMPARE(completion->temperature, completionTemperature);
    QCOMPARE(completion->maxTokens, completionMaxTokens);
    QCOMPARE(bodyOf(*completion).value(QStringLiteral("max_tokens")).toInt(), completionMaxTokens);
    QCOMPARE(bodyOf(*completion).value(QStringLiteral("temperature")).toDouble(), completionTemperature);
    auto generation = m_builder->codeGeneration(endpointFor(f), fixedInput(), false);
    QCOMPARE(generation->temperature, generationTemperature);
    QCOMPARE(generation->maxTokens, 512);
    QCOMPARE(bodyOf(*generation).value(QStringLiteral("max_tokens")).toInt(), 512);
    // The generation prompt follows the reference: "## Existing code:" + prefix + "## Instruction" + instruction.
    const QString text = generation->api == BuiltRequest::Api::Completions
                             ? generation->prompt
                             : generation->messages.last().toObject().value(QStringLiteral("content")).toString();
    QVERIFY(text.contains(QStringLiteral("## Existing code:\n") + fixedInput().prefix + QStringLiteral("\n## Instruction\n")
                          + fixedInput().instruction));
}

void tst_PromptBuilder::placeholdersInCodeAreNotExpanded()
{
    CodeContext input = fixedInput();
    input.prefix = QStringLiteral("fmt = \"{suffix} {prefix} {x}\"\n");
    input.suffix = QStringLiteral("SUFFIX_TEXT");
    auto built = m_builder->codeCompletion(endpointFor(ModelFamily::CodeGemma), input, false);
    QCOMPARE(built->prompt, QStringLiteral("<|fim_prefix|>fmt = \"{suffix} {prefix} {x}\"\n<|fim_suffix|>SUFFIX_TEXT<|fim_middle|>"));
}

void tst_PromptBuilder::truncation_data()
{
    QTest::addColumn<QString>("family");
    QTest::addColumn<int>("prefixChars");
    QTest::addColumn<int>("suffixChars");
    QTest::addColumn<bool>("truncated");
    QTest::newRow("small input not cut") << "codegemma" << 1000 << 1000 << false;
    QTest::newRow("codegemma long prefix") << "codegemma" << 100000 << 200 << true;
    QTest::newRow("codegemma both long") << "codegemma" << 100000 << 100000 << true;
    QTest::newRow("codellama both long") << "codellama" << 100000 << 100000 << true;
    QTest::newRow("codestral both long") << "codestral" << 200000 << 200000 << true;
    QTest::newRow("codestral long suffix only") << "codestral" << 400 << 200000 << true;
    QTest::newRow("gpt chat-api both long") << "gpt" << 200000 << 200000 << true;
}

void tst_PromptBuilder::truncation()
{
    QFETCH(QString, family);
    QFETCH(int, prefixChars);
    QFETCH(int, suffixChars);
    QFETCH(bool, truncated);
    const ModelFamily f = *familyFromName(family);
    const FamilyDefaults d = m_builder->defaults(f);
    CodeContext input = fixedInput();
    // 'z' only in the prefix and 'q' only in the suffix; the templates have neither.
    input.prefix = QStringLiteral("PREFIX_HEAD") + repeated(QLatin1Char('z'), prefixChars) + QStringLiteral("PREFIX_TAIL");
    input.suffix = QStringLiteral("SUFFIX_HEAD") + repeated(QLatin1Char('q'), suffixChars) + QStringLiteral("SUFFIX_TAIL");
    auto built = m_builder->codeCompletion(endpointFor(f), input, false);
    QVERIFY(built.ok());
    QCOMPARE(built->truncated, truncated);
    QVERIFY2(built->promptTokensEstimate + built->maxTokens <= d.tokenBudget,
             qPrintable(QStringLiteral("%1 + %2 > %3").arg(built->promptTokensEstimate).arg(built->maxTokens).arg(d.tokenBudget)));
    QString text = built->prompt;
    if (built->api == BuiltRequest::Api::ChatCompletions)
        text = built->messages.last().toObject().value(QStringLiteral("content")).toString();
    // The prefix loses its start, the suffix its end: what is next to the cursor stays.
    QVERIFY(text.contains(QStringLiteral("PREFIX_TAIL")));
    QVERIFY(text.contains(QStringLiteral("SUFFIX_HEAD")));
    QCOMPARE(text.contains(QStringLiteral("PREFIX_HEAD")), !truncated || prefixChars < 1000);
    if (!truncated)
        QVERIFY(text.contains(QStringLiteral("SUFFIX_TAIL")));
    if (truncated) {
        const int room = d.tokenBudget - built->maxTokens;
        // Filler lines are 79 letters and a newline.
        const int suffixTokens = int(text.count(QLatin1Char('q')) * 80 / 79 / 4);
        const int prefixTokens = int(text.count(QLatin1Char('z')) * 80 / 79 / 4);
        // Everything fits tightly: little room is wasted.
        QVERIFY2(built->promptTokensEstimate > room * 0.95, qPrintable(QString::number(built->promptTokensEstimate)));
        if (suffixChars > room * 4) {
            // The suffix keeps about 7 % of the room (not less), the prefix the rest.
            QVERIFY2(suffixTokens >= int(room * 0.07) - 32, qPrintable(QString::number(suffixTokens)));
            if (prefixChars > room * 4)
                QVERIFY2(suffixTokens <= int(room * 0.07) + 32, qPrintable(QString::number(suffixTokens)));
        } else {
            QVERIFY(text.contains(QStringLiteral("SUFFIX_TAIL"))); // a short suffix is kept whole
        }
        if (prefixChars > room * 4 && suffixChars > room * 4)
            QVERIFY2(prefixTokens >= int(room * 0.90), qPrintable(QString::number(prefixTokens)));
    }
}

void tst_PromptBuilder::truncationKeepsSurrogatePairs()
{
    CodeContext input = fixedInput();
    QString emoji = QString::fromUtf8("\xF0\x9F\x98\x80"); // U+1F600, a surrogate pair, 4 UTF-8 bytes
    QString korean = QString::fromUtf8("한"); // 3 UTF-8 bytes
    input.prefix.clear();
    for (int i = 0; i < 40000; ++i)
        input.prefix += (i % 2) ? emoji : korean;
    input.suffix = emoji + emoji;
    auto built = m_builder->codeCompletion(endpointFor(ModelFamily::CodeGemma), input, false);
    QVERIFY(built->truncated);
    QVERIFY(built->promptTokensEstimate + built->maxTokens <= 8192);
    // No lone surrogate: the prompt survives a UTF-8 round trip unchanged.
    QCOMPARE(QString::fromUtf8(built->prompt.toUtf8()), built->prompt);
    for (qsizetype i = 0; i < built->prompt.size(); ++i) {
        if (built->prompt.at(i).isHighSurrogate())
            QVERIFY(i + 1 < built->prompt.size() && built->prompt.at(i + 1).isLowSurrogate());
        else
            QVERIFY(!built->prompt.at(i).isLowSurrogate() || (i > 0 && built->prompt.at(i - 1).isHighSurrogate()));
    }
}

void tst_PromptBuilder::estimateTokens_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("tokens");
    QTest::newRow("empty") << QString() << 0;
    QTest::newRow("one byte") << QStringLiteral("a") << 1;
    QTest::newRow("four bytes") << QStringLiteral("abcd") << 1;
    QTest::newRow("five bytes") << QStringLiteral("abcde") << 2;
    QTest::newRow("korean, 3 bytes each") << QString::fromUtf8("한국어") << 3;
    QTest::newRow("emoji, 4 bytes") << QString::fromUtf8("\xF0\x9F\x98\x80") << 1;
}

void tst_PromptBuilder::estimateTokens()
{
    QFETCH(QString, text);
    QFETCH(int, tokens);
    QCOMPARE(prompts::estimateTokens(text), tokens);
}

void tst_PromptBuilder::completionOverride()
{
    TemplateOverride override{QStringLiteral("<PRE>{prefix}<SUF>{suffix}<MID> // {language} {file_name}")};
    auto built = m_builder->codeCompletion(endpointFor(ModelFamily::CodeLlama), fixedInput(), false, &override);
    QVERIFY(built.ok());
    QCOMPARE(built->prompt, QStringLiteral("<PRE>") + fixedInput().prefix + QStringLiteral("<SUF>") + fixedInput().suffix
                                + QStringLiteral("<MID> // python src/geometry.py"));
    // The family's parameters stay.
    QCOMPARE(built->maxTokens, 128);
    // An override of a chat-api family replaces the user message; the system prompt stays.
    TemplateOverride user{QStringLiteral("Instruction: {instruction}\nCode:\n{prefix}")};
    auto gpt = m_builder->codeGeneration(endpointFor(ModelFamily::Gpt), fixedInput(), false, &user);
    QCOMPARE(gpt->messages.size(), 2);
    QCOMPARE(gpt->messages.at(1).toObject().value(QStringLiteral("content")).toString(),
             QStringLiteral("Instruction: ") + fixedInput().instruction + QStringLiteral("\nCode:\n") + fixedInput().prefix);
    // Language falls back to the file extension.
    CodeContext noLanguage = fixedInput();
    noLanguage.language.clear();
    auto fallback = m_builder->codeCompletion(endpointFor(ModelFamily::CodeLlama), noLanguage, false, &override);
    QVERIFY(fallback->prompt.endsWith(QStringLiteral("// Python src/geometry.py")));
}

void tst_PromptBuilder::validateOverride_data()
{
    QTest::addColumn<QString>("feature");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("code");
    QTest::newRow("fim ok") << "code_completions" << "<PRE>{prefix}<SUF>{suffix}<MID>" << QString();
    QTest::newRow("code braces ok") << "code_completions" << "int main() { {prefix} }" << QString();
    QTest::newRow("completion without prefix") << "code_completions" << "<PRE>{suffix}" << "invalid_template";
    QTest::newRow("typo placeholder") << "code_completions" << "{prefix}{sufix}" << "invalid_template";
    QTest::newRow("generation without instruction") << "code_generations" << "{prefix}" << "invalid_template";
    QTest::newRow("generation ok") << "code_generations" << "{system}\n{prefix}\n{instruction}" << QString();
    QTest::newRow("chat system prompt") << "duo_chat_explain_code" << "Explain the code briefly." << QString();
    QTest::newRow("empty") << "duo_chat" << "   " << "invalid_template";
    QTest::newRow("unknown feature") << "make_coffee" << "{prefix}" << "unknown_feature";
    QTest::newRow("non-gateway feature") << "suggested_reviewers" << "x" << "unknown_feature";
    QTest::newRow("too long") << "duo_chat" << QString(70000, QLatin1Char('x')) << "invalid_template";
}

void tst_PromptBuilder::validateOverride()
{
    QFETCH(QString, feature);
    QFETCH(QString, text);
    QFETCH(QString, code);
    const Status st = PromptBuilder::validateOverride(feature, text);
    if (code.isEmpty()) {
        QVERIFY2(st.ok(), qPrintable(st.ok() ? QString() : st.error().message));
    } else {
        QVERIFY(!st.ok());
        QCOMPARE(st.error().code, code);
    }
}

void tst_PromptBuilder::chatSystemRole()
{
    ChatInput input;
    input.feature = QStringLiteral("duo_chat");
    input.messages = messages({{"user", "hi"}, {"user", "are you there?"}, {"assistant", "yes"}, {"user", "good"}});
    // mistral: no system role, strict alternation.
    auto mistral = m_builder->chat(endpointFor(ModelFamily::Mistral), input, true);
    QVERIFY(mistral.ok());
    QCOMPARE(mistral->api, BuiltRequest::Api::ChatCompletions);
    QCOMPARE(mistral->messages.size(), 3);
    const QString first = mistral->messages.at(0).toObject().value(QStringLiteral("content")).toString();
    QCOMPARE(mistral->messages.at(0).toObject().value(QStringLiteral("role")).toString(), QStringLiteral("user"));
    QVERIFY(first.startsWith(QStringLiteral("You are GitLab Duo Chat")));
    QVERIFY(first.endsWith(QStringLiteral("\n\nhi\n\nare you there?")));
    QCOMPARE(mistral->prompt, QStringLiteral("good"));
    QCOMPARE(bodyOf(*mistral).value(QStringLiteral("stream")).toBool(), true);
    QCOMPARE(bodyOf(*mistral).value(QStringLiteral("messages")).toArray(), mistral->messages);
    // gpt: system message first, messages as given.
    auto gpt = m_builder->chat(endpointFor(ModelFamily::Gpt), input, false);
    QCOMPARE(gpt->messages.size(), 5);
    QCOMPARE(gpt->messages.at(0).toObject().value(QStringLiteral("role")).toString(), QStringLiteral("system"));
}

void tst_PromptBuilder::chatKeepsClientSystemMessage()
{
    ChatInput input;
    input.feature = QStringLiteral("duo_chat_explain_code");
    input.messages = messages({{"system", "GitLab's own prompt"}, {"user", "explain x"}});
    auto gpt = m_builder->chat(endpointFor(ModelFamily::Gpt), input, false);
    QCOMPARE(gpt->messages.size(), 2);
    QCOMPARE(gpt->messages.at(0).toObject().value(QStringLiteral("content")).toString(), QStringLiteral("GitLab's own prompt"));
}

void tst_PromptBuilder::chatOverrideAndParams()
{
    ChatInput input;
    input.feature = QStringLiteral("duo_chat_write_tests");
    input.messages = messages({{"user", "write tests"}});
    input.stop = QStringList{QStringLiteral("</answer>")};
    input.temperature = 0.5;
    input.maxTokens = 300;
    TemplateOverride override{QStringLiteral("Use pytest only.")};
    auto built = m_builder->chat(endpointFor(ModelFamily::Claude3), input, false, &override);
    QCOMPARE(built->messages.at(0).toObject().value(QStringLiteral("content")).toString(), QStringLiteral("Use pytest only."));
    QCOMPARE(built->temperature, 0.5);
    QCOMPARE(built->maxTokens, 300);
    QCOMPARE(built->stop, QStringList{QStringLiteral("</answer>")});
    const QJsonObject body = bodyOf(*built);
    QCOMPARE(body.value(QStringLiteral("max_tokens")).toInt(), 300);
    QCOMPARE(body.value(QStringLiteral("stop")).toArray().at(0).toString(), QStringLiteral("</answer>"));
    // Defaults when the request has none.
    input.temperature = -1;
    input.maxTokens = -1;
    auto defaults = m_builder->chat(endpointFor(ModelFamily::Claude3), input, false);
    QCOMPARE(defaults->temperature, m_builder->defaults(ModelFamily::Claude3).chatTemperature);
    QCOMPARE(defaults->maxTokens, m_builder->defaults(ModelFamily::Claude3).chatMaxTokens);
}

void tst_PromptBuilder::chatBudgetDropsOldestMessages()
{
    ChatInput input;
    input.feature = QStringLiteral("duo_chat_troubleshoot_job");
    const QString big = repeated(QLatin1Char('x'), 4 * 3000); // ~3000 tokens each
    QJsonArray list;
    for (int i = 0; i < 4; ++i) {
        list.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), QString(QStringLiteral("old%1 ").arg(i) + big)}});
        list.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")}, {QStringLiteral("content"), QStringLiteral("answer")}});
    }
    list.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), QStringLiteral("latest question")}});
    input.messages = list;
    auto built = m_builder->chat(endpointFor(ModelFamily::CodeGemma), input, false); // 8192 budget
    QVERIFY(built->truncated);
    QVERIFY(built->promptTokensEstimate + built->maxTokens <= 8192);
    QCOMPARE(built->prompt, QStringLiteral("latest question"));
    const QString all = QString::fromUtf8(built->body);
    QVERIFY(!all.contains(QStringLiteral("old0")));
    QVERIFY(all.contains(QStringLiteral("You are a CI/CD expert")));

    // One huge message: cut from its start, its end (the job's failure) kept.
    input.messages = messages({{"user", "LOG START"}});
    QJsonObject huge = input.messages.at(0).toObject();
    huge.insert(QStringLiteral("content"), QString(QStringLiteral("LOG START ") + repeated(QLatin1Char('y'), 200000) + QStringLiteral(" LOG END")));
    input.messages.replace(0, huge);
    auto cut = m_builder->chat(endpointFor(ModelFamily::Gpt), input, false);
    QVERIFY(cut->truncated);
    QVERIFY(cut->promptTokensEstimate + cut->maxTokens <= 32768);
    QVERIFY(cut->prompt.endsWith(QStringLiteral(" LOG END")));
    QVERIFY(!cut->prompt.contains(QStringLiteral("LOG START")));
}

void tst_PromptBuilder::chatErrors_data()
{
    QTest::addColumn<QString>("feature");
    QTest::addColumn<QJsonArray>("list");
    QTest::addColumn<QString>("code");
    QTest::newRow("unknown feature") << "make_coffee" << messages({{"user", "x"}}) << "unknown_feature";
    QTest::newRow("non-gateway feature") << "value_stream_forecasting" << messages({{"user", "x"}}) << "unknown_feature";
    QTest::newRow("completion feature") << "code_completions" << messages({{"user", "x"}}) << "not_a_chat_feature";
    QTest::newRow("no messages") << "duo_chat" << QJsonArray() << "invalid_messages";
    QTest::newRow("bad role") << "duo_chat" << messages({{"tool", "x"}}) << "invalid_messages";
    QTest::newRow("content not a string")
        << "duo_chat" << QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), 3}}}
        << "invalid_messages";
}

void tst_PromptBuilder::chatErrors()
{
    QFETCH(QString, feature);
    QFETCH(QJsonArray, list);
    QFETCH(QString, code);
    ChatInput input;
    input.feature = feature;
    input.messages = list;
    auto built = m_builder->chat(endpointFor(ModelFamily::Gpt), input, false);
    QVERIFY(!built.ok());
    QCOMPARE(built.error().code, code);
}

void tst_PromptBuilder::postProcessCompletion_data()
{
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("stop");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << "codestral" << "return a + b" << QStringList() << "return a + b";
    QTest::newRow("indentation kept") << "codestral" << "    return x\n" << QStringList() << "    return x";
    QTest::newRow("trailing whitespace") << "codellama" << "x = 1   \n\n\t" << QStringList() << "x = 1";
    QTest::newRow("family stop") << "codestral" << "x = 1\n[PREFIX]junk" << QStringList() << "x = 1";
    QTest::newRow("codellama eot") << "codellama" << "x = 1<EOT>more" << QStringList() << "x = 1";
    QTest::newRow("request stop") << "deepseekcoder" << "a()\n\n\nb()" << QStringList{QStringLiteral("\n\n\n")} << "a()";
    QTest::newRow("earliest stop wins") << "codegemma" << "a<|file_separator|>b<|fim_prefix|>" << QStringList() << "a";
    QTest::newRow("empty") << "codestral" << "  \n\n" << QStringList() << "";
    QTest::newRow("only a stop") << "codestral" << "[SUFFIX]" << QStringList() << "";
}

void tst_PromptBuilder::postProcessCompletion()
{
    QFETCH(QString, family);
    QFETCH(QString, text);
    QFETCH(QStringList, stop);
    QFETCH(QString, expected);
    QCOMPARE(m_builder->postProcessCompletion(*familyFromName(family), text, stop), expected);
}

void tst_PromptBuilder::postProcessGeneration_data()
{
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<QString>("expected");
    const QString nl = QStringLiteral("x\n");
    QTest::newRow("fence with language") << "gpt" << "```python\nreturn 1\n```" << nl << "return 1";
    QTest::newRow("fence without language") << "gpt" << "```\nx = 1\ny = 2\n```\n" << nl << "x = 1\ny = 2";
    QTest::newRow("prose around the fence") << "claude_3" << "Here you go:\n```js\nfoo();\n```\nHope it helps" << nl << "foo();";
    QTest::newRow("unclosed fence") << "mistral" << "```go\nfmt.Println()\n" << nl << "fmt.Println()";
    QTest::newRow("indented fence") << "gpt" << "  ```\n    return a\n  ```" << nl << "    return a";
    QTest::newRow("inline fence") << "gpt" << "```python return 1```" << nl << "return 1";
    QTest::newRow("leading newlines") << "codestral" << "\n\n    return a\n" << nl << "    return a";
    QTest::newRow("trailing whitespace") << "gpt" << "x = 1   \n\n" << nl << "x = 1";
    QTest::newRow("stop sequence") << "codestral" << "return 1[/INST] and more" << nl << "return 1";
    QTest::newRow("llama3 stop") << "llama3" << "return 1<|eot_id|>" << nl << "return 1";
    QTest::newRow("empty") << "gpt" << "   \n" << nl << "";
    QTest::newRow("only fences") << "gpt" << "```\n```" << nl << "";
    QTest::newRow("cursor after code on its line") << "gpt" << "return 1" << "def f():" << "\nreturn 1";
    QTest::newRow("cursor on an indented blank line") << "gpt" << "return 1" << "def f():\n    " << "return 1";
    QTest::newRow("no prefix") << "gpt" << "return 1" << "" << "return 1";
}

void tst_PromptBuilder::postProcessGeneration()
{
    QFETCH(QString, family);
    QFETCH(QString, text);
    QFETCH(QString, prefix);
    QFETCH(QString, expected);
    QCOMPARE(m_builder->postProcessGeneration(*familyFromName(family), text, prefix), expected);
}

void tst_PromptBuilder::familySuits()
{
    QVERIFY(m_builder->familySuits(ModelFamily::Codestral, QStringLiteral("code_completions")));
    QVERIFY(m_builder->familySuits(ModelFamily::Codestral, QStringLiteral("duo_chat_write_tests")));
    QVERIFY(!m_builder->familySuits(ModelFamily::Codestral, QStringLiteral("duo_chat")));
    QVERIFY(m_builder->familySuits(ModelFamily::Mixtral, QStringLiteral("duo_chat")));
    QVERIFY(!m_builder->familySuits(ModelFamily::Gpt, QStringLiteral("suggested_reviewers")));
    QVERIFY(!m_builder->familySuits(ModelFamily::Gpt, QStringLiteral("nope")));
}

QTEST_GUILESS_MAIN(tst_PromptBuilder)
#include "tst_promptbuilder.moc"
