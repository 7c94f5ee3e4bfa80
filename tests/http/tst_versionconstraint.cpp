#include "dialects/gitlab/versionconstraint.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QTest>

using namespace airlock::gitlab;

// The prompt_version constraint of GitLab's /v1/prompts/{id}, checked against Airlock's version 1.0.0.
class tst_VersionConstraint : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void satisfies_data();
    void satisfies();
    void readsConstraint_data();
    void readsConstraint();
};

void tst_VersionConstraint::satisfies_data()
{
    QTest::addColumn<QString>("constraint");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("satisfied");

    QTest::newRow("caret") << QStringLiteral("^1.0.0") << true << true;
    QTest::newRow("caret newer minor") << QStringLiteral("^1.2.0") << true << false;
    QTest::newRow("caret other major") << QStringLiteral("^2.0.0") << true << false;
    QTest::newRow("tilde") << QStringLiteral("~1.0") << true << true;
    QTest::newRow("tilde other minor") << QStringLiteral("~1.1") << true << false;
    QTest::newRow("exact") << QStringLiteral("1.0.0") << true << true;
    QTest::newRow("exact with =") << QStringLiteral("=1.0.0") << true << true;
    QTest::newRow("exact with v") << QStringLiteral("v1.0.0") << true << true;
    QTest::newRow("exact other") << QStringLiteral("1.0.1") << true << false;
    QTest::newRow("pre-release suffix") << QStringLiteral("1.0.0-beta.1") << true << true;
    QTest::newRow("x range") << QStringLiteral("1.x") << true << true;
    QTest::newRow("star") << QStringLiteral("*") << true << true;
    QTest::newRow(">=") << QStringLiteral(">=1.0.0") << true << true;
    QTest::newRow(">= older") << QStringLiteral(">=0.5") << true << true;
    QTest::newRow(">") << QStringLiteral(">1.0.0") << true << false;
    QTest::newRow("<=") << QStringLiteral("<=1.0.0") << true << true;
    QTest::newRow("<") << QStringLiteral("<1.0.0") << true << false;
    QTest::newRow("spaces") << QStringLiteral("  >= 1.0 ") << true << true;
    QTest::newRow("empty") << QString() << false << false;
    QTest::newRow("blank") << QStringLiteral("   ") << false << false;
    QTest::newRow("garbage") << QStringLiteral("latest") << false << false;
    QTest::newRow("two operators") << QStringLiteral(">=<1.0") << false << false;
}

void tst_VersionConstraint::satisfies()
{
    QFETCH(QString, constraint);
    QFETCH(bool, valid);
    QFETCH(bool, satisfied);

    bool parsed = !valid;
    QCOMPARE(versionSatisfies(constraint, &parsed), satisfied);
    QCOMPARE(parsed, valid);
}

void tst_VersionConstraint::readsConstraint_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("constraint");

    QTest::newRow("absent") << QJsonValue(QJsonValue::Undefined) << true << QStringLiteral("^1.0.0");
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << true << QStringLiteral("^1.0.0");
    QTest::newRow("string") << QJsonValue(QStringLiteral("~1.0")) << true << QStringLiteral("~1.0");
    QTest::newRow("number") << QJsonValue(1) << false << QString();
    QTest::newRow("object") << QJsonValue(QJsonObject()) << false << QString();
}

void tst_VersionConstraint::readsConstraint()
{
    QFETCH(QJsonValue, value);
    QFETCH(bool, valid);
    QFETCH(QString, constraint);

    bool read = !valid;
    QCOMPARE(readPromptVersionConstraint(value, &read), constraint);
    QCOMPARE(read, valid);
}

QTEST_APPLESS_MAIN(tst_VersionConstraint)
#include "tst_versionconstraint.moc"
