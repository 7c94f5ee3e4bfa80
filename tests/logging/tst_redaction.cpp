// Captured bodies lose every secret before they are stored.

#include "storage/redaction.h"

#include <QTest>

using airlock::storage::redactSecrets;

class tst_Redaction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void redacts_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("secret");
        QTest::addColumn<QByteArray>("kept");

        QTest::newRow("openai key") << QByteArray("use sk-abcdefghijklmnop1234 here") << QByteArray("sk-abcdefghijklmnop1234")
                                    << QByteArray("use ");
        QTest::newRow("project key") << QByteArray("k=sk-proj-AAAAbbbbCCCCdddd") << QByteArray("AAAAbbbbCCCCdddd")
                                     << QByteArray("k=");
        QTest::newRow("api_key json") << QByteArray("{\"api_key\": \"hunter2-very-secret\", \"x\": 1}")
                                      << QByteArray("hunter2-very-secret") << QByteArray("\"x\": 1");
        QTest::newRow("model_api_key json") << QByteArray("{\"model_api_key\":\"plainsecretvalue\"}")
                                            << QByteArray("plainsecretvalue") << QByteArray("model_api_key");
        QTest::newRow("escaped json in a string") << QByteArray("\"{\\\"api_key\\\": \\\"innersecret99\\\"}\"")
                                                  << QByteArray("innersecret99") << QByteArray("api_key");
        QTest::newRow("authorization header") << QByteArray("Authorization: Bearer abc.def-ghi_jkl\nHost: x")
                                              << QByteArray("abc.def-ghi_jkl") << QByteArray("Host: x");
        QTest::newRow("bearer in curl") << QByteArray("curl -H 'authorization: bearer 0123456789abcdef' http://x")
                                        << QByteArray("0123456789abcdef") << QByteArray("http://x");
        QTest::newRow("password yaml") << QByteArray("db:\n  password: Tr0ub4dor&3\n  user: bob")
                                       << QByteArray("Tr0ub4dor") << QByteArray("user: bob");
        QTest::newRow("gitlab pat") << QByteArray("token glpat-ABCDEFGHIJ0123456789 ok") << QByteArray("glpat-ABCDEFGHIJ0123456789")
                                    << QByteArray(" ok");
        QTest::newRow("jwt") << QByteArray("x eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl y")
                             << QByteArray("eyJzdWIiOiIxMjMifQ") << QByteArray(" y");
        QTest::newRow("aws key id") << QByteArray("aws AKIAIOSFODNN7EXAMPLE") << QByteArray("AKIAIOSFODNN7EXAMPLE")
                                    << QByteArray("aws ");
        QTest::newRow("private key") << QByteArray("key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n"
                                                   "-----END RSA PRIVATE KEY-----\nafter")
                                     << QByteArray("MIIEpAIBAAKCAQEA") << QByteArray("after");
        QTest::newRow("private key in json string")
            << QByteArray("{\"content\":\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n\"}")
            << QByteArray("MIIEvQIBADANBg") << QByteArray("content");
        QTest::newRow("cut private key") << QByteArray("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk")
                                         << QByteArray("b3BlbnNzaC1rZXk") << QByteArray("REDACTED PRIVATE KEY");
        QTest::newRow("github token") << QByteArray("ghp_abcdefghijklmnopqrstuvwxyz0123") << QByteArray("ghp_abcdefghij")
                                      << QByteArray("[REDACTED]");
    }

    void redacts()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, secret);
        QFETCH(QByteArray, kept);
        const QByteArray out = redactSecrets(input);
        QVERIFY2(!out.contains(secret), out.constData());
        QVERIFY2(out.contains(kept), out.constData());
        QVERIFY2(out.contains("REDACTED"), out.constData());
    }

    void leavesOrdinaryCodeAlone()
    {
        const QByteArray code = "def tokenize(text):\n    return text.split()  # keys are fine\nskip = 3\n";
        QCOMPARE(redactSecrets(code), code);
        QCOMPARE(redactSecrets(QByteArray()), QByteArray());
    }
};

QTEST_GUILESS_MAIN(tst_Redaction)
#include "tst_redaction.moc"
