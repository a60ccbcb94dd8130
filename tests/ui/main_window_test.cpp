#include "eigenscope/presets.h"
#include "main_window.h"
#include "panels/architecture_panel.h"
#include "panels/board_window.h"
#include "panels/input_panel.h"
#include "panels/metrics_panel.h"
#include "panels/training_panel.h"
#include "plots/eigen_plot.h"
#include "plots/plot_widget.h"
#include "plots/training_chart.h"
#include "session/session.h"
#include "session/training_run.h"
#include "ui_test_util.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QImage>
#include <QMimeData>
#include <QUrl>
#include <QPainter>
#include <QRegularExpression>
#include <QSettings>
#include <QSlider>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QXmlStreamReader>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QAbstractSpinBox>
#include <QAbstractSlider>
#include <QLineEdit>
#include <QScrollBar>
#include <QTextBrowser>
#include <QChartView>
#include <QChart>
#include <QLegend>
#include <QAbstractAxis>
#include <QLabel>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

#include <gtest/gtest.h>

#include <functional>

namespace eigenscope::ui {
namespace {

using testing::tinyRun;
using testing::waitFor;


std::vector<int> revisions(const MainWindow& w) {
    std::vector<int> out;
    for (auto* p : w.plots()) out.push_back(p->revision());
    return out;
}

// Waits until the window shows a result newer than `before` and nothing is left to compute.
bool waitForNewResult(const MainWindow& w, const std::shared_ptr<const AnalysisResult>& before) {
    return waitFor([&] { return w.session()->current() && w.session()->current() != before && !w.session()->computing(); });
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

class MainWindowTest : public ::testing::Test {
protected:
    void SetUp() override {
        QSettings().clear();
        window = std::make_unique<MainWindow>();
        window->resize(1400, 900);
        window->show();
        ASSERT_TRUE(waitForNewResult(*window, nullptr)) << "the demo never produced a result";
    }
    std::unique_ptr<MainWindow> window;
    QTemporaryDir dir;
};

TEST_F(MainWindowTest, StartsOnTheDemoWithEveryPlotFilled) {
    const auto result = window->session()->current();
    EXPECT_EQ(result->layers.size(), 2u);
    EXPECT_EQ(result->layers[0].mixer, "mamba2");
    for (auto* plot : window->plots()) {
        EXPECT_GE(plot->revision(), 1) << plot->title().toStdString();
        EXPECT_GT(plot->pointCount(), 0) << plot->title().toStdString();
    }
    EXPECT_EQ(window->metricsPanel()->rowCount(), 2);
    EXPECT_TRUE(window->session()->lastError().isEmpty()) << window->session()->lastError().toStdString();
}

TEST_F(MainWindowTest, SliderChangeReachesEveryPlotAsOneUndoStep) {
    const auto before = window->session()->current();
    const auto revs = revisions(*window);
    QSlider* slider = window->architecturePanel()->optionSlider("dt_max");
    ASSERT_NE(slider, nullptr);
    const double oldDtMax = window->session()->spec().blocks[0].mixer.options.value("dt_max", 0.1);
    const int undoBefore = window->session()->undoStack()->count();
    for (int step = 1; step <= 5; ++step) slider->setValue(slider->value() + 20);  // a drag: five moves
    ASSERT_TRUE(waitForNewResult(*window, before));
    const double newDtMax = window->session()->spec().blocks[0].mixer.options.value("dt_max", 0.1);
    EXPECT_GT(newDtMax, oldDtMax);
    const auto after = revisions(*window);
    for (size_t i = 0; i < after.size(); ++i) EXPECT_GT(after[i], revs[i]) << "plot " << i << " was not updated";
    EXPECT_NE(window->session()->current()->layers[0].eig, before->layers[0].eig);
    EXPECT_EQ(window->session()->undoStack()->count(), undoBefore + 1) << "a drag must be one undo step";

    const auto edited = window->session()->current();
    window->session()->undoStack()->undo();
    EXPECT_DOUBLE_EQ(window->session()->spec().blocks[0].mixer.options.value("dt_max", 0.1), oldDtMax);
    ASSERT_TRUE(waitForNewResult(*window, edited));
    EXPECT_EQ(window->session()->current()->layers[0].eig, before->layers[0].eig) << "undo restores the same model";
    const auto undone = window->session()->current();
    window->session()->undoStack()->redo();
    EXPECT_DOUBLE_EQ(window->session()->spec().blocks[0].mixer.options.value("dt_max", 0.1), newDtMax);
    ASSERT_TRUE(waitForNewResult(*window, undone));
    EXPECT_EQ(window->session()->current()->layers[0].eig, edited->layers[0].eig);
}

TEST_F(MainWindowTest, LatestRequestWins) {
    for (int batch = 1; batch <= 6; ++batch) window->inputPanel()->setBatch(batch);
    ASSERT_TRUE(waitFor([&] { return !window->session()->computing(); }));
    ASSERT_TRUE(waitFor([&] { return window->session()->current()->batch == 6; }));
    EXPECT_EQ(window->session()->current()->batch, 6);
}

TEST_F(MainWindowTest, PresetChangeAndLayerEdits) {
    const auto before = window->session()->current();
    ASSERT_TRUE(window->openModel("preset:cpu-paper-mqar-softmax"));
    ASSERT_TRUE(waitForNewResult(*window, before));
    EXPECT_EQ(window->session()->current()->layers[0].mixer, "softmax_attention");

    ModelSpec spec = window->session()->spec();
    spec.blocks.push_back(spec.blocks[0]);
    spec.blocks.back().mixer = MixerSpec{"lru", nlohmann::json::object()};
    const auto softmax = window->session()->current();
    window->session()->editSpec(spec, "add an LRU layer");
    ASSERT_TRUE(waitForNewResult(*window, softmax));
    ASSERT_EQ(window->session()->current()->layers.size(), 3u);
    EXPECT_EQ(window->session()->current()->layers[2].mixer, "lru");
    EXPECT_EQ(window->metricsPanel()->rowCount(), 3);
}

TEST_F(MainWindowTest, InvalidEditIsAnErrorAndKeepsThePreviousState) {
    const ModelSpec before = window->session()->spec();
    ModelSpec bad = before;
    bad.blocks[0].mixer.options["num_heads"] = 3;  // does not divide the width
    const int undoBefore = window->session()->undoStack()->count();
    window->session()->editSpec(bad, "bad heads");
    EXPECT_NE(window->session()->lastError().indexOf("num_heads"), -1) << window->session()->lastError().toStdString();
    EXPECT_EQ(specToJson(window->session()->spec()), specToJson(before));
    EXPECT_EQ(window->session()->undoStack()->count(), undoBefore);
}

TEST_F(MainWindowTest, OpensAModelFileAndRemembersIt) {
    ModelSpec spec = presetSpec("cpu-paper-mqar-lru");
    const QString path = dir.filePath("my-lru.json");
    QFile out(path);
    ASSERT_TRUE(out.open(QIODevice::WriteOnly));
    out.write(QByteArray::fromStdString(specToJson(spec).dump()));
    out.close();
    const auto before = window->session()->current();
    ASSERT_TRUE(window->openModel(path));
    ASSERT_TRUE(waitForNewResult(*window, before));
    EXPECT_EQ(window->session()->current()->layers[0].mixer, "lru");
    EXPECT_TRUE(QSettings().value("recentFiles").toStringList().contains(path));
    EXPECT_NE(window->windowTitle().indexOf("my-lru.json"), -1);
}

TEST_F(MainWindowTest, OpensModelFilesOffTheGuiThread) {
    const QString native = dir.filePath("saved.safetensors");
    window->session()->saveModel(native);
    ASSERT_TRUE(waitFor([&] { return !window->session()->loading(); }));
    ASSERT_TRUE(QFile::exists(native)) << window->session()->lastError().toStdString();
    EXPECT_TRUE(readAll(native).mid(8).startsWith("{"));

    ASSERT_TRUE(window->openModel("preset:cpu-paper-mqar-softmax"));
    ASSERT_TRUE(waitFor([&] { return !window->session()->computing(); }));
    auto before = window->session()->current();
    EXPECT_TRUE(window->openModel(native));
    ASSERT_TRUE(waitFor([&] { return !window->session()->loading() && !window->session()->computing() && window->session()->current() != before; }));
    EXPECT_EQ(window->session()->current()->layers[0].mixer, "mamba2");
    EXPECT_NE(window->windowTitle().indexOf("saved.safetensors"), -1);

    const QString fixtures = QStringLiteral(EIGENSCOPE_FIXTURES);
    before = window->session()->current();
    window->openModel(fixtures + "/paper_softmax/checkpoint.pth", fixtures + "/paper_softmax/config.yaml");
    ASSERT_TRUE(waitFor([&] { return !window->session()->loading() && !window->session()->computing() && window->session()->current() != before; }));
    EXPECT_EQ(window->session()->current()->layers[0].mixer, "softmax_attention");
    EXPECT_TRUE(window->session()->spec().blocks[0].outputGate);
    EXPECT_TRUE(window->session()->lastError().isEmpty()) << window->session()->lastError().toStdString();

    const QString broken = dir.filePath("broken.safetensors");
    QFile out(broken);
    ASSERT_TRUE(out.open(QIODevice::WriteOnly));
    out.write("\x10\x00\x00\x00\x00\x00\x00\x00{\"w\": nonsense}");
    out.close();
    before = window->session()->current();
    window->openModel(broken);
    ASSERT_TRUE(waitFor([&] { return !window->session()->loading(); }));
    EXPECT_NE(window->session()->lastError().indexOf("broken.safetensors"), -1) << window->session()->lastError().toStdString();
    EXPECT_EQ(window->session()->current(), before);
}

TEST_F(MainWindowTest, TrainingFollowsLiveAndTheTimelineScrubsSnapshots) {
    TrainingPanel* training = window->trainingPanel();
    training->setTask("task:mqar:seq_len=16,kv_pairs=2,vocab=32");
    training->setSteps(20);
    training->setSnapshotEvery(10);
    const auto before = window->session()->current();
    training->start();
    EXPECT_TRUE(window->session()->training()->running());
    ASSERT_TRUE(waitFor([&] { return !window->session()->training()->running(); }));
    ASSERT_EQ(int(window->session()->training()->snapshots().size()), 3) << "steps 0, 10 and 20";
    ASSERT_TRUE(waitFor([&] { return window->session()->current() != before; }));
    const auto latest = window->session()->current();
    EXPECT_EQ(latest->seqLen, 16) << "the plots follow the run";
    const auto revs = revisions(*window);
    training->timeline()->setValue(0);
    EXPECT_NE(window->session()->current(), latest);
    const auto after = revisions(*window);
    for (size_t i = 0; i < after.size(); ++i) EXPECT_GT(after[i], revs[i]);
    training->timeline()->setValue(2);
    EXPECT_EQ(window->session()->current(), latest);
}

TEST_F(MainWindowTest, TrainingPausesAndResumesTheSameRun) {
    TrainingPanel* training = window->trainingPanel();
    training->setTask("task:induction:seq_len=16,vocab=16");
    training->setSteps(40);
    training->setSnapshotEvery(5);
    training->start();
    ASSERT_TRUE(waitFor([&] { return int(window->session()->training()->snapshots().size()) >= 2; }));
    window->session()->training()->pause();
    ASSERT_TRUE(waitFor([&] { return !window->session()->training()->running(); }));
    const QString folder = window->session()->training()->folder();
    ASSERT_FALSE(folder.isEmpty()) << "a paused run keeps its folder";
    EXPECT_TRUE(QFile::exists(folder + "/latest"));
    const int pausedAt = int(window->session()->training()->snapshots().size());
    EXPECT_LT(pausedAt, 9);
    training->start();
    ASSERT_TRUE(waitFor([&] { return !window->session()->training()->running(); }));
    EXPECT_EQ(int(window->session()->training()->snapshots().size()), 9) << "steps 0, 5, …, 40 once each";
    EXPECT_TRUE(window->session()->training()->folder().isEmpty()) << "a finished run is closed";
    QDir(folder).removeRecursively();
}

TEST_F(MainWindowTest, UndoingAnEditRestoresTheOpenedFilesWeights) {
    // The fixture's weights come from Python, so a fresh initialization of its spec differs from them.
    const QString fixtures = QStringLiteral(EIGENSCOPE_FIXTURES);
    auto before = window->session()->current();
    window->openModel(fixtures + "/paper_softmax/checkpoint.pth", fixtures + "/paper_softmax/config.yaml");
    ASSERT_TRUE(waitFor([&] { return !window->session()->loading() && !window->session()->computing() && window->session()->current() != before; }));
    const auto fromFile = window->session()->current();
    ModelSpec edited = window->session()->spec();
    edited.seed += 1;
    window->session()->editSpec(edited, "another seed");
    ASSERT_TRUE(waitForNewResult(*window, fromFile));
    EXPECT_NE(window->session()->current()->layers[0].eig, fromFile->layers[0].eig) << "an edit re-initializes";
    before = window->session()->current();
    window->session()->undoStack()->undo();
    ASSERT_TRUE(waitForNewResult(*window, before));
    EXPECT_NE(window->windowTitle().indexOf("checkpoint.pth"), -1);
    EXPECT_EQ(window->session()->current()->layers[0].eig, fromFile->layers[0].eig) << "undo must bring back the file's weights";
}

TEST_F(MainWindowTest, DroppedFileOpens) {
    const QString path = dir.filePath("dropped.json");
    QFile out(path);
    ASSERT_TRUE(out.open(QIODevice::WriteOnly));
    out.write(QByteArray::fromStdString(specToJson(presetSpec("cpu-paper-mqar-linear")).dump()));
    out.close();
    QMimeData data;
    data.setUrls({QUrl::fromLocalFile(path)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window.get(), &enter);
    EXPECT_TRUE(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    const auto before = window->session()->current();
    QApplication::sendEvent(window.get(), &drop);
    ASSERT_TRUE(waitForNewResult(*window, before));
    EXPECT_EQ(window->session()->current()->layers[0].mixer, "linear_attention");
}

TEST_F(MainWindowTest, WindowLayoutPersists) {
    window->resize(window->width() + 37, 777);
    const QSize saved = window->size();
    window->close();
    MainWindow second;
    EXPECT_EQ(second.size(), saved);
    ASSERT_TRUE(waitFor([&] { return second.session()->current() && !second.session()->computing(); }));
}

TEST_F(MainWindowTest, BadFileIsAnErrorMessageAndNothingChanges) {
    const QString path = dir.filePath("broken.json");
    QFile out(path);
    ASSERT_TRUE(out.open(QIODevice::WriteOnly));
    out.write("{\"style\": \"standard\", \"d_model\": ");
    out.close();
    const auto before = window->session()->current();
    const auto revs = revisions(*window);
    EXPECT_FALSE(window->openModel(path));
    EXPECT_NE(window->session()->lastError().indexOf(path), -1) << window->session()->lastError().toStdString();
    EXPECT_FALSE(window->openModel(dir.filePath("missing.json")));
    EXPECT_NE(window->session()->lastError().indexOf("missing.json"), -1) << window->session()->lastError().toStdString();
    QApplication::processEvents();
    EXPECT_EQ(window->session()->current(), before);
    EXPECT_EQ(revisions(*window), revs);
}

TEST_F(MainWindowTest, CancellingALongComputationKeepsThePreviousPlots) {
    const auto before = window->session()->current();
    const auto revs = revisions(*window);
    window->inputPanel()->setSequenceLength(12000);  // seconds per layer on 2 cores
    QElapsedTimer running;
    running.start();
    waitFor([&] { return running.elapsed() > 300; });  // let the analysis start
    ASSERT_TRUE(window->session()->computing());
    window->session()->cancel();
    ASSERT_TRUE(waitFor([&] { return !window->session()->computing(); }));
    QApplication::processEvents();
    EXPECT_EQ(window->session()->current(), before);
    EXPECT_EQ(revisions(*window), revs);
    EXPECT_EQ(window->session()->current()->seqLen, 128);
    EXPECT_TRUE(window->session()->lastError().isEmpty()) << "cancelled, not failed: " << window->session()->lastError().toStdString();
}

TEST_F(MainWindowTest, ComparePinnedAndInitOverlays) {
    window->session()->pin();
    const auto pinned = window->session()->current();
    window->architecturePanel()->optionSlider("d_state")->setValue(100);
    ASSERT_TRUE(waitForNewResult(*window, pinned));
    // The reference is drawn: the eigenvalue plot's legend names it and the bins plot still has its bars.
    QImage image(800, 600, QImage::Format_ARGB32);
    QPainter painter(&image);
    window->plots()[0]->render(painter, QRectF(0, 0, 800, 600));
    painter.end();
    int grey = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) grey += image.pixel(x, y) == QColor(170, 170, 170).rgb();
    EXPECT_GT(grey, 50) << "the pinned eigenvalues are not drawn";
    window->session()->setCompareMode(Session::Compare::Init);
    ASSERT_TRUE(waitFor([&] { return !window->session()->computing(); }));
    EXPECT_TRUE(window->session()->lastError().isEmpty()) << window->session()->lastError().toStdString();
}

TEST_F(MainWindowTest, ExportsEveryFigureFormatAndTheReport) {
    const QString png = dir.filePath("plots.png"), svg = dir.filePath("plots.svg"), pdf = dir.filePath("plots.pdf");
    window->exportPlots(png, 100);
    window->exportPlots(svg);
    window->exportPlots(pdf);
    ASSERT_TRUE(window->session()->lastError().isEmpty()) << window->session()->lastError().toStdString();

    const QByteArray pngBytes = readAll(png);
    ASSERT_TRUE(pngBytes.startsWith("\x89PNG\r\n\x1a\n"));
    const QImage image(png);
    EXPECT_EQ(image.width(), 1280 * 100 / 96);  // two 640-pixel columns at 100 dpi
    EXPECT_EQ(image.height(), 920 * 100 / 96);
    EXPECT_GT(pngBytes.size(), 20000);

    QXmlStreamReader xml(readAll(svg));
    int texts = 0, paths = 0;
    bool root = false, title = false;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement) continue;
        if (xml.name() == QLatin1String("svg")) root = true;
        if (xml.name() == QLatin1String("text")) {
            ++texts;
            title = title || xml.readElementText(QXmlStreamReader::IncludeChildElements).contains("Memory decay");
        }
        if (xml.name() == QLatin1String("path") || xml.name() == QLatin1String("polyline")) ++paths;
    }
    EXPECT_FALSE(xml.hasError()) << xml.errorString().toStdString();
    EXPECT_TRUE(root);
    EXPECT_TRUE(title);
    EXPECT_GT(texts, 40);
    EXPECT_GT(paths, 10);

    const QByteArray pdfBytes = readAll(pdf);
    EXPECT_TRUE(pdfBytes.startsWith("%PDF-"));
    const QRegularExpression page(QStringLiteral("/Type\\s*/Page[^s]"));
    EXPECT_EQ(QString::fromLatin1(pdfBytes).count(page), 1);

    const QString report = dir.filePath("report.pdf");
    window->exportReportTo(report);
    const QByteArray reportBytes = readAll(report);
    EXPECT_TRUE(reportBytes.startsWith("%PDF-"));
    EXPECT_GE(QString::fromLatin1(reportBytes).count(page), 3) << "plots, metrics and spec pages";

    window->exportPlots(dir.filePath("plots.bmp"));
    EXPECT_NE(window->session()->lastError().indexOf("unknown figure format"), -1);
    EXPECT_FALSE(QFile::exists(dir.filePath("plots.bmp")));
}

TEST_F(MainWindowTest, ExportsData) {
    window->session()->exportData(dir.filePath("a.npz"));
    window->session()->exportData(dir.filePath("a.json"));
    window->session()->exportData(dir.filePath("tables"));
    ASSERT_TRUE(window->session()->lastError().isEmpty()) << window->session()->lastError().toStdString();
    EXPECT_TRUE(readAll(dir.filePath("a.npz")).startsWith("PK"));
    EXPECT_TRUE(readAll(dir.filePath("a.json")).contains("\"layers\""));
    EXPECT_TRUE(QFile::exists(dir.filePath("tables/bins.csv")));
    EXPECT_TRUE(QFile::exists(dir.filePath("tables/metrics.csv")));
}

TEST_F(MainWindowTest, TextInputAndTimeColouring) {
    const auto before = window->session()->current();
    window->inputPanel()->setKind("text");
    window->inputPanel()->setText("abcabcabc");
    ASSERT_TRUE(waitFor([&] { return window->session()->current()->input == "text:abcabcabc" && !window->session()->computing(); }));
    EXPECT_EQ(window->session()->current()->seqLen, 9);
    EXPECT_EQ(window->session()->current()->batch, 1);
}

TEST_F(MainWindowTest, InputFromASpecStringReachesTheAnalysis) {
    InputSpec spec = parseInputSpec("task:mqar:seq_len=32,kv_pairs=3,vocab=64,power_a=0.5");
    spec.batch = 3;
    spec.seed = 9;
    EXPECT_TRUE(window->inputPanel()->setInput(spec).isEmpty());
    const InputSpec shown = window->inputPanel()->input();
    EXPECT_EQ(shown.task, "mqar");
    EXPECT_EQ(shown.params.at("kv_pairs"), "3");
    EXPECT_EQ(shown.params.at("vocab"), "64");
    EXPECT_EQ(shown.params.at("power_a"), "0.5");
    EXPECT_EQ(shown.seqLen, 32);
    EXPECT_EQ(shown.batch, 3);
    EXPECT_EQ(shown.seed, 9u);
    ASSERT_TRUE(waitFor([&] { return window->session()->current()->seqLen == 32 && !window->session()->computing(); }));
    EXPECT_EQ(window->session()->current()->batch, 3);

    EXPECT_FALSE(window->inputPanel()->setInput(parseInputSpec("task:induction")).isEmpty());
    EXPECT_FALSE(window->inputPanel()->setInput(parseInputSpec("task:mqar:pairs=3")).isEmpty());
    EXPECT_EQ(window->inputPanel()->input().params.at("kv_pairs"), "3");  // unchanged by the refused inputs
}

TEST_F(MainWindowTest, RedoKeysAreEachBoundOnceAndWork) {
    QAction* redo = nullptr;
    for (auto* action : window->findChildren<QAction*>())
        if (action->text().startsWith("&Redo") || action->text().startsWith("Redo")) redo = action;
    ASSERT_NE(redo, nullptr);
    const auto keys = redo->shortcuts();
    EXPECT_EQ(QSet<QKeySequence>(keys.begin(), keys.end()).size(), keys.size()) << "a key bound twice is ambiguous";
    EXPECT_TRUE(keys.contains(QKeySequence(QStringLiteral("Ctrl+Y"))));
    EXPECT_TRUE(keys.contains(QKeySequence(QStringLiteral("Ctrl+Shift+Z"))));
    ModelSpec edited = window->session()->spec();
    edited.seed += 1;
    window->session()->editSpec(edited, "seed");
    window->session()->undoStack()->undo();
    ASSERT_EQ(window->session()->spec().seed, edited.seed - 1);
    window->activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(window.get()));
    QTest::keyClick(window.get(), Qt::Key_Y, Qt::ControlModifier);
    EXPECT_EQ(window->session()->spec().seed, edited.seed) << "Ctrl+Y redoes";
}

TEST_F(MainWindowTest, TheWheelScrollsThePanelInsteadOfChangingAnUnfocusedOption) {
    QSlider* slider = window->architecturePanel()->optionSlider("dt_max");
    ASSERT_NE(slider, nullptr);
    const int before = slider->value();
    const auto wheel = [&] {
        QWheelEvent event(QPointF(5, 5), slider->mapToGlobal(QPointF(5, 5)), QPoint(), QPoint(0, -120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(slider, &event);
    };
    wheel();
    EXPECT_EQ(slider->value(), before) << "an unfocused slider ignores the wheel";
    slider->setFocus();
    ASSERT_TRUE(waitFor([&] { return slider->hasFocus(); }, 2000));
    wheel();
    EXPECT_NE(slider->value(), before) << "a focused one takes it";
}

TEST_F(MainWindowTest, AfterACancelThePlotsAreMarkedAsAnEarlierResult) {
    auto* stale = window->findChild<QLabel*>("staleLabel");
    ASSERT_NE(stale, nullptr);
    EXPECT_FALSE(stale->isVisibleTo(window.get()));
    window->inputPanel()->setSequenceLength(12000);
    QElapsedTimer running;
    running.start();
    waitFor([&] { return running.elapsed() > 300; });
    window->session()->cancel();
    ASSERT_TRUE(waitFor([&] { return !window->session()->computing(); }));
    QApplication::processEvents();
    EXPECT_TRUE(stale->isVisibleTo(window.get()));
    window->inputPanel()->setSequenceLength(64);
    ASSERT_TRUE(waitFor([&] { return window->session()->current()->seqLen == 64 && !window->session()->computing(); }));
    QApplication::processEvents();
    EXPECT_FALSE(stale->isVisibleTo(window.get()));
}

TEST_F(MainWindowTest, APreviewIsMarkedUntilTheWholeBatchArrives) {
    auto* label = window->findChild<QLabel*>("staleLabel");
    ASSERT_NE(label, nullptr);
    Session* session = window->session();
    auto settings = session->settings();
    settings.input = parseInputSpec("randn");
    settings.input.seqLen = 1024;
    session->setSettings(settings);
    ASSERT_TRUE(waitFor([&] { return session->current()->seqLen == 1024 && !session->computing(); }));
    settings.input.seed = 9;
    session->setSettings(settings);
    ASSERT_TRUE(waitFor([&] { return session->preview(); }));
    EXPECT_TRUE(label->isVisibleTo(window.get()));
    EXPECT_TRUE(label->text().contains("preview: 1 of 8")) << label->text().toStdString();
    ASSERT_TRUE(waitFor([&] { return !session->computing(); }));
    QApplication::processEvents();
    EXPECT_FALSE(session->preview());
    EXPECT_FALSE(label->isVisibleTo(window.get()));
}

TEST_F(MainWindowTest, TheImpulseMapHasItsOwnTitleAndNoLegendOnTheDiagonal) {
    auto* impulse = window->plots()[2];
    const QString curvesTitle = impulse->title();
    const auto before = window->session()->current();
    window->setImpulseMap(true);
    ASSERT_TRUE(waitForNewResult(*window, before));
    EXPECT_NE(impulse->title(), curvesTitle);
    EXPECT_TRUE(impulse->title().startsWith("Impulse map")) << impulse->title().toStdString();
    // Rendered, the map leaves its diagonal's top right corner clear: no legend box there.
    QImage image(640, 460, QImage::Format_ARGB32);
    QPainter painter(&image);
    impulse->render(painter, QRectF(0, 0, 640, 460));
    painter.end();
    const QRectF frame = impulse->lastFrame().rect;
    const QColor corner = image.pixelColor(QPoint(int(frame.right()) - 20, int(frame.top()) + 12));
    EXPECT_NE(corner, QColor(Qt::white)) << "the map itself, not a legend box, is drawn in the top right corner";
}

TEST_F(MainWindowTest, TickAndAxisLabelsFitBelowTheFrame) {
    for (auto* plot : window->plots()) {
        QImage image(640, 460, QImage::Format_ARGB32);
        QPainter painter(&image);
        plot->render(painter, QRectF(0, 0, 640, 460));
        const QFontMetricsF metrics(painter.font());
        painter.end();
        // Tick labels, then the axis label, each a line high, with their descenders, inside the figure.
        EXPECT_LE(plot->lastFrame().rect.bottom() + 3 + 2 * metrics.height() + 4, 460.0) << plot->title().toStdString();
    }
}

TEST_F(MainWindowTest, PlotsFollowTheDarkThemeOnScreenAndStayWhiteInFigures) {
    QPalette dark = window->palette();
    dark.setColor(QPalette::Base, QColor(30, 30, 30));
    dark.setColor(QPalette::Text, Qt::white);
    auto* plot = window->plots()[1];
    plot->setPalette(dark);
    const QImage screen = plot->grab().toImage();
    EXPECT_LT(screen.pixelColor(3, 3).lightness(), 80) << "on screen the plot takes the theme's background";
    QImage figure(320, 240, QImage::Format_ARGB32);
    QPainter painter(&figure);
    plot->render(painter, QRectF(0, 0, 320, 240));
    painter.end();
    EXPECT_EQ(figure.pixelColor(3, 3), QColor(Qt::white)) << "an exported figure stays black on white";
}

TEST_F(MainWindowTest, AFailedStartKeepsThePreviousRunAndTheRunFolderIsShown) {
    QTemporaryDir runs;
    auto* run = window->session()->training();
    auto settings = tinyRun(runs.path(), 4, 2);
    run->start(window->session()->spec(), QString(), QString(), settings);
    ASSERT_TRUE(waitFor([&] { return !run->running(); }));
    const auto snapshots = run->snapshots().size();
    ASSERT_EQ(snapshots, 3u);
    const QString shown = run->shownFolder();
    EXPECT_TRUE(shown.startsWith(runs.path()));
    bool named = false;
    for (auto* label : window->trainingPanel()->findChildren<QLabel*>()) named = named || label->text().contains(shown);
    EXPECT_TRUE(named) << "the panel shows where the run is saved";
    settings.task = "task:no_such_task";
    run->start(window->session()->spec(), QString(), QString(), settings);
    ASSERT_TRUE(waitFor([&] { return !run->running(); }));
    EXPECT_NE(window->session()->lastError().indexOf("no_such_task"), -1) << window->session()->lastError().toStdString();
    EXPECT_EQ(run->snapshots().size(), snapshots) << "a start that fails keeps the previous run's curves";
    EXPECT_EQ(run->shownFolder(), shown);
}

TEST_F(MainWindowTest, TheTrainingDashboardIsAQtChartWithItsOwnAxes) {
    auto* chart = window->trainingPanel()->chart();
    ASSERT_NE(chart, nullptr);
    EXPECT_EQ(chart->chart()->legend()->alignment(), Qt::AlignBottom) << "the legend stays off the data";
    int logAxes = 0, valueAxes = 0;
    for (auto* axis : chart->chart()->axes()) {
        logAxes += axis->type() == QAbstractAxis::AxisTypeLogValue;
        valueAxes += axis->type() == QAbstractAxis::AxisTypeValue;
    }
    EXPECT_EQ(logAxes, 2) << "loss and learning rate on log axes of their own";
    EXPECT_EQ(valueAxes, 2) << "steps, and accuracy on its own linear axis";
    QTemporaryDir runs;
    auto* run = window->session()->training();
    run->start(window->session()->spec(), QString(), QString(), tinyRun(runs.path(), 6, 3));
    ASSERT_TRUE(waitFor([&] { return !run->running(); }));
    const auto plotted = chart->pointCount();
    EXPECT_GE(plotted, 6 + 6 + 2) << "loss and learning rate at every step, accuracy at the evaluations";
    run->overlay(run->shownFolder());
    ASSERT_TRUE(waitFor([&] { return run->overlays().size() == 1; }));
    EXPECT_GT(chart->pointCount(), plotted) << "an overlaid run adds its curves";
    run->clearOverlays();
    EXPECT_EQ(chart->pointCount(), plotted);
}

TEST_F(MainWindowTest, HelpShowsTheGuideAndTheShortcuts) {
    const auto open = [&](const QString& name) {
        for (auto* action : window->findChildren<QAction*>())
            if (action->text() == name) action->trigger();
        QTextBrowser* text = nullptr;
        waitFor([&] { return (text = window->findChild<QTextBrowser*>("helpText")) != nullptr; }, 5000);
        return text;
    };
    auto* guide = open("&User guide");
    ASSERT_NE(guide, nullptr);
    EXPECT_TRUE(guide->toPlainText().contains("eigenscope-cli analyze")) << "the README's usage";
    guide->window()->close();
    QApplication::processEvents();
    auto* keys = open("&Keyboard shortcuts");
    ASSERT_NE(keys, nullptr);
    EXPECT_TRUE(keys->toPlainText().contains("Redo"));
    EXPECT_TRUE(keys->toPlainText().contains("Ctrl+Y"));
    keys->window()->close();
}

TEST_F(MainWindowTest, EveryOptionInTheSidePanelExplainsItself) {
    const auto explained = [](QWidget* w) {
        for (; w; w = w->parentWidget())
            if (!w->toolTip().isEmpty()) return true;
        return false;
    };
    for (QWidget* panel : std::vector<QWidget*>{window->architecturePanel(), window->inputPanel(), window->trainingPanel()})
        for (auto* w : panel->findChildren<QWidget*>()) {
            const bool input = qobject_cast<QAbstractSpinBox*>(w) || (qobject_cast<QAbstractSlider*>(w) && !qobject_cast<QScrollBar*>(w)) ||
                               qobject_cast<QComboBox*>(w) || qobject_cast<QCheckBox*>(w) || qobject_cast<QLineEdit*>(w);
            if (!input || qobject_cast<QAbstractSpinBox*>(w->parentWidget())) continue;  // a spin box's own line edit
            EXPECT_TRUE(explained(w)) << w->metaObject()->className() << " " << w->objectName().toStdString()
                                      << " in " << panel->metaObject()->className() << " has no tooltip";
        }
}

TEST_F(MainWindowTest, TheComparisonBoardSharesItsAxesAndExportsOneFigure) {
    auto* board = window->board();
    board->setSources({"preset:cpu-paper-mqar-mamba2", "preset:cpu-paper-mqar-softmax", "preset:cpu-paper-mqar-lru",
                       "preset:cpu-rglru"});
    board->setPlot(BoardWindow::Plot::Decay);
    board->setColumns(2);
    QSignalSpy shown(board, &BoardWindow::shown);
    board->analyse();
    ASSERT_TRUE(waitFor([&] { return shown.count() == 1; }));
    const auto cells = board->cells();
    ASSERT_EQ(cells.size(), 4u);
    QImage image(480, 360, QImage::Format_ARGB32);
    std::vector<std::pair<Axis, Axis>> views;
    for (const auto* cell : cells) {
        QPainter painter(&image);
        cell->render(painter, QRectF(0, 0, 480, 360));
        painter.end();
        views.emplace_back(cell->lastFrame().x, cell->lastFrame().y);
        EXPECT_TRUE(cell->title().startsWith(QStringLiteral("cpu-"))) << "each cell names its model";
    }
    for (const auto& [x, y] : views) {
        EXPECT_EQ(x.lo, views.front().first.lo);
        EXPECT_EQ(x.hi, views.front().first.hi);
        EXPECT_EQ(y.lo, views.front().second.lo) << "shared axes";
        EXPECT_EQ(y.hi, views.front().second.hi);
    }
    const QString png = dir.filePath("board.png");
    board->exportTo(png, 96);
    const QImage figure(png);
    EXPECT_EQ(figure.width(), 2 * 480);
    EXPECT_EQ(figure.height(), 2 * 360);
}

}  // namespace
}  // namespace eigenscope::ui
