// eigenscope: the desktop application. `eigenscope [MODEL]` opens a model spec file or preset:NAME;
// `--screenshot FILE.png` renders the window after the first result and exits, `--figure FILE` exports plots
// as a publication figure instead (both work offscreen).
#include "eigenscope/analysis.h"
#include "eigenscope/runtime.h"
#include "export/figure_export.h"
#include "main_window.h"
#include "panels/board_window.h"
#include "panels/input_panel.h"
#include "panels/training_panel.h"
#include "plots/plot_widget.h"
#include "session/session.h"
#include "session/board.h"
#include "session/training_run.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <memory>
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
    QApplication::setApplicationVersion(QStringLiteral(EIGENSCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription("Spectral analysis of sequence models: eigenvalues of Λ_t per layer and head.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("model", "A model spec (.json) or preset:NAME; default: the demo preset.", "[model]");
    const QCommandLineOption screenshot("screenshot", "Render the window to FILE.png after the first result and exit.", "file");
    const QCommandLineOption scenario("scenario",
                                      "With --screenshot: demo (default), compare (init pinned, then a wider d_state), "
                                      "map (the T×T impulse map), heads (every head: a deep model's layer × head map), "
                                      "or training (200 steps on MQAR).",
                                      "name", "demo");
    const QCommandLineOption size("size", "Window size WIDTHxHEIGHT.", "size", "1600x1000");
    const QCommandLineOption figure("figure",
                                    "Export the plots of the first result to FILE (.png, .svg or .pdf) and exit.", "file");
    const QCommandLineOption plotNames("plots", "With --figure: which plots, of eigen, bins, impulse, decay.", "list",
                                       "eigen,bins,impulse,decay");
    const QCommandLineOption compare("compare", "Overlay: none or init (the same architecture freshly initialized).",
                                     "mode", "none");
    const QCommandLineOption config("config", "The reference code's YAML config of a bare state dict MODEL.", "file");
    const QCommandLineOption input("input", "The input to analyse, as for eigenscope-cli: randn, impulse, text:TEXT, text-file:FILE, "
                                            "tokens:FILE.npy, embed:FILE.npy or task:mqar[:key=value,...].", "spec");
    const QCommandLineOption title("title", "With --figure: a heading put before each exported plot's title.", "text");
    const QCommandLineOption board("board", "With --figure: a comparison board of these models (presets, model files or "
                                            "folders, run folders, RUNFOLDER@STEP), comma-separated, by the first of "
                                            "--plots, with shared axes.", "models");
    const QCommandLineOption columns("columns", "With --board: cells per row.", "n", "3");
    const QCommandLineOption batch("batch", "Batch size of generated inputs.", "b");
    const QCommandLineOption seqLen("seq-len", "Length of generated inputs (default: the model's).", "t");
    const QCommandLineOption dpi("dpi", "With --figure as PNG: dots per inch.", "dpi", "200");
    const QCommandLineOption mode("mode", "Analysis mode: corrected, or paper (the reference code's quirks).", "mode",
                                  "corrected");
    parser.addOptions({screenshot, scenario, size, figure, plotNames, compare, config, input, title, board, columns, batch,
                       seqLen, dpi, mode});
    parser.process(app);
    const QString compareMode = parser.value(compare);
    if (compareMode != "none" && compareMode != "init") {
        std::fprintf(stderr, "eigenscope: --compare must be none or init, not \"%s\"\n", qPrintable(compareMode));
        return 2;
    }
    const QString analysisMode = parser.value(mode);
    if (analysisMode != "corrected" && analysisMode != "paper") {
        std::fprintf(stderr, "eigenscope: --mode must be corrected or paper, not \"%s\"\n", qPrintable(analysisMode));
        return 2;
    }
    const QStringList known = {"eigen", "bins", "impulse", "decay"};
    std::vector<int> chosen;
    for (const QString& name : parser.value(plotNames).split(',', Qt::SkipEmptyParts)) {
        if (!known.contains(name)) {
            std::fprintf(stderr, "eigenscope: --plots: unknown plot \"%s\" (known: eigen, bins, impulse, decay)\n",
                         qPrintable(name));
            return 2;
        }
        chosen.push_back(int(known.indexOf(name)));
    }

    eigenscope::ui::MainWindow window;
    auto* session = window.session();
    const QStringList dims = parser.value(size).split('x');
    if (dims.size() == 2) window.resize(dims[0].toInt(), dims[1].toInt());
    session->setCompareMode(compareMode == "init" ? eigenscope::ui::Session::Compare::Init : eigenscope::ui::Session::Compare::None);
    if (parser.isSet(input)) {
        QString error;
        try {
            error = window.inputPanel()->setInput(eigenscope::parseInputSpec(parser.value(input).toStdString()));
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        if (!error.isEmpty()) {
            std::fprintf(stderr, "eigenscope: %s\n", qPrintable(error));
            return 2;
        }
    }
    if (parser.isSet(batch) || parser.isSet(seqLen) || parser.isSet(mode)) {
        auto settings = session->settings();
        settings.mode = analysisMode;
        bool ok = true;
        if (parser.isSet(batch)) settings.input.batch = parser.value(batch).toLongLong(&ok);
        bool okLength = true;
        if (parser.isSet(seqLen)) settings.input.seqLen = parser.value(seqLen).toLongLong(&okLength);
        if (!ok || !okLength || settings.input.batch < 1 || settings.input.seqLen < 0) {
            std::fprintf(stderr, "eigenscope: --batch and --seq-len take positive integers\n");
            return 2;
        }
        session->setSettings(settings);
    }
    bool dpiOk = false;
    const int dpiValue = parser.value(dpi).toInt(&dpiOk);
    if (!dpiOk || dpiValue < 36 || dpiValue > 1200) {
        std::fprintf(stderr, "eigenscope: --dpi must be in [36, 1200]\n");
        return 2;
    }
    if (parser.isSet(board)) {
        if (!parser.isSet(figure)) {
            std::fprintf(stderr, "eigenscope: --board needs --figure FILE\n");
            return 2;
        }
        using Plot = eigenscope::ui::BoardWindow::Plot;
        const Plot plots[] = {Plot::Eigen, Plot::Bins, Plot::Impulse, Plot::Decay};  // in the order of `known`
        auto* grid = window.board();
        grid->setSources(parser.value(board).split(',', Qt::SkipEmptyParts));
        grid->setPlot(parser.isSet(plotNames) ? plots[chosen.front()] : Plot::Bins);
        grid->setWithInit(compareMode == "init");
        grid->setColumns(std::max(1, parser.value(columns).toInt()));
        const QString out = parser.value(figure);
        QObject::connect(grid, &eigenscope::ui::BoardWindow::shown, &window, [&, grid, out] {
            for (const auto& entry : grid->board()->entries())
                if (!entry.result) {
                    std::fprintf(stderr, "eigenscope: %s\n", qPrintable(entry.error));
                    QApplication::exit(1);
                    return;
                }
            try {
                grid->exportTo(out, dpiValue);
                std::printf("eigenscope: wrote %s\n", qPrintable(out));
                QApplication::exit(0);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "eigenscope: %s\n", e.what());
                QApplication::exit(1);
            }
        });
        grid->analyse();
        return app.exec();
    }
    const bool headless = parser.isSet(screenshot) || parser.isSet(figure);
    bool awaitingRun = false;  // a run folder: the figure shows its latest snapshot, not the demo
    if (!parser.positionalArguments().isEmpty()) {
        const QString model = parser.positionalArguments().front();
        if (QFileInfo::exists(model + "/run.json")) {
            awaitingRun = true;
            // Queued: after the training panel has shown the run's latest snapshot; once the analysis it superseded
            // has wound down, the figure is taken.
            QObject::connect(session->training(), &eigenscope::ui::TrainingRun::reset, &window, [&] {
                awaitingRun = false;
                auto check = std::make_shared<std::function<void()>>();
                *check = [&, check] {
                    if (session->computing()) QTimer::singleShot(20, &window, *check);
                    else Q_EMIT window.resultShown();
                };
                (*check)();
            }, Qt::QueuedConnection);
            session->training()->open(model);
            window.revealTraining();
        } else if (!window.openModel(model, parser.value(config)) && headless) {
            // Nothing else would be drawn but the demo: that is a failure, not a figure.
            std::fprintf(stderr, "eigenscope: %s\n", qPrintable(session->lastError()));
            return 2;
        }
    }
    window.show();
    if (!headless) return app.exec();

    // Screenshot and figure modes: wait for the scenario's last result, render, exit. A hard limit keeps scripts
    // from hanging.
    const QString out = parser.isSet(figure) ? parser.value(figure) : parser.value(screenshot);
    const QString name = parser.value(scenario);
    int stage = 0;
    QObject::connect(&window, &eigenscope::ui::MainWindow::resultShown, &window, [&] {
        if (session->computing() || session->loading() || awaitingRun) return;
        ++stage;
        if (parser.isSet(figure)) {
            std::vector<const eigenscope::ui::PlotWidget*> selected;
            for (int index : chosen) {
                auto* plot = window.plots()[size_t(index)];
                if (parser.isSet(title)) plot->setTitle(parser.value(title) + QStringLiteral(": ") + plot->title());
                selected.push_back(plot);
            }
            try {
                eigenscope::ui::exportFigure(selected, out, dpiValue);
                std::printf("eigenscope: wrote %s\n", qPrintable(out));
                QApplication::exit(0);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "eigenscope: %s\n", e.what());
                QApplication::exit(1);
            }
            return;
        }
        if (name == "compare" && stage == 1) {
            session->pin();
            auto spec = session->spec();
            for (auto& block : spec.blocks) block.mixer.options["d_state"] = 16;
            spec.seed += 1;
            session->editSpec(spec, "d_state = 16");
            return;
        }
        if (name == "map" && stage == 1) {
            window.setImpulseMap(true);
            return;
        }
        if (name == "heads" && stage == 1) {
            window.setEveryHead();
            return;
        }
        if (name == "training") {
            if (stage == 1) {
                auto* training = window.trainingPanel();
                training->setTask("task:mqar:seq_len=64,kv_pairs=4,vocab=64");
                training->setSteps(200);
                training->setSnapshotEvery(25);
                window.revealTraining();
                QObject::connect(session->training(), &eigenscope::ui::TrainingRun::finished, &window, [&] {
                    session->setCompareMode(eigenscope::ui::Session::Compare::Init);
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
    QObject::connect(session, &eigenscope::ui::Session::errorRaised, &window, [](const QString& message) {
        std::fprintf(stderr, "eigenscope: %s\n", qPrintable(message));
        QApplication::exit(1);
    });
    QTimer::singleShot(120000, &app, [] {
        std::fprintf(stderr, "eigenscope: no result within 120 s\n");
        QApplication::exit(3);
    });
    return app.exec();
}
