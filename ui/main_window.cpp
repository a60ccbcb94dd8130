#include "main_window.h"

#include "eigenscope/analysis_export.h"
#include "eigenscope/error.h"
#include "eigenscope/presets.h"
#include "export/figure_export.h"
#include "panels/architecture_panel.h"
#include "panels/input_panel.h"
#include "panels/metrics_panel.h"
#include "panels/training_panel.h"
#include "plots/bins_plot.h"
#include "plots/decay_plot.h"
#include "plots/eigen_plot.h"
#include "plots/impulse_plot.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QProgressBar>
#include <QRegularExpression>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QStyleFactory>
#include <QUndoStack>
#include <QVBoxLayout>

#include <optional>
#include <thread>

namespace eigenscope::ui {

namespace {

constexpr int kMaxRecent = 8;
const char* const kDemoPreset = "cpu-paper-mqar-mamba2";

// One change of the model (an edit, or opening a file): spec and the file its weights come from, so undo
// restores both. Consecutive changes with the same merge key (a slider drag) form one undo step.
class ModelCommand : public QUndoCommand {
public:
    using State = MainWindow::ModelState;
    ModelCommand(std::function<void(const State&)> apply, State before, State after, const QString& text, int mergeKey)
        : apply_(std::move(apply)), before_(std::move(before)), after_(std::move(after)), mergeKey_(mergeKey) {
        setText(text);
    }
    void undo() override { apply_(before_); }
    void redo() override { apply_(after_); }
    int id() const override { return mergeKey_; }
    bool mergeWith(const QUndoCommand* other) override {
        const auto* next = static_cast<const ModelCommand*>(other);
        after_ = next->after_;
        setText(next->text());
        return true;
    }

private:
    std::function<void(const State&)> apply_;
    State before_, after_;
    int mergeKey_;
};

QString describeShort(const ModelSpec& spec) {
    return QStringLiteral("%1 (d=%2, %3 layers)")
        .arg(QString::fromStdString(spec.name.empty() ? "custom model" : spec.name))
        .arg(spec.dModel)
        .arg(spec.blocks.size());
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), worker_(std::make_unique<AnalysisWorker>()) {
    setWindowTitle(QStringLiteral("eigenscope"));
    setAcceptDrops(true);
    undo_ = new QUndoStack(this);

    architecture_ = new ArchitecturePanel;
    input_ = new InputPanel;
    training_ = new TrainingPanel;
    auto* side = new QWidget;
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->addWidget(architecture_);
    sideLayout->addWidget(input_);
    sideLayout->addWidget(training_);
    sideLayout->addStretch(1);
    auto* scroll = new QScrollArea;
    sideScroll_ = scroll;
    scroll->setWidget(side);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(340);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->addWidget(scroll);
    splitter->addWidget(buildPlotArea());
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);

    deviceLabel_ = new QLabel;
    timeLabel_ = new QLabel;
    pointsLabel_ = new QLabel;
    progress_ = new QProgressBar;
    progress_->setRange(0, 100);
    progress_->setMaximumWidth(160);
    progress_->setVisible(false);
    cancelButton_ = new QPushButton(tr("Cancel"));
    cancelButton_->setVisible(false);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(cancelButton_);
    statusBar()->addPermanentWidget(deviceLabel_);
    statusBar()->addPermanentWidget(timeLabel_);
    statusBar()->addPermanentWidget(pointsLabel_);
    connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancelComputation);

    buildMenus();
    connect(architecture_, &ArchitecturePanel::specEdited, this, &MainWindow::onSpecEdited);
    connect(architecture_, &ArchitecturePanel::presetChosen, this, [this](const QString& name) { openModel("preset:" + name); });
    connect(input_, &InputPanel::changed, this, &MainWindow::recompute);
    connect(worker_.get(), &AnalysisWorker::started, this, [this](quint64) {
        progress_->setValue(0);
        progress_->setVisible(true);
        cancelButton_->setVisible(true);
    });
    connect(worker_.get(), &AnalysisWorker::progress, this, [this](quint64 id, double fraction, const QString& stage) {
        if (id != latestSubmitted_) return;
        progress_->setValue(int(100 * fraction));
        progress_->setFormat(stage + QStringLiteral(" %p%"));
    });
    connect(worker_.get(), &AnalysisWorker::finished, this, &MainWindow::onFinished);
    connect(training_, &TrainingPanel::snapshotChosen, this,
            [this](std::shared_ptr<const AnalysisResult> snapshot, std::shared_ptr<const AnalysisResult> init, int step) {
                current_ = std::move(snapshot);
                init_ = std::move(init);
                clearError();
                refreshPlots();
                timeLabel_->setText(tr("training snapshot, step %1").arg(step));
                Q_EMIT resultShown(shownId_);
            });
    connect(training_, &TrainingPanel::failed, this, &MainWindow::showError);

    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    splitter->restoreState(settings.value("window/splitter").toByteArray());
    applyTheme(settings.value("theme", "system").toString());
    rebuildRecentMenu();

    const ModelSpec demo = presetSpec(kDemoPreset);
    spec_ = demo;
    training_->setModel(demo, QString(), QString());
    architecture_->setSpec(demo);
    architecture_->setPresetName(QString::fromLatin1(kDemoPreset));
    updateLayerChoices();
    setWindowTitle(QStringLiteral("eigenscope — ") + describeShort(demo));
    recompute();
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::buildPlotArea() {
    auto* area = new QWidget;
    auto* layout = new QVBoxLayout(area);
    layout->setContentsMargins(4, 4, 4, 4);

    auto* toolbar = new QHBoxLayout;
    layerChoice_ = new QComboBox;
    colouring_ = new QComboBox;
    colouring_->addItems({tr("layer"), tr("head"), tr("time step")});
    compare_ = new QComboBox;
    compare_->addItems({tr("no comparison"), tr("vs. init model"), tr("vs. pinned result")});
    auto* pin = new QPushButton(tr("Pin as reference"));
    pin->setToolTip(tr("Keep the current result and overlay it in every plot (compare: vs. pinned result)"));
    impulseSource_ = new QSpinBox;
    impulseSource_->setRange(0, 1 << 20);
    impulseSource_->setToolTip(tr("source step s of the impulse response ‖Φ(s+k, s)‖"));
    mapToggle_ = new QCheckBox(tr("T×T map"));
    mapToggle_->setToolTip(tr("Show the map ‖Φ(t, s)‖ of one layer and head (sample 0) instead of the curves"));
    mapHead_ = new QSpinBox;
    mapHead_->setRange(0, 4096);
    mapHead_->setToolTip(tr("head of the T×T map"));
    const auto label = [](const QString& text) { return new QLabel(text); };
    toolbar->addWidget(label(tr("Layer")));
    toolbar->addWidget(layerChoice_);
    toolbar->addWidget(label(tr("Colour by")));
    toolbar->addWidget(colouring_);
    toolbar->addWidget(label(tr("Compare")));
    toolbar->addWidget(compare_);
    toolbar->addWidget(pin);
    toolbar->addWidget(label(tr("Impulse s")));
    toolbar->addWidget(impulseSource_);
    toolbar->addWidget(mapToggle_);
    toolbar->addWidget(label(tr("head")));
    toolbar->addWidget(mapHead_);
    toolbar->addStretch(1);
    layout->addLayout(toolbar);

    errorBanner_ = new QLabel;
    errorBanner_->setWordWrap(true);
    errorBanner_->setStyleSheet(QStringLiteral("QLabel { background: #fde2e1; color: #8a1c1c; padding: 4px; border: 1px solid #e0a0a0; }"));
    errorBanner_->setVisible(false);
    errorBanner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(errorBanner_);

    eigen_ = new EigenPlot;
    bins_ = new BinsPlot;
    impulse_ = new ImpulsePlot;
    decay_ = new DecayPlot;
    auto* grid = new QWidget;
    auto* gridLayout = new QGridLayout(grid);
    gridLayout->setContentsMargins(0, 0, 0, 0);
    gridLayout->setSpacing(4);
    gridLayout->addWidget(eigen_, 0, 0);
    gridLayout->addWidget(bins_, 0, 1);
    gridLayout->addWidget(impulse_, 1, 0);
    gridLayout->addWidget(decay_, 1, 1);
    for (auto* plot : plots()) {
        connect(plot, &PlotWidget::exportRequested, this, [this](PlotWidget* p) { exportPlotDialog({p}); });
        connect(plot, &PlotWidget::enlargeRequested, this, &MainWindow::toggleEnlarged);
    }
    metrics_ = new MetricsPanel;
    auto* vertical = new QSplitter(Qt::Vertical);
    vertical->addWidget(grid);
    vertical->addWidget(metrics_);
    vertical->setStretchFactor(0, 4);
    vertical->setStretchFactor(1, 1);
    layout->addWidget(vertical, 1);

    connect(layerChoice_, &QComboBox::currentIndexChanged, this, &MainWindow::refreshPlots);
    connect(colouring_, &QComboBox::currentIndexChanged, this, [this](int index) {
        eigen_->setColouring(static_cast<EigenPlot::Colouring>(index));
    });
    connect(compare_, &QComboBox::currentIndexChanged, this, [this](int index) {
        compareMode_ = index == 0 ? "none" : index == 1 ? "init" : "pinned";
        if (compareMode_ == "init" && !init_) recompute();
        else refreshPlots();
    });
    connect(pin, &QPushButton::clicked, this, &MainWindow::pinCurrent);
    connect(impulseSource_, &QSpinBox::valueChanged, this, &MainWindow::recompute);
    connect(mapToggle_, &QCheckBox::toggled, this, [this](bool on) {
        impulse_->setMapMode(on);
        recompute();
    });
    connect(mapHead_, &QSpinBox::valueChanged, this, &MainWindow::refreshPlots);
    return area;
}

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open model…"), QKeySequence::Open, this, [this] {
        QSettings settings;
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open model"), settings.value("lastDirectory").toString(),
            tr("Models (*.safetensors *.json *.pt *.pth *.bin *.ckpt);;All files (*)"));
        if (path.isEmpty()) return;
        QString config;
        const bool checkpoint = QRegularExpression(QStringLiteral("\\.(pt|pth|bin|ckpt)$")).match(path).hasMatch();
        if (checkpoint && !QFileInfo::exists(QFileInfo(path).dir().filePath("config.json"))) {
            config = QFileDialog::getOpenFileName(this, tr("The reference code's config of this checkpoint"),
                                                  QFileInfo(path).absolutePath(), tr("YAML configs (*.yaml *.yml)"));
            if (config.isEmpty()) return;
        }
        openModel(path, config);
    });
    file->addAction(tr("Open model &folder…"), this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face model folder"),
                                                                 QSettings().value("lastDirectory").toString());
        if (!folder.isEmpty()) openModel(folder);
    });
    recentMenu_ = file->addMenu(tr("Open &recent"));
    file->addAction(tr("&Save model…"), QKeySequence::Save, this, [this] {
        const QString path = chooseSavePath(tr("Save model"), tr("eigenscope model (*.safetensors)"), "model.safetensors");
        if (!path.isEmpty()) saveModel(path.endsWith(".safetensors") ? path : path + ".safetensors");
    });
    file->addAction(tr("Save model s&pec…"), this, [this] {
        const QString path = chooseSavePath(tr("Save model spec"), tr("JSON (*.json)"), "model.json");
        if (path.isEmpty()) return;
        QSaveFile out(path);
        if (!out.open(QIODevice::WriteOnly) || out.write(QByteArray::fromStdString(specToJson(spec_).dump(2) + "\n")) < 0 || !out.commit())
            showError(tr("%1: cannot write (%2)").arg(path, out.errorString()));
    });
    file->addSeparator();
    file->addAction(tr("Export &plots…"), QKeySequence(tr("Ctrl+E")), this, [this] {
        std::vector<const PlotWidget*> all;
        for (auto* p : plots()) all.push_back(p);
        exportPlotDialog(all);
    });
    file->addAction(tr("Export &data…"), this, [this] {
        const QString path = chooseSavePath(tr("Export data"), tr("NumPy archive (*.npz);;JSON summary (*.json);;CSV folder (*)"),
                                            "analysis.npz");
        if (!path.isEmpty()) exportData(path);
    });
    file->addAction(tr("Export &report…"), QKeySequence(tr("Ctrl+Shift+E")), this, [this] {
        const QString path = chooseSavePath(tr("Export report"), tr("PDF (*.pdf)"), "eigenscope-report.pdf");
        if (!path.isEmpty()) exportReportTo(path);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    auto* edit = menuBar()->addMenu(tr("&Edit"));
    auto* undo = undo_->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    auto* redo = undo_->createRedoAction(this, tr("&Redo"));
    redo->setShortcuts({QKeySequence::Redo, QKeySequence(tr("Ctrl+Shift+Z"))});
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addAction(tr("&Copy metrics"), this, [this] { metrics_->copy(); });

    auto* analysis = menuBar()->addMenu(tr("&Analysis"));
    analysis->addAction(tr("&Recompute"), QKeySequence::Refresh, this, &MainWindow::recompute);
    analysis->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), this, &MainWindow::cancelComputation);
    analysis->addAction(tr("&Pin result as reference"), QKeySequence(tr("Ctrl+P")), this, &MainWindow::pinCurrent);

    auto* view = menuBar()->addMenu(tr("&View"));
    auto* theme = view->addMenu(tr("&Theme"));
    for (const auto& [key, name] : {std::pair{"system", tr("System")}, {"light", tr("Light")}, {"dark", tr("Dark")}})
        theme->addAction(name, this, [this, key = QString::fromLatin1(key)] {
            QSettings().setValue("theme", key);
            applyTheme(key);
        });
    view->addAction(tr("Reset plot zoom"), QKeySequence(tr("Ctrl+0")), this, [this] {
        for (auto* p : plots()) p->resetView();
    });

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About eigenscope"), this, [this] {
        QMessageBox::about(this, tr("About eigenscope"),
                           tr("<b>eigenscope</b><br>Spectral analysis of sequence models in the Dynamical Systems "
                              "Framework: the eigenvalues of Λ_t of every layer and head.<br>GPL-3.0-or-later"));
    });
}

void MainWindow::revealTraining() { sideScroll_->ensureWidgetVisible(training_, 0, 0); }

std::vector<PlotWidget*> MainWindow::plots() const { return {eigen_, bins_, impulse_, decay_}; }

void MainWindow::applyTheme(const QString& theme) {
    if (theme == "dark") {
        qApp->setStyle(QStyleFactory::create("Fusion"));
        QPalette p;
        p.setColor(QPalette::Window, QColor(45, 45, 48));
        p.setColor(QPalette::WindowText, Qt::white);
        p.setColor(QPalette::Base, QColor(30, 30, 30));
        p.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
        p.setColor(QPalette::Text, Qt::white);
        p.setColor(QPalette::Button, QColor(55, 55, 58));
        p.setColor(QPalette::ButtonText, Qt::white);
        p.setColor(QPalette::Highlight, QColor(42, 130, 218));
        p.setColor(QPalette::HighlightedText, Qt::black);
        qApp->setPalette(p);
    } else if (theme == "light") {
        qApp->setStyle(QStyleFactory::create("Fusion"));
        qApp->setPalette(qApp->style()->standardPalette());
    }
}

void MainWindow::updateLayerChoices() {
    const QSignalBlocker block(layerChoice_);
    const int previous = layerChoice_->currentIndex();
    layerChoice_->clear();
    layerChoice_->addItem(tr("all"));
    for (size_t l = 0; l < spec_.blocks.size(); ++l) layerChoice_->addItem(QString::number(l));
    layerChoice_->setCurrentIndex(previous >= 0 && previous < layerChoice_->count() ? previous : 0);
}

bool MainWindow::openModel(const QString& path, const QString& config) {
    const bool preset = path.startsWith("preset:");
    const bool specFile = path.endsWith(".json", Qt::CaseInsensitive) && !path.endsWith(".index.json", Qt::CaseInsensitive);
    if (preset || specFile) {
        ModelSpec spec;
        try {
            spec = loadModelSpec(path.toStdString());
            validateSpec(spec);
        } catch (const std::exception& e) {
            showError(QString::fromStdString(e.what()));
            return false;
        }
        showOpened(preset ? QString() : QFileInfo(path).absoluteFilePath(), QString(), spec, {});
        architecture_->setPresetName(preset ? path.mid(7) : QString());
        return true;
    }
    const QString file = QFileInfo(path).absoluteFilePath();
    auto opened = std::make_shared<std::optional<Model>>();
    statusBar()->showMessage(tr("Opening %1 …").arg(path));
    runInBackground([file, config, opened] { *opened = Model::open(file.toStdString(), OpenOptions{config.toStdString()}); },
                    [this, file, config, opened](const QString& error) {
                        if (!error.isEmpty()) return showError(error);
                        worker_->adopt(file, **opened);
                        QStringList warnings;
                        for (const auto& w : (*opened)->source().warnings) warnings << QString::fromStdString(w);
                        showOpened(file, config, (*opened)->spec(), warnings);
                        statusBar()->showMessage(tr("Opened %1 (%2)").arg(file, QString::fromStdString((*opened)->source().format)), 8000);
                    });
    return true;
}

void MainWindow::showOpened(const QString& path, const QString& config, const ModelSpec& spec, const QStringList& warnings) {
    pushModelState({spec, path, config}, tr("open %1").arg(path.isEmpty() ? QString::fromStdString(spec.name) : path), -1);
    if (!path.isEmpty()) {
        architecture_->setPresetName(QString());
        QSettings().setValue("lastDirectory", QFileInfo(path).absolutePath());
        addRecent(path);
    }
    if (!warnings.isEmpty()) statusBar()->showMessage(warnings.join("; "), 10000);
}

void MainWindow::runInBackground(std::function<void()> work, std::function<void(const QString& error)> done) {
    ++loading_;
    QPointer<MainWindow> self(this);
    std::thread([self, work = std::move(work), done = std::move(done)] {
        QString error;
        try {
            work();
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(qApp, [self, done, error] {
            if (!self) return;
            --self->loading_;
            done(error);
        }, Qt::QueuedConnection);
    }).detach();
}

void MainWindow::saveModel(const QString& path) {
    const ModelSpec spec = spec_;
    const QString file = modelFile_.endsWith(".json", Qt::CaseInsensitive) ? QString() : modelFile_, config = modelConfig_;
    statusBar()->showMessage(tr("Saving %1 …").arg(path));
    runInBackground(
        [spec, file, config, path] {
            const Model model = file.isEmpty() ? Model::fromSpec(spec) : Model::open(file.toStdString(), OpenOptions{config.toStdString()});
            model.save(path.toStdString());
        },
        [this, path](const QString& error) {
            if (!error.isEmpty()) return showError(error);
            statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
        });
}

void MainWindow::setSpec(const ModelSpec& spec, const QString& description) { onSpecEdited(spec, description, -1); }

void MainWindow::onSpecEdited(const ModelSpec& spec, const QString& description, int mergeKey) {
    try {
        validateSpec(spec);
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
        architecture_->setSpec(spec_);  // the previous state stays
        return;
    }
    if (!modelFile_.isEmpty()) statusBar()->showMessage(tr("Edited: the model is now freshly initialized from its spec"), 5000);
    pushModelState({spec, QString(), QString()}, description, mergeKey);
}

void MainWindow::pushModelState(ModelState after, const QString& description, int mergeKey) {
    const auto apply = [this](const ModelState& state) {
        modelFile_ = state.file;
        modelConfig_ = state.config;
        applySpec(state.spec);
    };
    undo_->push(new ModelCommand(apply, {spec_, modelFile_, modelConfig_}, std::move(after), description, mergeKey));
}

void MainWindow::applySpec(const ModelSpec& spec) {
    spec_ = spec;
    training_->setModel(spec, modelFile_.endsWith(".json", Qt::CaseInsensitive) ? QString() : modelFile_, modelConfig_);
    architecture_->setSpec(spec);
    updateLayerChoices();
    setWindowTitle(QStringLiteral("eigenscope — ") + (modelFile_.isEmpty() ? describeShort(spec) : QFileInfo(modelFile_).fileName()));
    recompute();
}

void MainWindow::recompute() {
    AnalysisRequest request;
    request.spec = spec_;
    request.file = modelFile_.endsWith(".json", Qt::CaseInsensitive) ? QString() : modelFile_;
    request.config = modelConfig_;
    request.input = input_->input();
    request.options.mode = input_->mode().toStdString();
    request.options.device = input_->device().toStdString();
    const int64_t T = input_->expectedLength(spec_.seqLen);
    request.options.impulseSources = {std::clamp<int64_t>(impulseSource_->value(), 0, std::max<int64_t>(T - 1, 0))};
    request.options.impulseMap = mapToggle_->isChecked();
    request.withInit = compareMode_ == "init";
    latestSubmitted_ = worker_->submit(std::move(request));
    deviceLabel_->setText(tr("device: %1").arg(input_->device()));
}

void MainWindow::cancelComputation() {
    worker_->cancel();
}

void MainWindow::onFinished(const AnalysisOutcome& outcome) {
    handledId_ = std::max(handledId_, outcome.id);
    if (!computing()) {
        progress_->setVisible(false);
        cancelButton_->setVisible(false);
    }
    if (outcome.cancelled) {
        statusBar()->showMessage(tr("Computation cancelled; the plots show the previous result"), 5000);
        return;
    }
    if (!outcome.error.isEmpty()) {
        if (outcome.id == latestSubmitted_) showError(outcome.error);
        return;
    }
    if (outcome.id <= shownId_) return;  // never replace a newer result by an older one
    shownId_ = outcome.id;
    current_ = outcome.result;
    init_ = outcome.init;
    clearError();
    refreshPlots();
    qint64 points = 0;
    for (const auto& layer : current_->layers) points += qint64(layer.eig.size());
    timeLabel_->setText(tr("analysis %1 ms (%2 ms from request)").arg(current_->elapsedMs, 0, 'f', 0).arg(outcome.latencyMs, 0, 'f', 0));
    pointsLabel_->setText(tr("%1 eigenvalues%2").arg(points).arg(eigen_->densityMode() ? tr(" (density)") : QString()));
    Q_EMIT resultShown(outcome.id);
}

void MainWindow::refreshPlots() {
    PlotSource source;
    source.current = current_;
    source.currentLabel = modelFile_.isEmpty() ? tr("current") : tr("model");
    if (compareMode_ == "init" && init_) {
        source.reference = init_;
        source.referenceLabel = tr("init");
    } else if (compareMode_ == "pinned" && pinned_) {
        source.reference = pinned_;
        source.referenceLabel = pinnedLabel_;
    }
    source.layer = layerChoice_->currentIndex() - 1;
    source.head = mapHead_->value();
    eigen_->setSource(source);
    bins_->setSource(source);
    impulse_->setSource(source);
    decay_->setSource(source);
    metrics_->setResult(current_);
}

void MainWindow::pinCurrent() {
    if (!current_) return;
    pinned_ = current_;
    pinnedLabel_ = tr("pinned");
    const QSignalBlocker block(compare_);
    compare_->setCurrentIndex(2);
    compareMode_ = "pinned";
    refreshPlots();
    statusBar()->showMessage(tr("Pinned the current result as the reference"), 4000);
}

void MainWindow::setCompareMode(const QString& mode) {
    compare_->setCurrentIndex(mode == "init" ? 1 : mode == "pinned" ? 2 : 0);
}

void MainWindow::setImpulseMap(bool on) { mapToggle_->setChecked(on); }

void MainWindow::showError(const QString& message) {
    lastError_ = message;
    errorBanner_->setText(message);
    errorBanner_->setVisible(true);
    statusBar()->showMessage(message, 8000);
    Q_EMIT errorShown(message);
}

void MainWindow::clearError() { errorBanner_->setVisible(false); }

void MainWindow::addRecent(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value("recentFiles").toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue("recentFiles", recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = QSettings().value("recentFiles").toStringList();
    for (const auto& path : recent) recentMenu_->addAction(path, this, [this, path] { openModel(path); });
    recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::toggleEnlarged(PlotWidget* plot) {
    enlarged_ = enlarged_ == plot ? nullptr : plot;
    for (auto* p : plots()) p->setVisible(!enlarged_ || p == enlarged_);
}

QString MainWindow::chooseSavePath(const QString& title, const QString& filter, const QString& suggested) {
    QSettings settings;
    const QString path = QFileDialog::getSaveFileName(this, title, settings.value("lastDirectory").toString() + "/" + suggested, filter);
    if (!path.isEmpty()) settings.setValue("lastDirectory", QFileInfo(path).absolutePath());
    return path;
}

void MainWindow::exportPlotDialog(const std::vector<const PlotWidget*>& chosen) {
    const QString path = chooseSavePath(tr("Export figure"), tr("PNG image (*.png);;SVG (*.svg);;PDF (*.pdf)"), "figure.png");
    if (path.isEmpty()) return;
    int dpi = 200;
    if (path.endsWith(".png", Qt::CaseInsensitive)) {
        bool ok = false;
        dpi = QInputDialog::getInt(this, tr("PNG resolution"), tr("Dots per inch"), 200, 36, 1200, 50, &ok);
        if (!ok) return;
    }
    try {
        exportFigure(chosen, path, dpi);
        statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
    }
}

void MainWindow::exportPlots(const QString& path, int dpi) {
    std::vector<const PlotWidget*> all;
    for (auto* p : plots()) all.push_back(p);
    try {
        exportFigure(all, path, dpi);
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
    }
}

void MainWindow::exportData(const QString& path) {
    if (!current_) return showError(tr("%1: there is no result to export yet").arg(path));
    const AnalysisResult* reference = compareMode_ == "init" && init_ ? init_.get() : nullptr;
    try {
        if (path.endsWith(".npz", Qt::CaseInsensitive)) writeAnalysisNpz(path.toStdString(), *current_, reference);
        else if (path.endsWith(".json", Qt::CaseInsensitive)) writeAnalysisJson(path.toStdString(), *current_, reference);
        else writeAnalysisCsv(path.toStdString(), *current_, reference);
        statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
    }
}

void MainWindow::exportReportTo(const QString& path) {
    if (!current_) return showError(tr("%1: there is no result to export yet").arg(path));
    ReportContent content;
    content.title = tr("eigenscope report: %1").arg(describeShort(spec_));
    content.summary = tr("Model %1%2. Input %3, B = %4, T = %5, mode %6. Analysis %7 ms.")
                          .arg(describeShort(spec_))
                          .arg(modelFile_.isEmpty() ? QString() : tr(" from %1").arg(modelFile_))
                          .arg(QString::fromStdString(current_->input))
                          .arg(current_->batch)
                          .arg(current_->seqLen)
                          .arg(QString::fromStdString(current_->mode))
                          .arg(current_->elapsedMs, 0, 'f', 0);
    const QStringList lines = metrics_->toTsv(false).trimmed().split('\n');
    content.metricsHeader = lines.value(0).split('\t');
    for (int i = 1; i < lines.size(); ++i) content.metricsRows.push_back(lines[i].split('\t'));
    content.specJson = QString::fromStdString(specToJson(spec_).dump(2));
    std::vector<const PlotWidget*> all;
    for (auto* p : plots()) all.push_back(p);
    try {
        exportReport(all, content, path);
        statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/splitter", static_cast<QSplitter*>(centralWidget())->saveState());
    worker_->cancel();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile()) openModel(urls.front().toLocalFile());
}

}  // namespace eigenscope::ui
