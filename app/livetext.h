#pragma once

// A user-visible message kept as the way to build it, not as text, so that it follows a language switch.
//
// QML's qsTr() strings are retranslated by the engine, but a controller that stored tr("Saved.") keeps the
// words of the language in force when the message was made. A controller stores
//     LiveText([status, message] { return tr("HTTP %1: %2").arg(status).arg(message); })
// instead, its property getter returns text(), and on LanguageController::languageChanged its
// retranslate() emits the property's NOTIFY signal so QML reads the getter again in the new language.
//
// The function runs again at every text(): capture arguments (server errors, URLs, numbers) by value, never
// `this` or state that moves on. Text that is not translated (a server's own message) is fixed(). A default
// LiveText is empty; isEmpty() is whether it renders empty, as QString::isEmpty() was before.

#include <QString>

#include <functional>
#include <utility>

namespace airlock {

class LiveText
{
public:
    LiveText() = default;
    explicit LiveText(std::function<QString()> render)
        : m_render(std::move(render))
    {
    }

    static LiveText fixed(const QString &text)
    {
        return text.isEmpty() ? LiveText() : LiveText([text] { return text; });
    }

    // The message in the language in force now.
    QString text() const { return m_render ? m_render() : QString(); }
    bool isEmpty() const { return text().isEmpty(); }

private:
    std::function<QString()> m_render;
};

} // namespace airlock
