#pragma once

// The QML face of the console: a thin singleton ("Console" in module Airlock.Console) that hands
// the core objects, owned by main() (or a test), to QML. The core classes stay free of QML macros;
// their QML type names are declared here with QML_FOREIGN.
//
// Lifecycle: create the core objects and a ConsoleAdapter, call ConsoleAdapter::setInstance(),
// then load QML. The adapter must outlive every engine that used it (the engine never owns it).

#include "connectioncontroller.h"

#include <QObject>
#include <QtQml/qqml.h>

QT_BEGIN_NAMESPACE
class QQmlEngine;
class QJSEngine;
QT_END_NAMESPACE

namespace airlock {

class ConsoleAdapter : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Console)
    QML_SINGLETON
    Q_PROPERTY(airlock::ConnectionController *connection READ connection CONSTANT)
    Q_PROPERTY(QString consoleVersion READ consoleVersion CONSTANT)

public:
    explicit ConsoleAdapter(ConnectionController *connection, QObject *parent = nullptr);
    ~ConsoleAdapter() override;

    ConnectionController *connection() const { return m_connection; }
    QString consoleVersion() const;

    static void setInstance(ConsoleAdapter *adapter);
    // Called by the QML engine the first time a document uses Console.
    static ConsoleAdapter *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

private:
    ConnectionController *m_connection;
};

// QML names for core types: ConnectionController.Connected etc., and typed properties.
struct ConnectionControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::ConnectionController)
    QML_NAMED_ELEMENT(ConnectionController)
    QML_UNCREATABLE("ConnectionController is provided by Console.connection")
};

} // namespace airlock
