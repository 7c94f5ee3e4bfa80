// Prefix affinity (routing/affinity.h) over real configuration snapshots: the same key lands on the same
// replica, keys spread by weight, a loaded, tried or ejected replica passes the key on, and removing a
// replica moves only the keys it had. The resilience section's "affinity" keys are checked too.

#include "gatewayconfig.h"
#include "routing/affinity.h"
#include "routing/configsnapshot.h"

#include <QJsonDocument>
#include <QTest>

using namespace airlock;
using namespace airlock::routing;

namespace {

GatewayConfig replicated(const QList<int> &ports, const QList<int> &weights = {})
{
    GatewayConfig c;
    ModelEndpoint e;
    e.name = QStringLiteral("pair");
    e.family = ModelFamily::Codestral;
    e.identifier = QStringLiteral("codestral-22b");
    for (qsizetype i = 0; i < ports.size(); ++i)
        e.replicas.append(ModelReplica{QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(ports.at(i))),
                                       weights.isEmpty() ? 1 : weights.at(i)});
    e.baseUrl = e.replicas.constFirst().baseUrl;
    c.models = {e};
    c.features.insert(QStringLiteral("code_completions"), e.name);
    return c;
}

QByteArray keyOf(int i)
{
    return QByteArray("user-") + QByteArray::number(i % 17) + '\0' + "src/file" + QByteArray::number(i) + ".py";
}

QString pick(const ConfigSnapshot &snapshot, const QByteArray &key, const TriedReplicas &tried = {},
             int maxLoadPercent = 125)
{
    const ReplicaRuntime *r = pickAffineReplica(*snapshot.endpoint(u"pair"), key, maxLoadPercent, tried, routingNowMs());
    return r ? r->state->key() : QString();
}

} // namespace

class tst_Affinity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameKeySameReplica()
    {
        ConfigHolder holder;
        holder.publish(replicated({9001, 9002, 9003}));
        const auto snapshot = holder.current();
        for (int k = 0; k < 50; ++k) {
            const QString first = pick(*snapshot, keyOf(k));
            QVERIFY(!first.isEmpty());
            for (int i = 0; i < 5; ++i)
                QCOMPARE(pick(*snapshot, keyOf(k)), first);
        }
        // no key, one replica: nothing to be affine to
        QVERIFY(pick(*snapshot, QByteArray()).isEmpty());
        ConfigHolder single;
        single.publish(replicated({9001}));
        QVERIFY(pick(*single.current(), keyOf(1)).isEmpty());
    }

    // 3:1 weights: about three quarters of the keys on the first replica (binomial, n = 4000: 6 sigma
    // is 4 %).
    void keysSpreadByWeight()
    {
        ConfigHolder holder;
        holder.publish(replicated({9001, 9002}, {3, 1}));
        const auto snapshot = holder.current();
        const QString heavy = snapshot->endpoint(u"pair")->replicas.at(0).state->key();
        int onHeavy = 0;
        const int n = 4000;
        for (int k = 0; k < n; ++k)
            onHeavy += pick(*snapshot, keyOf(k)) == heavy;
        const double share = double(onHeavy) / n;
        QVERIFY2(share > 0.71 && share < 0.79, qPrintable(QString::number(share)));
    }

    // A replica over its bound (max_load_percent of its share of the requests in flight) passes the key
    // to the next best one; tried or ejected replicas are skipped.
    void boundedLoadTriedAndEjected()
    {
        ConfigHolder holder;
        holder.publish(replicated({9001, 9002}));
        const auto snapshot = holder.current();
        const EndpointRuntime &endpoint = *snapshot->endpoint(u"pair");
        const QByteArray key = keyOf(7);
        const QString preferred = pick(*snapshot, key);
        const ReplicaRuntime *mine = nullptr;
        const ReplicaRuntime *other = nullptr;
        for (const ReplicaRuntime &r : endpoint.replicas)
            (r.state->key() == preferred ? mine : other) = &r;
        QVERIFY(mine && other);

        // 2 in flight on it, none elsewhere: with this one 3, bound = ceil(1.25 × 3 / 2) = 2, it is full
        mine->state->outstanding.store(2);
        QCOMPARE(pick(*snapshot, key), other->state->key());
        // with 1 it may take one more (bound ceil(1.25 × 2 / 2) = 2)
        mine->state->outstanding.store(1);
        QCOMPARE(pick(*snapshot, key), preferred);
        // a looser bound lets it take more: ceil(2 × 3 / 2) = 3
        mine->state->outstanding.store(2);
        QCOMPARE(pick(*snapshot, key, {}, 200), preferred);
        // equal loads: never over the bound, the key stays
        other->state->outstanding.store(2);
        QCOMPARE(pick(*snapshot, key), preferred);
        mine->state->outstanding.store(0);
        other->state->outstanding.store(0);

        TriedReplicas tried;
        tried.append(mine->state.get());
        QCOMPARE(pick(*snapshot, key, tried), other->state->key());
        tried.append(other->state.get());
        QVERIFY(pick(*snapshot, key, tried).isEmpty());

        EjectionSettings eject;
        eject.consecutiveFailures = 1;
        mine->state->recordFailure(routingNowMs(), eject, true);
        QVERIFY(!mine->state->available(routingNowMs()));
        QCOMPARE(pick(*snapshot, key), other->state->key());
    }

    // Consistent: without the third replica, the keys of the first two stay where they were.
    void removingAReplicaMovesOnlyItsKeys()
    {
        ConfigHolder three;
        three.publish(replicated({9001, 9002, 9003}));
        ConfigHolder two;
        two.publish(replicated({9001, 9002}));
        const QString gone = three.current()->endpoint(u"pair")->replicas.at(2).state->key();
        int moved = 0;
        int kept = 0;
        for (int k = 0; k < 600; ++k) {
            const QString before = pick(*three.current(), keyOf(k));
            const QString after = pick(*two.current(), keyOf(k));
            if (before == gone) {
                ++moved;
                continue;
            }
            QCOMPARE(after, before);
            ++kept;
        }
        QVERIFY(moved > 0);
        QVERIFY(kept > moved);
    }

    void configuration_data()
    {
        QTest::addColumn<QByteArray>("resilience");
        QTest::addColumn<QString>("error"); // empty: accepted
        QTest::newRow("on") << QByteArray(R"({"affinity":{"features":["code_completions"],"max_load_percent":150}})") << QString();
        QTest::newRow("unknown key") << QByteArray(R"({"affinity":{"feature":["code_completions"]}})")
                                     << QStringLiteral("resilience.affinity.feature");
        QTest::newRow("unknown feature") << QByteArray(R"({"affinity":{"features":["coffee"]}})")
                                         << QStringLiteral("resilience.affinity.features[0]");
        QTest::newRow("not a list") << QByteArray(R"({"affinity":{"features":"code_completions"}})")
                                    << QStringLiteral("resilience.affinity.features");
        QTest::newRow("bound below 100") << QByteArray(R"({"affinity":{"max_load_percent":99}})")
                                         << QStringLiteral("resilience.affinity.max_load_percent");
        QTest::newRow("not an object") << QByteArray(R"({"affinity":true})") << QStringLiteral("resilience.affinity");
    }
    void configuration()
    {
        QFETCH(QByteArray, resilience);
        QFETCH(QString, error);
        auto parsed = parseResilienceConfig(QJsonDocument::fromJson(resilience).object());
        if (!error.isEmpty()) {
            QVERIFY(!parsed);
            QVERIFY2(parsed.error().message.contains(error), qPrintable(parsed.error().message));
            return;
        }
        QVERIFY2(parsed, parsed ? "" : qPrintable(parsed.error().message));
        QCOMPARE(parsed->affinityFeatures, QStringList{QStringLiteral("code_completions")});
        QCOMPARE(parsed->affinityMaxLoadPercent, 150);
        // off by default, and written back only when set
        QVERIFY(ResilienceConfig().affinityFeatures.isEmpty());
        QVERIFY(!resilienceConfigToJson(ResilienceConfig()).contains(QStringLiteral("affinity")));
        auto again = parseResilienceConfig(resilienceConfigToJson(*parsed));
        QVERIFY(again);
        QCOMPARE(*again, *parsed);
    }
};

QTEST_GUILESS_MAIN(tst_Affinity)
#include "tst_affinity.moc"
