// The UI tests run the real widgets on Qt's offscreen platform, with settings kept out of the user's config.
#include <QApplication>
#include <QDir>
#include <QSettings>
#include <QStandardPaths>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("eigenscope-tests");
    QApplication::setApplicationName("eigenscope-tests");
    // ctest runs test processes in parallel: each gets its own settings file.
    QSettings::setDefaultFormat(QSettings::IniFormat);
    const QString settings = QDir::temp().filePath(QStringLiteral("eigenscope-tests-%1").arg(QCoreApplication::applicationPid()));
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings);
    ::testing::InitGoogleTest(&argc, argv);
    const int result = RUN_ALL_TESTS();
    QDir(settings).removeRecursively();
    return result;
}
