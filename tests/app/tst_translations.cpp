// The console's translations: every Korean entry is translated and finished (lupdate marks new and
// changed strings type="unfinished"), keeps the source's %1 placeholders, and the English and
// Korean files cover the same strings. Run `ninja update_translations` after changing strings.

#include <QFile>
#include <QMap>
#include <QRegularExpression>
#include <QTest>
#include <QXmlStreamReader>

using namespace Qt::StringLiterals;

namespace {

struct Entry
{
    QString context;
    QString source;
    QString translation;
    QString type; // "", "unfinished", "vanished", "obsolete"
    qint64 line = 0;
};

QList<Entry> readTs(const QString &path, QString *language)
{
    QList<Entry> entries;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return entries;
    QXmlStreamReader xml(&file);
    QString context;
    Entry entry;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            if (xml.name() == "TS"_L1)
                *language = xml.attributes().value("language"_L1).toString();
            else if (xml.name() == "name"_L1)
                context = xml.readElementText();
            else if (xml.name() == "message"_L1)
                entry = Entry{context, {}, {}, {}, xml.lineNumber()};
            else if (xml.name() == "source"_L1)
                entry.source = xml.readElementText();
            else if (xml.name() == "translation"_L1) {
                entry.type = xml.attributes().value("type"_L1).toString();
                entry.translation = xml.readElementText(QXmlStreamReader::IncludeChildElements);
            }
        } else if (xml.isEndElement() && xml.name() == "message"_L1) {
            entries.append(entry);
        }
    }
    if (xml.hasError())
        qWarning() << path << xml.errorString() << "line" << xml.lineNumber();
    return entries;
}

QStringList placeholders(const QString &text)
{
    static const QRegularExpression re(u"%L?\\d+"_s);
    QStringList found;
    for (auto it = re.globalMatch(text); it.hasNext();)
        found.append(it.next().captured());
    found.sort();
    return found;
}

} // namespace

class tst_Translations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void koreanFinished();
    void sameStrings();
};

void tst_Translations::koreanFinished()
{
    QString language;
    const QList<Entry> ko = readTs(QStringLiteral(AIRLOCK_TS_KO), &language);
    QVERIFY2(!ko.isEmpty(), AIRLOCK_TS_KO);
    QCOMPARE(language, u"ko_KR"_s);

    QFile raw(QStringLiteral(AIRLOCK_TS_KO));
    QVERIFY(raw.open(QIODevice::ReadOnly));
    QVERIFY2(!raw.readAll().contains("type=\"unfinished\""),
             "airlock_ko.ts has unfinished entries: translate them in Linguist and mark them done");

    QStringList problems;
    for (const Entry &e : ko) {
        const QString where = u"%1:%2 %3 \"%4\""_s.arg(u"airlock_ko.ts"_s).arg(e.line).arg(e.context, e.source);
        if (!e.type.isEmpty())
            problems.append(where + u": type=\"%1\""_s.arg(e.type));
        else if (e.translation.trimmed().isEmpty())
            problems.append(where + u": empty translation"_s);
        else if (placeholders(e.translation) != placeholders(e.source))
            problems.append(where + u": placeholders differ"_s);
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
}

void tst_Translations::sameStrings()
{
    QString enLanguage;
    QString koLanguage;
    const auto key = [](const Entry &e) -> QString { return e.context + u'\x1f' + e.source; };
    QStringList en;
    for (const Entry &e : readTs(QStringLiteral(AIRLOCK_TS_EN), &enLanguage))
        en.append(key(e));
    QStringList ko;
    for (const Entry &e : readTs(QStringLiteral(AIRLOCK_TS_KO), &koLanguage))
        ko.append(key(e));
    en.sort();
    ko.sort();
    QVERIFY(!en.isEmpty());
    QCOMPARE(ko, en);
}

QTEST_GUILESS_MAIN(tst_Translations)
#include "tst_translations.moc"
