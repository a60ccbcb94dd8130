#include "panels/training_panel.h"

#include "eigenscope/presets.h"
#include "eigenscope/train.h"

#include "plots/training_chart.h"
#include "session/session.h"
#include "session/training_run.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QUrl>
#include <QFileDialog>
#include <QFileInfo>
#include <QVBoxLayout>

#include <cmath>

namespace eigenscope::ui {

TrainingPanel::TrainingPanel(Session* session, QWidget* parent) : QWidget(parent), session_(session) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* group = new QGroupBox(tr("Training"), this);
    outer->addWidget(group);
    auto* form = new QFormLayout(group);
    task_ = new QLineEdit(QStringLiteral("task:mqar:seq_len=64,kv_pairs=4,vocab=64"), group);
    task_->setToolTip(tr("task:mqar | selective_copy | induction | text:file=… | listops | imdb:dir=… | cifar10:dir=…"));
    steps_ = new QSpinBox(group);
    steps_->setRange(1, 10000000);
    steps_->setValue(1000);
    batch_ = new QSpinBox(group);
    batch_->setRange(1, 4096);
    batch_->setValue(32);
    lr_ = new QDoubleSpinBox(group);
    lr_->setDecimals(7);
    lr_->setRange(1e-5, 1.0);
    lr_->setSingleStep(1e-4);
    lr_->setValue(3e-3);
    snapshotEvery_ = new QSpinBox(group);
    snapshotEvery_->setRange(1, 1000000);
    snapshotEvery_->setValue(100);
    steps_->setToolTip(tr("Optimizer steps (AdamW, linear warmup then cosine decay)"));
    batch_->setToolTip(tr("Sequences per step"));
    lr_->setToolTip(tr("Peak learning rate"));
    snapshotEvery_->setToolTip(tr("Steps between spectrum snapshots (and evaluations) of a fixed probe batch"));
    form->addRow(tr("task"), task_);
    form->addRow(tr("steps"), steps_);
    form->addRow(tr("batch"), batch_);
    form->addRow(tr("learning rate"), lr_);
    form->addRow(tr("snapshot every"), snapshotEvery_);
    auto* buttons = new QHBoxLayout;
    startButton_ = new QPushButton(tr("Start"), group);
    pauseButton_ = new QPushButton(tr("Pause"), group);
    stopButton_ = new QPushButton(tr("Stop"), group);
    startButton_->setToolTip(tr("Train the current model on the task, or resume the paused run"));
    pauseButton_->setToolTip(tr("Stop after this step with a checkpoint; Resume continues the same run"));
    stopButton_->setToolTip(tr("End the run; the next Start begins a new one"));
    buttons->addWidget(startButton_);
    buttons->addWidget(pauseButton_);
    buttons->addWidget(stopButton_);
    form->addRow(buttons);
    progress_ = new QProgressBar(group);
    progress_->setRange(0, 1000);
    status_ = new QLabel(tr("not started"), group);
    status_->setWordWrap(true);
    form->addRow(progress_);
    form->addRow(status_);
    folder_ = new QLabel(group);
    folder_->setWordWrap(true);
    folder_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse);
    folder_->setOpenExternalLinks(true);
    form->addRow(folder_);
    curves_ = new TrainingChart;
    form->addRow(curves_);
    auto* overlayRow = new QHBoxLayout;
    auto* overlay = new QPushButton(tr("Overlay run…"), group);
    overlay->setToolTip(tr("Draw another run's loss and accuracy beside this one (any run folder, also from "
                           "eigenscope-cli train)"));
    auto* clearOverlays = new QPushButton(tr("Clear overlays"), group);
    overlayRow->addWidget(overlay);
    overlayRow->addWidget(clearOverlays);
    form->addRow(overlayRow);
    openModel_ = new QPushButton(tr("Open the run's model"), group);
    openModel_->setToolTip(tr("Make the run's latest checkpoint the current model"));
    openModel_->setEnabled(false);
    form->addRow(openModel_);
    timeline_ = new QSlider(Qt::Horizontal, group);
    timeline_->setRange(0, 0);
    timeline_->setEnabled(false);
    timeline_->setToolTip(tr("The run's spectrum snapshots: the plots show the one chosen, against the first"));
    timelineLabel_ = new QLabel(tr("spectrum: –"), group);
    form->addRow(timelineLabel_, timeline_);
    pauseButton_->setEnabled(false);
    stopButton_->setEnabled(false);

    auto* run = session_->training();
    connect(startButton_, &QPushButton::clicked, this, &TrainingPanel::start);
    connect(session_, &Session::modelChanged, this, &TrainingPanel::followPreset);
    followPreset();
    connect(pauseButton_, &QPushButton::clicked, run, &TrainingRun::pause);
    connect(stopButton_, &QPushButton::clicked, run, &TrainingRun::stop);
    connect(timeline_, &QSlider::valueChanged, this, &TrainingPanel::showTimeline);
    connect(run, &TrainingRun::progressed, this, &TrainingPanel::onProgress);
    connect(run, &TrainingRun::snapshotAdded, this, &TrainingPanel::onSnapshotAdded);
    connect(run, &TrainingRun::reset, this, &TrainingPanel::rebuild);
    connect(run, &TrainingRun::curveChanged, this,
            [this] { curves_->setRun({QFileInfo(session_->training()->shownFolder()).fileName(), session_->training()->curve()}); });
    connect(run, &TrainingRun::stateChanged, this, &TrainingPanel::onStateChanged);
    connect(run, &TrainingRun::failed, this, [this](const QString& error) { status_->setText(error); });
    connect(run, &TrainingRun::overlaysChanged, this, [this] {
        std::vector<TrainingChart::Run> runs;
        for (const auto& o : session_->training()->overlays()) runs.push_back({QFileInfo(o.folder).fileName(), o.curve});
        curves_->setOverlays(runs);
    });
    connect(overlay, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("A run folder to overlay"), session_->training()->shownFolder());
        if (!folder.isEmpty()) session_->training()->overlay(folder);
    });
    connect(clearOverlays, &QPushButton::clicked, run, &TrainingRun::clearOverlays);
    connect(openModel_, &QPushButton::clicked, this, [this] { session_->openModel(session_->training()->modelFile()); });
}

void TrainingPanel::setTask(const QString& task) { task_->setText(task); }
void TrainingPanel::setSteps(int steps) { steps_->setValue(steps); }
void TrainingPanel::setSnapshotEvery(int steps) { snapshotEvery_->setValue(steps); }

void TrainingPanel::followPreset() {
    const auto defaults = trainingDefaults(session_->model().preset.toStdString());
    if (!defaults) {
        lr_->setToolTip(tr("Peak learning rate"));
        weightDecay_ = TrainOptions().weightDecay;
        warmup_ = -1;
        ssmLr_ = 0;
        ssmVars_.clear();
        return;
    }
    ssmLr_ = defaults->ssmLr;
    ssmVars_ = defaults->ssmVars;
    lr_->setValue(defaults->lr);
    weightDecay_ = defaults->weightDecay;
    warmup_ = int(defaults->warmup);
    lr_->setToolTip(tr("Peak learning rate; the preset's %1 with weight decay %2 and %3 (%4)")
                        .arg(defaults->lr)
                        .arg(defaults->weightDecay)
                        .arg(defaults->warmup < 0 ? tr("a warmup of 10 % of the steps") : tr("a warmup of %1 steps").arg(defaults->warmup))
                        .arg(QString::fromStdString(defaults->source)));
}

void TrainingPanel::start() {
    const auto& model = session_->model();
    TrainingRun::Settings settings;
    settings.task = task_->text();
    settings.steps = steps_->value();
    settings.batch = batch_->value();
    settings.lr = lr_->value();
    settings.weightDecay = weightDecay_;
    settings.warmup = warmup_;
    settings.ssmLr = ssmLr_;
    settings.ssmVars = ssmVars_;
    settings.snapshotEvery = snapshotEvery_->value();
    settings.snapshotMode = session_->settings().mode;  // snapshots in the mode the plots show
    status_->setText(session_->training()->resumable() ? tr("resuming…") : tr("starting…"));
    session_->training()->start(model.spec, model.file, model.config, settings);
}

void TrainingPanel::onStateChanged() {
    const auto* run = session_->training();
    openModel_->setEnabled(!run->running() && !run->modelFile().isEmpty());
    startButton_->setEnabled(!run->running());
    startButton_->setText(run->resumable() ? tr("Resume") : tr("Start"));
    pauseButton_->setEnabled(run->running());
    stopButton_->setEnabled(run->running() || run->resumable());
    if (run->resumable()) status_->setText(status_->text() + tr(" — paused; Resume continues"));
}

void TrainingPanel::onProgress(int step, int steps, double loss, double accuracy, double rate) {
    progress_->setValue(int(1000.0 * step / std::max(1, steps)));
    status_->setText(tr("step %1/%2  loss %3  accuracy %4  %5 steps/s")
                         .arg(step).arg(steps).arg(loss, 0, 'f', 4)
                         .arg(std::isnan(accuracy) ? QStringLiteral("–") : QString::number(accuracy, 'f', 3))
                         .arg(rate, 0, 'f', 1));
    curves_->add(session_->training()->curve().back());  // the point this progress report added
}

void TrainingPanel::rebuild() {
    const auto* run = session_->training();
    const QString folder = run->shownFolder();
    if (!run->running() && !folder.isEmpty())
        status_->setText(run->following() ? tr("following a training that another program runs…")
                         : run->curve().empty() ? tr("opened run")
                                                : tr("opened run: step %1, %2 snapshots")
                                                      .arg(run->curve().back().step)
                                                      .arg(run->snapshots().size()));
    folder_->setText(folder.isEmpty() ? QString()
                                      : tr("run folder: <a href=\"%1\">%2</a>")
                                            .arg(QUrl::fromLocalFile(folder).toString(), folder.toHtmlEscaped()));
    curves_->setRun({QFileInfo(folder).fileName(), session_->training()->curve()});
    const int count = int(session_->training()->snapshots().size());
    {
        const QSignalBlocker block(timeline_);
        timeline_->setRange(0, std::max(0, count - 1));
        timeline_->setValue(timeline_->maximum());
    }
    timeline_->setEnabled(count > 0);
    timelineLabel_->setText(tr("spectrum: –"));
    if (count > 0) showTimeline(timeline_->maximum());
}

void TrainingPanel::onSnapshotAdded() {
    const bool following = timeline_->value() == timeline_->maximum();
    const int count = int(session_->training()->snapshots().size());
    timeline_->setEnabled(true);
    {
        const QSignalBlocker block(timeline_);
        timeline_->setRange(0, count - 1);
        if (following) timeline_->setValue(timeline_->maximum());
    }
    if (following) showTimeline(timeline_->maximum());  // the plots follow the run live
}

void TrainingPanel::showTimeline(int index) {
    const auto& snapshots = session_->training()->snapshots();
    if (index < 0 || index >= int(snapshots.size())) return;
    const auto& chosen = snapshots[size_t(index)];
    timelineLabel_->setText(tr("spectrum: step %1").arg(chosen.step));
    session_->showResult(chosen.result, snapshots.front().result, tr("step %1").arg(chosen.step),
                         tr("step %1").arg(snapshots.front().step));
}

}  // namespace eigenscope::ui
