// GUI benchmarks on Qt's offscreen platform:
//   latency  slider move → every plot updated from the whole batch and repainted, on the demo preset at T=512, B=8
//            (SPEC §8: p95 ≤ 50 ms)
//   scatter  eigenvalue plot render time, scatter vs density image, by point count (chooses kDensityThreshold)
//   first    slider move → first plots updated and repainted, on every cpu- preset at its default input (SPEC §8:
//            p95 ≤ 16 ms)
//   same     one analysis the GUI runs against the same analyze() call made directly, in one process (paper-mqar-
//            softmax on Gaussian inputs, B = 32, T = 2048, impulse from s = 0)
#include "eigenscope/runtime.h"
#include "main_window.h"
#include "session/session.h"
#include "panels/architecture_panel.h"
#include "panels/input_panel.h"
#include "panels/metrics_panel.h"
#include "eigenscope/model.h"
#include "eigenscope/presets.h"
#include "plots/eigen_plot.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QImage>
#include <QPainter>
#include <QDoubleSpinBox>
#include <QSlider>

#include <algorithm>
#include <chrono>
#include <complex>
#include <cstdio>
#include <numeric>
#include <random>

using namespace eigenscope;
using namespace eigenscope::ui;

namespace {

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

bool waitFor(const std::function<bool()>& done, int timeoutMs = 120000) {
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs) return false;
        QApplication::processEvents(QEventLoop::AllEvents, 1);
    }
    return true;
}

int latency(int moves) {
    MainWindow window;
    window.resize(1600, 1000);
    window.show();
    if (!waitFor([&] { return window.session()->current() && !window.session()->computing(); })) return 1;
    window.inputPanel()->setSequenceLength(512);
    window.inputPanel()->setBatch(8);
    if (!waitFor([&] { return window.session()->current()->seqLen == 512 && window.session()->current()->batch == 8 && !window.session()->computing(); }))
        return 1;
    QSlider* slider = window.architecturePanel()->optionSlider("dt_max");
    std::vector<double> totals, analysis, repaints;
    quint64 shown = 0;
    QObject::connect(&window, &MainWindow::resultShown, [&] { ++shown; });
    for (int i = 0; i < moves; ++i) {
        const quint64 before = shown;
        const auto start = std::chrono::steady_clock::now();
        slider->setValue(slider->value() + (i % 2 ? -7 : 7));  // one drag step
        // Sleep in the event loop as the application does; a spinning wait would steal a core from the worker.
        // The whole batch's result, not a preview.
        QEventLoop loop;
        QObject::connect(&window, &MainWindow::resultShown, &loop, [&] {
            if (!window.session()->preview()) loop.quit();
        });
        QObject::connect(window.session(), &Session::errorRaised, &loop, &QEventLoop::quit);
        if (shown == before || window.session()->preview()) loop.exec();
        if (shown == before || window.session()->preview()) return 1;
        const auto shownAt = std::chrono::steady_clock::now();
        for (auto* plot : window.plots()) plot->repaint();
        window.metricsPanel()->repaint();
        const auto end = std::chrono::steady_clock::now();
        totals.push_back(std::chrono::duration<double, std::milli>(end - start).count());
        repaints.push_back(std::chrono::duration<double, std::milli>(end - shownAt).count());
        analysis.push_back(window.session()->current()->elapsedMs);
    }
    std::printf("slider → plots updated and repainted, cpu-paper-mqar-mamba2, T=512, B=8, %d moves:\n", moves);
    std::printf("  total     p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms\n", percentile(totals, 0.5), percentile(totals, 0.95),
                percentile(totals, 1.0));
    std::printf("  analysis  p50 %6.1f ms  p95 %6.1f ms  (model build + forward + spectra, worker thread)\n",
                percentile(analysis, 0.5), percentile(analysis, 0.95));
    std::printf("  repaint   p50 %6.1f ms  p95 %6.1f ms  (four plots and the table, GUI thread)\n", percentile(repaints, 0.5),
                percentile(repaints, 0.95));
    return 0;
}

int firstUpdate(int moves, const std::string& only) {
    MainWindow window;
    window.resize(1600, 1000);
    window.show();
    Session* session = window.session();
    if (!waitFor([&] { return session->current() && !session->computing(); })) return 1;
    int shown = 0;
    QObject::connect(&window, &MainWindow::resultShown, [&] { ++shown; });
    std::vector<double> all;
    std::printf("slider → first plots updated and repainted, default input (T = seq_len, B = 8), %d moves each:\n", moves);
    for (const auto& preset : listPresets()) {
        if (preset.name.rfind("cpu-", 0) != 0 || (!only.empty() && preset.name != only)) continue;
        session->openModel(QString::fromStdString("preset:" + preset.name));
        if (!waitFor([&] { return !session->computing(); })) return 1;
        // The first slider of a real-valued option (sizes would make some moves invalid or the model huge).
        QSlider* slider = nullptr;
        for (auto* candidate : window.architecturePanel()->findChildren<QSlider*>()) {
            if (slider || !candidate->objectName().startsWith("option:") ||
                !candidate->parentWidget()->findChild<QDoubleSpinBox*>())
                continue;
            const int middle = (candidate->minimum() + candidate->maximum()) / 2, step = candidate->maximum() / 20;
            bool valid = true;
            for (int position : {middle, middle + step, middle}) {
                candidate->setValue(position);
                valid = valid && candidate->value() == position && waitFor([&] { return !session->computing(); });
            }
            if (valid) slider = candidate;
        }
        if (!slider) continue;
        std::vector<double> totals, analysis, repaints;
        std::vector<std::vector<double>> perPlot;
        int previews = 0;
        for (int i = 0; i < moves; ++i) {
            const int before = shown;
            const auto start = std::chrono::steady_clock::now();
            slider->setValue(slider->value() + (i % 2 ? -1 : 1) * slider->maximum() / 20);
            QEventLoop loop;
            QObject::connect(&window, &MainWindow::resultShown, &loop, &QEventLoop::quit);
            QObject::connect(session, &Session::errorRaised, &loop, &QEventLoop::quit);
            if (shown == before) loop.exec();
            const auto shownAt = std::chrono::steady_clock::now();
            const auto plots = window.plots();
            perPlot.resize(plots.size());
            for (size_t p = 0; p < plots.size(); ++p) {
                const auto before = std::chrono::steady_clock::now();
                plots[p]->repaint();
                perPlot[p].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - before).count());
            }
            window.metricsPanel()->repaint();
            if (!session->lastError().isEmpty()) return 1;
            const auto end = std::chrono::steady_clock::now();
            totals.push_back(std::chrono::duration<double, std::milli>(end - start).count());
            repaints.push_back(std::chrono::duration<double, std::milli>(end - shownAt).count());
            analysis.push_back(session->current()->elapsedMs);
            previews += session->preview();
            if (!waitFor([&] { return !session->computing(); })) return 1;  // the full result too, before the next move
        }
        all.insert(all.end(), totals.begin(), totals.end());
        std::fflush(stdout);
        std::printf("  %-22s %-22s p50 %5.1f ms  p95 %5.1f ms   analysis p50 %5.1f ms  repaint p50 %5.1f ms  previews %d/%d\n",
                    preset.name.c_str(), slider->objectName().mid(7).toStdString().c_str(), percentile(totals, 0.5),
                    percentile(totals, 0.95), percentile(analysis, 0.5), percentile(repaints, 0.5), previews, moves);
        std::printf("  %47s repaint p50 per plot:", "");
        for (const auto& times : perPlot) std::printf(" %.1f", percentile(times, 0.5));
        std::printf(" ms\n");
    }
    std::printf("  all                                           p50 %5.1f ms  p95 %5.1f ms\n", percentile(all, 0.5), percentile(all, 0.95));
    return 0;
}

int scatter() {
    std::mt19937 rng(1);
    std::uniform_real_distribution<double> radius(0.2, 1.0), angle(-M_PI, M_PI);
    std::printf("eigenvalue plot, 800×800 render (ms, best of 3): points  scatter  density\n");
    for (const int n : {5000, 10000, 20000, 40000, 80000, 160000, 1000000}) {
        auto result = std::make_shared<AnalysisResult>();
        result->binEdges = {0.0, 1.0};
        LayerSpectrum layer;
        layer.batch = 1;
        layer.steps = n;
        layer.heads = 1;
        layer.modes = 1;
        for (int i = 0; i < n; ++i) layer.eig.push_back(std::polar(radius(rng), angle(rng)));
        result->layers.push_back(layer);
        double times[2] = {1e9, 1e9};
        for (int mode = 0; mode < 2; ++mode) {
            EigenPlot plot;
            PlotSource source;
            source.current = result;
            plot.setSource(source);
            plot.setDensityOverride(mode == 1);
            QImage image(800, 800, QImage::Format_ARGB32_Premultiplied);
            for (int repeat = 0; repeat < 3; ++repeat) {
                QPainter painter(&image);
                const auto start = std::chrono::steady_clock::now();
                plot.render(painter, QRectF(0, 0, 800, 800));
                times[mode] = std::min(times[mode], std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
            }
        }
        std::printf("  %8d  %7.1f  %7.1f\n", n, times[0], times[1]);
    }
    return 0;
}

int sameWork() {
    InputSpec input = parseInputSpec("randn");
    input.batch = 32;
    input.seqLen = 2048;
    const Model model = Model::open("preset:paper-mqar-softmax");
    AnalysisOptions options;
    options.impulseSources = {0};
    analyze(model, input, options);  // warm-up
    const auto direct = std::chrono::steady_clock::now();
    const double directAnalysis = analyze(model, input, options).elapsedMs;
    const double directTotal = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - direct).count();

    MainWindow window;
    window.resize(1600, 1000);
    window.show();
    Session* session = window.session();
    if (!waitFor([&] { return session->current() && !session->computing(); })) return 1;
    session->openModel("preset:paper-mqar-softmax");
    auto settings = session->settings();
    settings.input = input;
    QElapsedTimer shown;
    int results = 0;
    QObject::connect(&window, &MainWindow::resultShown, [&] { ++results; });
    for (int round = 0; round < 2; ++round) {  // the first builds the model; the second is warm, as directly
        const int before = results;
        settings.input.seed = uint64_t(round + 1);
        shown.start();
        session->setSettings(settings);
        // Sleep in the event loop as the application does; a spinning wait would take a core from the analysis.
        QEventLoop loop;
        QObject::connect(&window, &MainWindow::resultShown, &loop, &QEventLoop::quit);
        QObject::connect(session, &Session::errorRaised, &loop, &QEventLoop::quit);
        while (results == before || session->computing()) loop.exec();
    }
    const double gui = double(shown.elapsed());
    std::printf("paper-mqar-softmax, randn B=32 T=2048 with impulse: analyze() directly %.0f ms (%.0f ms analysis); "
                "in the GUI, change of input to plots shown %.0f ms (%.0f ms analysis in the worker)\n",
                directTotal, directAnalysis, gui, session->current()->elapsedMs);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    tuneAllocator();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QString what = argc > 1 ? QString(argv[1]) : QString("all");
    const int moves = argc > 2 ? std::atoi(argv[2]) : 60;
    const std::string only = argc > 3 ? argv[3] : "";  // first: one preset
    int rc = 0;
    if (what == "latency" || what == "all") rc |= latency(moves);
    if (what == "scatter" || what == "all") rc |= scatter();
    if (what == "same" || what == "all") rc |= sameWork();
    if (what == "first" || what == "all") rc |= firstUpdate(moves, only);
    return rc;
}
