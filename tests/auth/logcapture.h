#pragma once

// Captures every log line of the process (all threads) for "nothing secret was logged" assertions,
// with airlock.* debug output switched on. No Q_OBJECT.

#include <QByteArray>
#include <QLoggingCategory>
#include <QMutex>
#include <QString>

namespace airlock::test {

class LogCapture
{
public:
    LogCapture()
    {
        s_self = this;
        QLoggingCategory::setFilterRules(QStringLiteral("airlock.*.debug=true\nqt.httpserver.debug=false"));
        m_previous = qInstallMessageHandler(&LogCapture::handler);
    }
    ~LogCapture()
    {
        qInstallMessageHandler(m_previous);
        s_self = nullptr;
    }
    QByteArray text() const
    {
        QMutexLocker lock(&m_mutex);
        return m_text;
    }
    void clear()
    {
        QMutexLocker lock(&m_mutex);
        m_text.clear();
    }

private:
    static void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (LogCapture *self = s_self) {
            QMutexLocker lock(&self->m_mutex);
            self->m_text += QByteArray(context.category ? context.category : "default") + ": " + message.toUtf8() + '\n';
        }
        if (type == QtFatalMsg)
            abort();
    }

    static inline LogCapture *s_self = nullptr;
    mutable QMutex m_mutex;
    QByteArray m_text;
    QtMessageHandler m_previous = nullptr;
};

} // namespace airlock::test
