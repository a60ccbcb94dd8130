#include "panels/board_window.h"

#include "eigenscope/presets.h"
#include "export/figure_export.h"
#include "plots/bins_plot.h"
#include "plots/decay_plot.h"
#include "plots/eigen_plot.h"
#include "plots/impulse_plot.h"
#include "session/board.h"
#include "session/session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace eigenscope::ui {

BoardWindow::BoardWindow(Session* session, QWidget* parent)
    : QWidget(parent, Qt::Window), session_(session), board_(new Board(this)) {
    setWindowTitle(tr("eigenscope — comparison board"));
    auto* layout = new QHBoxLayout(this);
    auto* side = new QVBoxLayout;
    side->addWidget(new QLabel(tr("Models, one per line:"), this));
    sources_ = new QPlainTextEdit(this);
    sources_->setToolTip(tr("preset:NAME, a model file or folder, a run folder (its last snapshot against its first) "
                            "or RUNFOLDER@STEP"));
    sources_->setPlaceholderText(QStringLiteral("preset:cpu-paper-mqar-softmax\npreset:cpu-paper-mqar-mamba2\nruns/m2"));
    side->addWidget(sources_, 1);
    auto* addPreset = new QComboBox(this);
    addPreset->addItem(tr("add a preset…"));
    for (const auto& p : listPresets()) addPreset->addItem(QString::fromStdString(p.name));
    addPreset->setToolTip(tr("Append a built-in model to the list"));
    side->addWidget(addPreset);
    auto* addFile = new QPushButton(tr("Add a model file or run folder…"), this);
    addFile->setToolTip(tr("Append a model folder or run folder to the list"));
    side->addWidget(addFile);
    plot_ = new QComboBox(this);
    plot_->addItems({tr("|λ| bins"), tr("eigenvalues"), tr("memory decay"), tr("impulse response")});
    plot_->setToolTip(tr("The plot every cell shows; all cells share its axes"));
    side->addWidget(plot_);
    withInit_ = new QCheckBox(tr("vs. init (a run: its first snapshot)"), this);
    withInit_->setToolTip(tr("Overlay each model's freshly initialized twin"));
    side->addWidget(withInit_);
    auto* columnsRow = new QHBoxLayout;
    columnsRow->addWidget(new QLabel(tr("columns"), this));
    columns_ = new QSpinBox(this);
    columns_->setRange(1, 8);
    columns_->setValue(3);
    columns_->setToolTip(tr("Cells per row, on screen and in the exported figure"));
    columnsRow->addWidget(columns_);
    side->addLayout(columnsRow);
    auto* run = new QPushButton(tr("Analyse"), this);
    run->setToolTip(tr("Analyse every model on the main window's input, mode and device"));
    side->addWidget(run);
    auto* exportButton = new QPushButton(tr("Export figure…"), this);
    exportButton->setToolTip(tr("The grid as one PNG, SVG or PDF figure"));
    side->addWidget(exportButton);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    side->addWidget(status_);
    layout->addLayout(side, 0);

    auto* area = new QScrollArea(this);
    auto* canvas = new QWidget(area);
    grid_ = new QGridLayout(canvas);
    grid_->setSpacing(4);
    area->setWidget(canvas);
    area->setWidgetResizable(true);
    layout->addWidget(area, 1);
    resize(1500, 950);

    connect(addPreset, &QComboBox::activated, this, [this, addPreset](int index) {
        if (index > 0) sources_->appendPlainText(QStringLiteral("preset:") + addPreset->itemText(index));
        addPreset->setCurrentIndex(0);
    });
    connect(addFile, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("A model folder or run folder"));
        if (!folder.isEmpty()) sources_->appendPlainText(folder);
    });
    connect(run, &QPushButton::clicked, this, &BoardWindow::analyse);
    connect(plot_, &QComboBox::currentIndexChanged, this, &BoardWindow::rebuildCells);
    connect(columns_, &QSpinBox::valueChanged, this, &BoardWindow::rebuildCells);
    connect(withInit_, &QCheckBox::toggled, this, &BoardWindow::analyse);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the board"), QStringLiteral("board.pdf"),
                                                          tr("PDF (*.pdf);;SVG (*.svg);;PNG image (*.png)"));
        if (path.isEmpty()) return;
        try {
            exportTo(path, 200);
        } catch (const std::exception& e) {
            QMessageBox::warning(this, tr("Export failed"), QString::fromStdString(e.what()));
        }
    });
    connect(board_, &Board::progress, this,
            [this](double fraction, const QString& stage) { status_->setText(tr("%1 % %2").arg(int(100 * fraction)).arg(stage)); });
    connect(board_, &Board::finished, this, &BoardWindow::rebuildCells);
}

void BoardWindow::setSources(const QStringList& sources) { sources_->setPlainText(sources.join('\n')); }
void BoardWindow::setPlot(Plot plot) { plot_->setCurrentIndex(int(plot)); }
void BoardWindow::setColumns(int columns) { columns_->setValue(columns); }
int BoardWindow::columns() const { return columns_->value(); }

void BoardWindow::setWithInit(bool on) {
    const QSignalBlocker block(withInit_);
    withInit_->setChecked(on);
}

void BoardWindow::analyse() {
    QStringList sources;
    for (const QString& line : sources_->toPlainText().split('\n'))
        if (!line.trimmed().isEmpty()) sources << line.trimmed();
    if (sources.isEmpty()) return status_->setText(tr("Add models to compare, one per line"));
    status_->setText(tr("analysing %1 models…").arg(sources.size()));
    board_->analyse(sources, session_->settings(), withInit_->isChecked());
}

std::vector<const PlotWidget*> BoardWindow::cells() const { return {cells_.begin(), cells_.end()}; }

void BoardWindow::rebuildCells() {
    for (auto* cell : cells_) delete cell;
    cells_.clear();
    QStringList errors;
    for (const auto& entry : board_->entries()) {
        if (!entry.result) {
            errors << entry.label + ": " + entry.error;
            continue;
        }
        PlotWidget* cell = nullptr;
        PlotSource source;
        source.current = entry.result;
        source.currentLabel = entry.resultLabel;
        source.reference = withInit_->isChecked() ? entry.init : nullptr;
        source.referenceLabel = tr("init");
        switch (Plot(plot_->currentIndex())) {
        case Plot::Bins: {
            auto* p = new BinsPlot;
            p->setSource(source);
            cell = p;
            break;
        }
        case Plot::Eigen: {
            auto* p = new EigenPlot;
            p->setSource(source);
            cell = p;
            break;
        }
        case Plot::Decay: {
            auto* p = new DecayPlot;
            p->setSource(source);
            cell = p;
            break;
        }
        case Plot::Impulse: {
            auto* p = new ImpulsePlot;
            p->setSource(source);
            cell = p;
            break;
        }
        }
        cell->setTitle(entry.label + QStringLiteral(": ") + cell->title());
        cell->setMinimumSize(320, 240);
        cells_.push_back(cell);
        grid_->addWidget(cell, int(cells_.size() - 1) / columns_->value(), int(cells_.size() - 1) % columns_->value());
    }
    shareAxes();
    status_->setText(errors.isEmpty() ? tr("%1 models").arg(cells_.size()) : errors.join('\n'));
    Q_EMIT shown();
}

void BoardWindow::shareAxes() {
    if (cells_.size() < 2) return;
    auto [x, y] = cells_.front()->dataRange();
    for (const auto* cell : cells_) {
        const auto [cx, cy] = cell->dataRange();
        x.lo = std::min(x.lo, cx.lo);
        x.hi = std::max(x.hi, cx.hi);
        y.lo = std::min(y.lo, cy.lo);
        y.hi = std::max(y.hi, cy.hi);
    }
    if (Plot(plot_->currentIndex()) == Plot::Eigen) {  // a square around the widest spectrum
        const double extent = std::max({std::abs(x.lo), std::abs(x.hi), std::abs(y.lo), std::abs(y.hi)});
        x.lo = y.lo = -extent;
        x.hi = y.hi = extent;
    }
    for (auto* cell : cells_) cell->setView(x, y);
}

void BoardWindow::exportTo(const QString& path, int dpi) const {
    exportFigure(cells(), path, dpi, QSize(480, 360), columns_->value());
}

}  // namespace eigenscope::ui
