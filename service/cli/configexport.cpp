#include "configexport.h"

#include "clioutput.h"
#include "gatewayconfig.h"
#include "platform/datadir.h"
#include "storage/configstore.h"
#include "storage/database.h"

#include <QFile>

#include <cstdio>

namespace airlock::cli {

int exportConfig(const QString &dataDirOption, const QString &output)
{
    const QString dataDir = dataDirOption.isEmpty() ? defaultDataDir() : dataDirOption;
    auto database = Database::open(dataDir);
    if (!database)
        return fail(database.error().message);
    ConfigStore store(**database);
    auto config = store.load();
    if (!config)
        return fail(config.error().message);
    const QByteArray json = serializeGatewayConfig(*config, Secrets::Omit);
    if (output.isEmpty() || output == QLatin1String("-")) {
        std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
        return 0;
    }
    QFile file(output);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(json) != json.size())
        return fail(QStringLiteral("cannot write %1: %2").arg(output, file.errorString()));
    return 0;
}

} // namespace airlock::cli
