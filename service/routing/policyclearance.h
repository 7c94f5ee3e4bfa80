#pragma once

// Proof that the policy step allowed a request. Only the policy layer (service/policy/requestpolicy.h,
// class policy::RequestPolicy) can make one, and ProxyOperation::start() takes one: a dialect cannot
// relay a request to a model server without having passed the admin's switches, flags, stage gate and
// feature assignments. Routing does not include policy (policy sits above it); the friend declaration
// below is the only thing routing knows about it.

#include <QString>

#include <utility>

namespace airlock::policy {
class RequestPolicy;
} // namespace airlock::policy

namespace airlock::routing {

class PolicyClearance
{
public:
    // The feature the policy decided on (for a model endpoint named directly: the feature it maps to).
    const QString &feature() const { return m_feature; }

private:
    friend class policy::RequestPolicy;
    explicit PolicyClearance(QString feature)
        : m_feature(std::move(feature))
    {
    }
    QString m_feature;
};

} // namespace airlock::routing
