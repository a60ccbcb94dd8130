// eigenscope: the desktop application. `eigenscope [MODEL]` opens a model spec file or preset:NAME;
// `--screenshot FILE.png` renders the window after the first result and exits (works offscreen).
#include "eigenscope/runtime.h"
#include "main_window.h"
#include "panels/training_panel.h"
#include "plots/plot_widget.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>
#include <cstdlib>

namespace {

bool hasDisplay() {
    const char* platform = std::getenv("QT_QPA_PLATFORM");
    if (platform && *platform) return true;
    return std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY");
}

}  // namespace

int main(int argc, char** argv) {
    eigenscope::tuneAllocator();
    if (!hasDisplay()) {
        std::fprintf(stderr,
                     "eigenscope: no display (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
                     "  Headless: QT_QPA_PLATFORM=offscreen eigenscope --screenshot window.png\n"
                     "            or xvfb-run -a eigenscope\n"
                     "  The command-line tool needs no display: eigenscope-cli --help\n");
        return 2;
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName("eigenscope");
    QApplication::setApplicationName("eigenscope");
    QApplication::setApplicationVersion("0.1.0");

    QCommandLineParser parser;
    parser.setApplicationDescription("Spectral analysis of sequence models: eigenvalues of Λ_t per layer and head.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("model", "A model spec (.json) or preset:NAME; default: the demo preset.", "[model]");
    const QCommandLineOption screenshot("screenshot", "Render the window to FILE.png after the first result and exit.", "file");
    const QCommandLineOption scenario("scenario",
                                      "With --screenshot: demo (default), compare (init pinned, then a wider d_state), "
                                      "map (the T×T impulse map), or training (200 steps on MQAR).",
                                      "name", "demo");
    const QCommandLineOption size("size", "Window size WIDTHxHEIGHT.", "size", "1600x1000");
    parser.addOptions({screenshot, scenario, size});
    parser.process(app);

    eigenscope::ui::MainWindow window;
    const QStringList dims = parser.value(size).split('x');
    if (dims.size() == 2) window.resize(dims[0].toInt(), dims[1].toInt());
    if (!parser.positionalArguments().isEmpty()) window.openModel(parser.positionalArguments().front());
    window.show();
    if (!parser.isSet(screenshot)) return app.exec();

    // Screenshot mode: wait for the scenario's last result, render, exit. A hard limit keeps scripts from hanging.
    const QString out = parser.value(screenshot), name = parser.value(scenario);
    int stage = 0;
    QObject::connect(&window, &eigenscope::ui::MainWindow::resultShown, &window, [&](quint64) {
        if (window.computing()) return;
        ++stage;
        if (name == "compare" && stage == 1) {
            window.pinCurrent();
            auto spec = window.spec();
            for (auto& block : spec.blocks) block.mixer.options["d_state"] = 16;
            spec.seed += 1;
            window.setSpec(spec, "d_state = 16");
            return;
        }
        if (name == "map" && stage == 1) {
            window.setImpulseMap(true);
            return;
        }
        if (name == "training") {
            if (stage == 1) {
                auto* training = window.trainingPanel();
                training->setTask("task:mqar:seq_len=64,kv_pairs=4,vocab=64");
                training->setSteps(200);
                training->setSnapshotEvery(25);
                window.revealTraining();
                QObject::connect(training, &eigenscope::ui::TrainingPanel::finished, &window, [&] {
                    window.setCompareMode("init");
                    QTimer::singleShot(300, &window, [&] {
                        const bool ok = window.grab().save(out);
                        std::fprintf(ok ? stdout : stderr, ok ? "eigenscope: wrote %s\n" : "eigenscope: cannot write %s\n", qPrintable(out));
                        QApplication::exit(ok ? 0 : 1);
                    });
                });
                training->start();
            }
            return;
        }
        QTimer::singleShot(100, &window, [&] {
            const bool ok = window.grab().save(out);
            std::fprintf(ok ? stdout : stderr, ok ? "eigenscope: wrote %s\n" : "eigenscope: cannot write %s\n", qPrintable(out));
            QApplication::exit(ok ? 0 : 1);
        });
    });
    QObject::connect(&window, &eigenscope::ui::MainWindow::errorShown, &window, [](const QString& message) {
        std::fprintf(stderr, "eigenscope: %s\n", qPrintable(message));
        QApplication::exit(1);
    });
    QTimer::singleShot(120000, &app, [] {
        std::fprintf(stderr, "eigenscope: no result within 120 s\n");
        QApplication::exit(3);
    });
    return app.exec();
}
