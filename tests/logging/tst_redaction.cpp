// Captured bodies lose every secret before they are stored: each named rule of storage/redaction.h with
// what it must catch and what it must leave alone (ordinary code, prose), the admin's switches (rules
// turned off, custom rules) and their strict validation.

#include "storage/redaction.h"

#include <QTest>

using airlock::storage::redactSecrets;
using airlock::storage::Redactor;

class tst_Redaction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Each row: the rule that catches it, the text, the secret that must be gone, text that must stay.
    void redacts_data()
    {
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("secret");
        QTest::addColumn<QByteArray>("kept");

        auto row = [](const char *name, const char *rule, const QByteArray &input, const QByteArray &secret,
                      const QByteArray &kept) {
            QTest::newRow(name) << QString::fromLatin1(rule) << input << secret << kept;
        };
        row("private key", "private_key",
            "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----\nafter",
            "MIIEpAIBAAKCAQEA", "after");
        row("private key in a json string", "private_key",
            "{\"content\":\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n\"}", "MIIEvQIBADANBg",
            "content");
        row("cut private key", "private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", "b3BlbnNzaC1rZXk",
            "REDACTED PRIVATE KEY");
        row("pgp private key block", "private_key",
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF0\n-----END PGP PRIVATE KEY BLOCK-----\nok", "lQOYBF0", "\nok");
        row("authorization bearer", "bearer", "Authorization: Bearer abc.def-ghi_jkl\nHost: x", "abc.def-ghi_jkl", "Host: x");
        row("bearer in curl", "bearer", "curl -H 'authorization: bearer 0123456789abcdef' http://x", "0123456789abcdef",
            "http://x");
        row("postgres url", "connection_string", "DATABASE_URL=postgres://app:s3cr3tPass@db.internal:5432/app", "s3cr3tPass",
            "postgres://app:");
        row("redis url without user", "connection_string", "url = \"redis://:hunter22@cache:6379/0\"", "hunter22",
            "@cache:6379/0");
        row("mongodb+srv url", "connection_string", "mongodb+srv://admin:Pa55w0rd@cluster0.example.net/db", "Pa55w0rd",
            "cluster0.example.net");
        row("aws secret env", "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY=\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
            "wJalrXUtnFEMI", "AWS_SECRET_ACCESS_KEY=");
        row("aws secret credentials file", "aws_secret_access_key",
            "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nregion = eu-west-1", "wJalrXUtnFEMI",
            "region = eu-west-1");
        row("aws secret json", "aws_secret_access_key",
            "{\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\", \"x\": 1}", "wJalrXUtnFEMI", "\"x\": 1");
        row("azure storage connection string", "azure_key",
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4==;EndpointSuffix=core",
            "Zm9vYmFyYmF6cXV4", "AccountName=acct");
        row("azure ad client secret", "azure_key", "secret is abc8Q~aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456 here",
            "aBcDeFgHiJkLmNoPqRsTuVwXyZ", " here");
        row("password yaml", "secret_assignment", "db:\n  password: Tr0ub4dor&3\n  user: bob", "Tr0ub4dor", "user: bob");
        row("password env", "secret_assignment", "DB_PASSWORD=hunter2hunter\nDB_USER=app", "hunter2hunter", "DB_USER=app");
        row("secret quoted", "secret_assignment", "client_secret = 'abcdEFGH1234'\nx = 1", "abcdEFGH1234", "x = 1");
        row("token json", "secret_assignment", "{\"token\": \"opaque-value-1234\", \"n\": 2}", "opaque-value-1234", "\"n\": 2");
        row("api_key json", "secret_assignment", "{\"api_key\": \"hunter2-very-secret\", \"x\": 1}", "hunter2-very-secret",
            "\"x\": 1");
        row("model_api_key json", "secret_assignment", "{\"model_api_key\":\"plainsecretvalue\"}", "plainsecretvalue",
            "model_api_key");
        row("escaped json in a string", "secret_assignment", "\"{\\\"api_key\\\": \\\"innersecret99\\\"}\"", "innersecret99",
            "api_key");
        row("env line in a json string", "secret_assignment", "{\"content\":\"GITHUB_TOKEN=abcd1234efgh\\nNEXT=1\"}",
            "abcd1234efgh", "NEXT=1");
        row("api-key header", "secret_assignment", "x-api-key: 9f8e7d6c5b4a\naccept: */*", "9f8e7d6c5b4a", "accept: */*");
        row("basic authorization", "secret_assignment", "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA",
            "Authorization");
        row("go short assignment", "secret_assignment", "apiKey := \"k-123456789\"", "k-123456789", "apiKey");
        row("ruby hash", "secret_assignment", "{ 'password' => 'rubysecret1' }", "rubysecret1", "password");
        row("query string", "secret_assignment", "GET /x?access_token=qs-secret-99&page=2", "qs-secret-99", "page=2");
        row("aws key id", "aws_access_key_id", "aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws ");
        row("aws temporary key id", "aws_access_key_id", "id=ASIAY34FZKBOKMUTVV7A;", "ASIAY34FZKBOKMUTVV7A", ";");
        row("gcp api key", "gcp_api_key", "key AIzaSyD-abcdefghijklmnopqrstuvwxyz01234 end",
            "AIzaSyD-abcdefghijklmnopqrstuvwxyz01234", " end");
        row("jwt", "jwt", "x eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl y", "eyJzdWIiOiIxMjMifQ", " y");
        row("openai key", "openai_key", "use sk-abcdefghijklmnop1234 here", "sk-abcdefghijklmnop1234", "use ");
        row("openai project key", "openai_key", "k: sk-proj-AAAAbbbbCCCCdddd", "AAAAbbbbCCCCdddd", "k: ");
        row("anthropic key", "openai_key", "(sk-ant-api03-abcdefgh12345678)", "abcdefgh12345678", "([REDACTED])");
        row("github token", "github_token", "ghp_abcdefghijklmnopqrstuvwxyz0123", "ghp_abcdefghij", "[REDACTED]");
        row("github fine-grained token", "github_token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            "11ABCDEFG0123456789", "[REDACTED]");
        row("gitlab pat", "gitlab_token", "use glpat-ABCDEFGHIJ0123456789 ok", "glpat-ABCDEFGHIJ0123456789", " ok");
        row("gitlab runner token", "gitlab_token", "glrt-t1_abcdefghij0123456789", "abcdefghij0123456789", "[REDACTED]");
        row("slack bot token", "slack_token", "xoxb-1234567890-abcdefghijkl ok", "1234567890-abcdefghijkl", " ok");
        row("slack webhook", "slack_token", "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
            "XXXXXXXXXXXXXXXX", "hooks.slack.com/services/");
    }

    void redacts()
    {
        QFETCH(QString, rule);
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, secret);
        QFETCH(QByteArray, kept);
        const QByteArray out = redactSecrets(input);
        QVERIFY2(!out.contains(secret), out.constData());
        QVERIFY2(out.contains(kept), out.constData());
        QVERIFY2(out.contains("REDACTED"), out.constData());
        // The row's own rule catches it: with that rule alone (all others off) the secret goes too.
        QStringList others = Redactor::builtinRuleNames();
        QVERIFY2(others.removeAll(rule) == 1, qPrintable(rule));
        const auto only = Redactor::make(others, {});
        QVERIFY(only);
        QCOMPARE((*only)->ruleNames(), QStringList{rule});
        QVERIFY2(!(*only)->redact(input).contains(secret), (*only)->redact(input).constData());
    }

    // Ordinary code and prose: left exactly as it is.
    void leavesOrdinaryTextAlone_data()
    {
        QTest::addColumn<QByteArray>("text");
        auto row = [](const char *name, const QByteArray &text) { QTest::newRow(name) << text; };
        row("tokenizer code", "def tokenize(text):\n    return text.split()  # keys are fine\nskip = 3\n");
        row("password_length", "password_length = 8\nmin_password_chars: 12");
        row("max_tokens json", "{\"max_tokens\": 128, \"prompt_tokens\": 12, \"completion_tokens\": 7}");
        row("token from a call", "token = get_token()\nsecret = load_secret(path)");
        row("member paths", "self.password = config.password\napi_key = os.environ[\"API_KEY\"]");
        row("same-named variables", "login(password=password)\nself.token = token");
        row("type hints", "def login(user: str, password: str) -> bool:\n    token: Optional[str] = None");
        row("keywords", "password = None\n\"token\": null\nsecret: false");
        row("templates", "github_token: ${{ secrets.GITHUB_TOKEN }}\npassword=${DB_PASSWORD}");
        row("comparison", "if password == expected:");
        row("short literals", "int token = 0;");
        row("names that do not end in a secret word", "secret_santa = True\ntoken_type: bearer\nTOKEN_URL = \"https://x\"");
        row("plain urls", "see http://example.com:8080/path and git@github.com:org/repo.git");
        row("prose", "The bearer of this letter. Use sk-learn style names; risk-assessment; AKIA is a prefix.");
        row("azure-like words", "Reading is fun ~ and so on");
        row("empty", "");
    }
    void leavesOrdinaryTextAlone()
    {
        QFETCH(QByteArray, text);
        QCOMPARE(redactSecrets(text), text);
    }

    void aRuleTurnedOffLetsItsFormatThrough()
    {
        const auto redactor = Redactor::make({QStringLiteral("jwt")}, {});
        QVERIFY(redactor);
        QVERIFY(!(*redactor)->ruleNames().contains(QStringLiteral("jwt")));
        const QByteArray jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl";
        QCOMPARE((*redactor)->redact(jwt), jwt);
        QVERIFY(!(*redactor)->redact("AKIAIOSFODNN7EXAMPLE").contains("AKIA")); // the others still apply
    }

    void customRulesRedactTheirMatches()
    {
        const auto redactor = Redactor::make({}, {{QStringLiteral("ticket"), QStringLiteral("TKT-[0-9]{8}")}});
        QVERIFY(redactor);
        QCOMPARE((*redactor)->ruleNames().last(), QStringLiteral("ticket"));
        QCOMPARE((*redactor)->redact("see TKT-12345678 now"), QByteArray("see [REDACTED] now"));
        QCOMPARE((*redactor)->redact("see TKT-1234 now"), QByteArray("see TKT-1234 now"));
    }

    void badConfigurationNamesTheEntry_data()
    {
        QTest::addColumn<QStringList>("disabled");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("mention");
        QTest::newRow("unknown rule") << QStringList{QStringLiteral("jwt"), QStringLiteral("jwts")} << QString() << QString()
                                      << QStringLiteral("logging.redaction.disable[1]") << QStringLiteral("\"jwts\"");
        QTest::newRow("rule twice") << QStringList{QStringLiteral("jwt"), QStringLiteral("jwt")} << QString() << QString()
                                    << QStringLiteral("logging.redaction.disable[1]") << QStringLiteral("twice");
        QTest::newRow("bad regex") << QStringList{} << QStringLiteral("mine") << QStringLiteral("TKT-(")
                                   << QStringLiteral("logging.redaction.rules[0].pattern") << QStringLiteral("not a valid regular expression");
        QTest::newRow("empty regex") << QStringList{} << QStringLiteral("mine") << QString()
                                     << QStringLiteral("logging.redaction.rules[0].pattern") << QStringLiteral("empty");
        QTest::newRow("matches nothing but empty") << QStringList{} << QStringLiteral("mine") << QStringLiteral("x*")
                                                   << QStringLiteral("logging.redaction.rules[0].pattern")
                                                   << QStringLiteral("matches the empty text");
        QTest::newRow("bad name") << QStringList{} << QStringLiteral("My Rule") << QStringLiteral("x")
                                  << QStringLiteral("logging.redaction.rules[0].name") << QStringLiteral("\"My Rule\"");
        QTest::newRow("taken name") << QStringList{} << QStringLiteral("jwt") << QStringLiteral("x")
                                    << QStringLiteral("logging.redaction.rules[0].name") << QStringLiteral("taken");
    }
    void badConfigurationNamesTheEntry()
    {
        QFETCH(QStringList, disabled);
        QFETCH(QString, name);
        QFETCH(QString, pattern);
        QFETCH(QString, field);
        QFETCH(QString, mention);
        QList<Redactor::CustomRule> custom;
        if (!name.isEmpty())
            custom.append({name, pattern});
        const auto redactor = Redactor::make(disabled, custom);
        QVERIFY(!redactor);
        QCOMPARE(redactor.error().field, field);
        QVERIFY2(redactor.error().message.startsWith(field), qPrintable(redactor.error().message));
        QVERIFY2(redactor.error().message.contains(mention), qPrintable(redactor.error().message));
    }
};

QTEST_GUILESS_MAIN(tst_Redaction)
#include "tst_redaction.moc"
