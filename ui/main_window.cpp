#include "main_window.h"

#include "eigenscope/model.h"
#include "eigenscope/presets.h"
#include "export/figure_export.h"
#include "panels/architecture_panel.h"
#include "panels/board_window.h"
#include "panels/input_panel.h"
#include "panels/metrics_panel.h"
#include "panels/training_panel.h"
#include "plots/bins_plot.h"
#include "plots/decay_plot.h"
#include "plots/eigen_plot.h"
#include "plots/impulse_plot.h"
#include "session/session.h"
#include "session/training_run.h"

#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QFile>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTextBrowser>
#include <QUndoStack>
#include <QVBoxLayout>

namespace eigenscope::ui {

namespace {

constexpr int kMaxRecent = 8;

// Where file dialogs open: the folder last used, or the home folder.
QString lastDirectory() { return QSettings().value("lastDirectory", QDir::homePath()).toString(); }

// The side panel's spin boxes, sliders and combo boxes take the wheel only when focused; otherwise the wheel scrolls
// the panel, so scrolling through the options never changes one.
class WheelGuard : public QObject {
public:
    WheelGuard(QScrollArea* area, QObject* parent) : QObject(parent), area_(area) {}

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() != QEvent::Wheel) return false;
        auto* widget = qobject_cast<QWidget*>(watched);
        if (!widget || widget->hasFocus() || !area_->widget() || !area_->widget()->isAncestorOf(widget)) return false;
        if (!qobject_cast<QAbstractSpinBox*>(widget) && !qobject_cast<QAbstractSlider*>(widget) &&
            !qobject_cast<QComboBox*>(widget))
            return false;
        QCoreApplication::sendEvent(area_->verticalScrollBar(), event);
        return true;
    }

private:
    QScrollArea* area_;
};

QString describeShort(const ModelSpec& spec) {
    return QStringLiteral("%1 (d=%2, %3 layers)")
        .arg(QString::fromStdString(spec.name.empty() ? "custom model" : spec.name))
        .arg(spec.dModel)
        .arg(spec.blocks.size());
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), session_(new Session(this)) {
    setWindowTitle(QStringLiteral("eigenscope"));
    setAcceptDrops(true);

    architecture_ = new ArchitecturePanel(session_);
    input_ = new InputPanel(session_);
    training_ = new TrainingPanel(session_);
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
    qApp->installEventFilter(new WheelGuard(scroll, this));

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
    connect(cancelButton_, &QPushButton::clicked, session_, &Session::cancel);

    buildMenus();
    connect(session_, &Session::modelChanged, this, &MainWindow::onModelChanged);
    connect(session_, &Session::resultReady, this, &MainWindow::refreshPlots);
    connect(session_, &Session::compareChanged, this, [this] {
        const QSignalBlocker block(compare_);
        compare_->setCurrentIndex(int(session_->compareMode()));
        refreshPlots();
    });
    connect(session_, &Session::errorRaised, this, &MainWindow::showError);
    connect(session_, &Session::errorCleared, this, [this] { errorBanner_->setVisible(false); });
    connect(session_, &Session::message, this, [this](const QString& text, int timeout) { statusBar()->showMessage(text, timeout); });
    connect(session_, &Session::busyChanged, this, [this] {
        progress_->setVisible(session_->computing());
        cancelButton_->setVisible(session_->computing());
        if (session_->computing()) progress_->setValue(0);
        updateStale();
    });
    connect(session_, &Session::progress, this, [this](double fraction, const QString& stage) {
        progress_->setValue(int(100 * fraction));
        progress_->setFormat(stage + QStringLiteral(" %p%"));
    });
    connect(session_, &Session::settingsChanged, this, [this] {
        deviceLabel_->setText(tr("device: %1").arg(session_->settings().device));
    });
    connect(session_, &Session::analysisTime, this, [this](double analysisMs, double latencyMs) {
        timeLabel_->setText(tr("analysis %1 ms (%2 ms from request)").arg(analysisMs, 0, 'f', 0).arg(latencyMs, 0, 'f', 0));
    });
    connect(session_->training(), &TrainingRun::failed, session_, &Session::reportError);

    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    splitter->restoreState(settings.value("window/splitter").toByteArray());
    applyTheme(settings.value("theme", "system").toString());
    rebuildRecentMenu();
    deviceLabel_->setText(tr("device: %1").arg(session_->settings().device));
    onModelChanged();
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
    headView_ = new QComboBox;
    headView_->addItems({tr("median, 10–90 % band"), tr("every head"), tr("one head")});
    headView_->setToolTip(tr("Impulse and decay curves of a layer with many heads: their median with the band of the "
                             "10 and 90 % quantiles, every head, or the one head chosen at the right. With many "
                             "layers, \"every head\" turns the bins' heat map into layer × head"));
    head_ = new QSpinBox;
    head_->setRange(0, 4096);
    head_->setToolTip(tr("The head of the T×T map and of \"one head\""));
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
    toolbar->addWidget(label(tr("Heads")));
    toolbar->addWidget(headView_);
    toolbar->addWidget(label(tr("head")));
    toolbar->addWidget(head_);
    toolbar->addStretch(1);
    staleLabel_ = new QLabel(tr("⚠ earlier result"));
    staleLabel_->setObjectName(QStringLiteral("staleLabel"));
    staleLabel_->setStyleSheet(QStringLiteral("QLabel { color: #a15c00; font-weight: bold; }"));
    staleLabel_->setVisible(false);
    toolbar->addWidget(staleLabel_);
    layout->addLayout(toolbar);

    errorBanner_ = new QLabel;
    errorBanner_->setObjectName(QStringLiteral("errorBanner"));
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
    connect(compare_, &QComboBox::currentIndexChanged, this,
            [this](int index) { session_->setCompareMode(static_cast<Session::Compare>(index)); });
    connect(pin, &QPushButton::clicked, session_, &Session::pin);
    connect(impulseSource_, &QSpinBox::valueChanged, this, [this](int s) {
        auto settings = session_->settings();
        settings.impulseSource = s;
        session_->setSettings(settings);
    });
    connect(mapToggle_, &QCheckBox::toggled, this, [this](bool on) {
        impulse_->setMapMode(on);
        auto settings = session_->settings();
        settings.impulseMap = on;
        session_->setSettings(settings);
    });
    connect(head_, &QSpinBox::valueChanged, this, &MainWindow::refreshPlots);
    connect(headView_, &QComboBox::currentIndexChanged, this, &MainWindow::refreshPlots);
    return area;
}

QString MainWindow::modelFileFilter() const {
    QStringList patterns, filters;
    for (const auto& format : listModelFormats()) {
        QStringList own;
        for (const auto& p : format.patterns) own << QString::fromStdString(p);
        if (own.isEmpty()) continue;
        patterns << own;
        filters << QStringLiteral("%1 (%2)").arg(QString::fromStdString(format.name), own.join(' '));
    }
    patterns.removeDuplicates();
    return (QStringList{tr("Models (%1)").arg(patterns.join(' '))} + filters + QStringList{tr("All files (*)")}).join(";;");
}

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open model…"), QKeySequence::Open, this, [this] {
        QSettings settings;
        const QString path = QFileDialog::getOpenFileName(this, tr("Open model"), lastDirectory(),
                                                          modelFileFilter());
        if (path.isEmpty()) return;
        QString config;
        if (modelNeedsConfig(path.toStdString())) {
            config = QFileDialog::getOpenFileName(this, tr("The reference code's config of this checkpoint"),
                                                  QFileInfo(path).absolutePath(), tr("YAML configs (*.yaml *.yml)"));
            if (config.isEmpty()) return;
        }
        openModel(path, config);
    });
    file->addAction(tr("Open model &folder…"), this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face model folder"),
                                                                 lastDirectory());
        if (!folder.isEmpty()) openModel(folder);
    });
    file->addAction(tr("Open r&un…"), this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Open a training run folder"),
                                                                 lastDirectory());
        if (folder.isEmpty()) return;
        session_->training()->open(folder);
        revealTraining();
    });
    recentMenu_ = file->addMenu(tr("Open &recent"));
    file->addAction(tr("&Save model…"), QKeySequence::Save, this, [this] {
        const QString path = chooseSavePath(tr("Save model"), tr("eigenscope model (*.safetensors)"), "model.safetensors");
        if (!path.isEmpty()) session_->saveModel(path.endsWith(".safetensors") ? path : path + ".safetensors");
    });
    file->addAction(tr("Save model s&pec…"), this, [this] {
        const QString path = chooseSavePath(tr("Save model spec"), tr("JSON (*.json)"), "model.json");
        if (!path.isEmpty()) session_->saveSpec(path);
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
        if (!path.isEmpty()) session_->exportData(path);
    });
    file->addAction(tr("Export &report…"), QKeySequence(tr("Ctrl+Shift+E")), this, [this] {
        const QString path = chooseSavePath(tr("Export report"), tr("PDF (*.pdf)"), "eigenscope-report.pdf");
        if (!path.isEmpty()) exportReportTo(path);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    auto* edit = menuBar()->addMenu(tr("&Edit"));
    auto* undo = session_->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    auto* redo = session_->undoStack()->createRedoAction(this, tr("&Redo"));
    // The platform's redo keys, and both common ones, each once: a key bound twice is an ambiguous shortcut.
    QList<QKeySequence> redoKeys = QKeySequence::keyBindings(QKeySequence::Redo);
    for (const QKeySequence& key : {QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))})
        if (!redoKeys.contains(key)) redoKeys.append(key);
    redo->setShortcuts(redoKeys);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addAction(tr("&Copy metrics"), this, [this] { metrics_->copy(); });

    auto* analysis = menuBar()->addMenu(tr("&Analysis"));
    analysis->addAction(tr("&Recompute"), QKeySequence::Refresh, session_, &Session::recompute);
    analysis->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), session_, &Session::cancel);
    analysis->addAction(tr("&Pin result as reference"), QKeySequence(tr("Ctrl+P")), session_, &Session::pin);

    auto* view = menuBar()->addMenu(tr("&View"));
    auto* theme = view->addMenu(tr("&Theme"));
    for (const auto& [key, name] : {std::pair{"system", tr("System")}, {"light", tr("Light")}, {"dark", tr("Dark")}})
        theme->addAction(name, this, [this, key = QString::fromLatin1(key)] {
            QSettings().setValue("theme", key);
            applyTheme(key);
        });
    view->addAction(tr("Comparison &board…"), QKeySequence(tr("Ctrl+B")), this, [this] {
        board()->show();
        board()->raise();
    });
    view->addAction(tr("Reset plot zoom"), QKeySequence(tr("Ctrl+0")), this, [this] {
        for (auto* p : plots()) p->resetView();
    });

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&User guide"), QKeySequence::HelpContents, this, [this] {
        QFile readme(QStringLiteral(":/eigenscope/README.md"));
        readme.open(QIODevice::ReadOnly);
        showHelpText(tr("eigenscope user guide"), QString::fromUtf8(readme.readAll()));
    });
    help->addAction(tr("&Keyboard shortcuts"), this, [this] {
        QString table = tr("| action | keys |\n|---|---|\n");
        for (auto* menu : menuBar()->findChildren<QMenu*>())
            for (auto* action : menu->actions()) {
                QStringList keys;
                for (const auto& key : action->shortcuts()) keys << key.toString(QKeySequence::NativeText);
                if (!keys.isEmpty()) table += QStringLiteral("| %1 | %2 |\n").arg(action->text().remove('&'), keys.join(QStringLiteral(", ")));
            }
        showHelpText(tr("Keyboard shortcuts"), table);
    });
    help->addAction(tr("&About eigenscope"), this, [this] {
        QMessageBox::about(this, tr("About eigenscope"),
                           tr("<b>eigenscope %1</b><br>Spectral analysis of sequence models in the Dynamical Systems "
                              "Framework: the eigenvalues of Λ_t of every layer and head.<br>GPL-3.0-or-later")
                               .arg(QStringLiteral(EIGENSCOPE_VERSION)));
    });
}

void MainWindow::showHelpText(const QString& title, const QString& markdown) {
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(title);
    auto* layout = new QVBoxLayout(dialog);
    auto* browser = new QTextBrowser(dialog);
    browser->setObjectName(QStringLiteral("helpText"));
    browser->setOpenExternalLinks(true);
    browser->setMarkdown(markdown);
    layout->addWidget(browser);
    dialog->resize(820, 640);
    dialog->show();
}

BoardWindow* MainWindow::board() {
    if (!board_) board_ = new BoardWindow(session_, this);
    return board_;
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

void MainWindow::onModelChanged() {
    const auto& model = session_->model();
    {
        const QSignalBlocker block(layerChoice_);
        const int previous = layerChoice_->currentIndex();
        layerChoice_->clear();
        layerChoice_->addItem(tr("all"));
        for (size_t l = 0; l < model.spec.blocks.size(); ++l) layerChoice_->addItem(QString::number(l));
        layerChoice_->setCurrentIndex(previous >= 0 && previous < layerChoice_->count() ? previous : 0);
    }
    setWindowTitle(QStringLiteral("eigenscope — ") +
                   (model.file.isEmpty() ? describeShort(model.spec) : QFileInfo(model.file).fileName()));
    if (!model.file.isEmpty() && !QSettings().value("recentFiles").toStringList().startsWith(model.file)) addRecent(model.file);
}

bool MainWindow::openModel(const QString& path, const QString& config) {
    if (!path.startsWith("preset:")) QSettings().setValue("lastDirectory", QFileInfo(path).absolutePath());
    return session_->openModel(path, config);
}

void MainWindow::updateStale() {
    const bool preview = session_->preview();
    staleLabel_->setText(preview ? tr("◔ preview: 1 of %1 sequences").arg(session_->settings().input.batch)
                                 : tr("⚠ earlier result"));
    staleLabel_->setToolTip(preview ? tr("The plots show the current model on a batch of one generated sequence; the "
                                         "whole batch is being analysed and replaces it")
                                    : tr("The plots show an earlier result: the analysis of the current model and input "
                                         "was cancelled or failed"));
    staleLabel_->setVisible(preview || (session_->stale() && !session_->computing()));
}

void MainWindow::refreshPlots() {
    updateStale();
    const auto current = session_->current();
    if (!current) return;
    PlotSource source;
    source.current = current;
    source.currentLabel = session_->currentLabel();
    source.reference = session_->reference();
    source.referenceLabel = session_->referenceLabel();
    source.layer = layerChoice_->currentIndex() - 1;
    source.heads = static_cast<PlotSource::Heads>(headView_->currentIndex());
    source.head = head_->value();
    eigen_->setSource(source);
    bins_->setSource(source);
    impulse_->setSource(source);
    decay_->setSource(source);
    metrics_->setResult(current);
    qint64 points = 0;
    for (const auto& layer : current->layers) points += qint64(layer.eig.size());
    pointsLabel_->setText(tr("%1 eigenvalues%2").arg(points).arg(eigen_->densityMode() ? tr(" (density)") : QString()));
    pointsLabel_->setToolTip(current->inputNote.empty() ? QString()
                                                        : tr("Text input %1").arg(QString::fromStdString(current->inputNote)));
    if (!current->inputNote.empty() && current->inputNote != shownInputNote_)
        statusBar()->showMessage(tr("Text %1: %2 tokens").arg(QString::fromStdString(current->inputNote)).arg(current->seqLen), 8000);
    shownInputNote_ = current->inputNote;
    Q_EMIT resultShown();
}

void MainWindow::setImpulseMap(bool on) { mapToggle_->setChecked(on); }

void MainWindow::setEveryHead() { headView_->setCurrentIndex(int(PlotSource::Heads::All)); }

void MainWindow::showError(const QString& message) {
    errorBanner_->setText(message);
    errorBanner_->setVisible(true);
    statusBar()->showMessage(message, 8000);
}

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
    const QString path = QFileDialog::getSaveFileName(this, title, lastDirectory() + "/" + suggested, filter);
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
        session_->reportError(QString::fromStdString(e.what()));
    }
}

void MainWindow::exportPlots(const QString& path, int dpi) {
    std::vector<const PlotWidget*> all;
    for (auto* p : plots()) all.push_back(p);
    try {
        exportFigure(all, path, dpi);
    } catch (const std::exception& e) {
        session_->reportError(QString::fromStdString(e.what()));
    }
}

void MainWindow::exportReportTo(const QString& path) {
    const auto current = session_->current();
    if (!current) return session_->reportError(tr("%1: there is no result to export yet").arg(path));
    const auto& model = session_->model();
    ReportContent content;
    content.title = tr("eigenscope report: %1").arg(describeShort(model.spec));
    content.summary = tr("Model %1%2. Input %3, B = %4, T = %5, mode %6. Analysis %7 ms.")
                          .arg(describeShort(model.spec))
                          .arg(model.file.isEmpty() ? QString() : tr(" from %1").arg(model.file))
                          .arg(QString::fromStdString(current->input))
                          .arg(current->batch)
                          .arg(current->seqLen)
                          .arg(QString::fromStdString(current->mode))
                          .arg(current->elapsedMs, 0, 'f', 0);
    const QStringList lines = metrics_->toTsv(false).trimmed().split('\n');
    content.metricsHeader = lines.value(0).split('\t');
    for (int i = 1; i < lines.size(); ++i) content.metricsRows.push_back(lines[i].split('\t'));
    content.specJson = QString::fromStdString(specToJson(model.spec).dump(2));
    std::vector<const PlotWidget*> all;
    for (auto* p : plots()) all.push_back(p);
    try {
        exportReport(all, content, path);
        statusBar()->showMessage(tr("Wrote %1").arg(path), 5000);
    } catch (const std::exception& e) {
        session_->reportError(QString::fromStdString(e.what()));
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/splitter", static_cast<QSplitter*>(centralWidget())->saveState());
    session_->cancel();
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
