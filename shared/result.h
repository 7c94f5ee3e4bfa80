#pragma once

// Value-or-error for fallible code. An Error has a stable machine code (used in JSON error bodies
// and tests) and a human message that names the field or the cause.

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace airlock {

struct Error
{
    QString code;    // stable, snake_case: "unknown_key", "invalid_json", ...
    QString message; // names the field or the cause
    QString field;   // the offending field's path where one exists ("models[0].base_url"), else empty

    static Error make(QString code, QString message, QString field = {})
    {
        return Error{std::move(code), std::move(message), std::move(field)};
    }
};

template<typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_data(std::in_place_index<0>, std::move(value)) { }
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) { }

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_data); }
    const T &value() const & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    const T &operator*() const & { return value(); }
    T &operator*() & { return value(); }
    const T *operator->() const { return &value(); }
    T *operator->() { return &value(); }

    const Error &error() const { return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

// Result<void>: success or an Error.
template<>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) { }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

using Status = Result<void>;

} // namespace airlock
