#pragma once

// The console's language: follows the system locale unless the admin picked one in Settings (stored in
// QSettings "language"); switched at run time by replacing the installed translator and asking the QML
// engine to retranslate. Translations are embedded under :/i18n (airlock_<lang>.qm).

#include <QObject>
#include <QTranslator>

class QQmlEngine;

namespace airlock {

class LanguageController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString language READ language NOTIFY languageChanged)
    Q_PROPERTY(QString choice READ choice NOTIFY languageChanged)
    // Re-read on languageChanged: "System language" is shown in the language chosen.
    Q_PROPERTY(QVariantList languages READ languages NOTIFY languageChanged)
public:
    explicit LanguageController(QObject *parent = nullptr);
    ~LanguageController() override;

    // "en" or "ko": the language in force.
    QString language() const { return m_language; }
    // "" (follow the system) or a language code: what the admin chose.
    QString choice() const { return m_choice; }
    // [{code, name}] with each name in its own language; code "" = the system's.
    QVariantList languages() const;

    void setEngine(QQmlEngine *engine) { m_engine = engine; }
    // Applies the stored choice (or the system locale). Call once before loading QML.
    void initialize();
    // "" follows the system locale. Stored, applied at once.
    Q_INVOKABLE void setChoice(const QString &code);
    // Applies `code` without storing it (tests, the UI tour).
    void apply(const QString &code);

    static QString systemLanguage();

Q_SIGNALS:
    void languageChanged();

private:
    QQmlEngine *m_engine = nullptr;
    QTranslator m_translator;
    bool m_installed = false;
    QString m_language = QStringLiteral("en");
    QString m_choice;
};

} // namespace airlock
