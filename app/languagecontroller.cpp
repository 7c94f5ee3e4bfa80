#include "languagecontroller.h"

#include "consolelog.h"

#include <QCoreApplication>
#include <QLocale>
#include <QQmlEngine>
#include <QSettings>

namespace airlock {

using namespace Qt::StringLiterals;

LanguageController::LanguageController(QObject *parent)
    : QObject(parent)
{
}

LanguageController::~LanguageController()
{
    if (m_installed)
        QCoreApplication::removeTranslator(&m_translator);
}

QVariantList LanguageController::languages() const
{
    return {QVariantMap{{u"code"_s, QString()}, {u"name"_s, tr("System language")}},
            QVariantMap{{u"code"_s, u"en"_s}, {u"name"_s, u"English"_s}},
            QVariantMap{{u"code"_s, u"ko"_s}, {u"name"_s, u"한국어"_s}}};
}

QString LanguageController::systemLanguage()
{
    for (const QString &name : QLocale().uiLanguages()) {
        if (name.startsWith("ko"_L1))
            return u"ko"_s;
        if (name.startsWith("en"_L1))
            return u"en"_s;
    }
    return u"en"_s;
}

void LanguageController::initialize()
{
    m_choice = QSettings().value(u"language"_s).toString();
    apply(m_choice);
}

void LanguageController::setChoice(const QString &code)
{
    m_choice = code;
    QSettings().setValue(u"language"_s, code);
    apply(code);
}

void LanguageController::apply(const QString &code)
{
    const QString language = code.isEmpty() ? systemLanguage() : code;
    if (m_installed) {
        QCoreApplication::removeTranslator(&m_translator);
        m_installed = false;
    }
    // English is the source language: its .qm only exists for plural forms.
    if (m_translator.load(u"airlock_"_s + language, u":/i18n"_s)) {
        m_installed = QCoreApplication::installTranslator(&m_translator);
    } else if (language != "en"_L1) {
        qCWarning(lcConsole).noquote() << "no translation for" << language;
    }
    m_language = language;
    if (m_engine)
        m_engine->retranslate();
    qCDebug(lcConsole).noquote() << "language:" << language;
    Q_EMIT languageChanged();
}

} // namespace airlock
