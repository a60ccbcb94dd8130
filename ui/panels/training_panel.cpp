#include "panels/training_panel.h"

#include "plots/plot_widget.h"
#include "session/session.h"
#include "session/training_run.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPainterPath>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace eigenscope::ui {

// Training loss and evaluation accuracy over the steps, on a log axis.
class TrainingCurves : public PlotWidget {
public:
    TrainingCurves() : PlotWidget(QObject::tr("Training")) { setMinimumHeight(170); }
    void clear() {
        loss_.clear();
        accuracy_.clear();
        dataReplaced();
    }
    void add(int step, double loss, double accuracy) {
        if (std::isfinite(loss) && loss > 0) loss_.emplace_back(step, loss);
        if (std::isfinite(accuracy) && accuracy > 0 && (accuracy_.empty() || accuracy_.back().first != step))
            accuracy_.emplace_back(step, accuracy);
        dataReplaced();
    }
    qint64 pointCount() const override { return qint64(loss_.size() + accuracy_.size()); }

protected:
    bool hasData() const override { return !loss_.empty(); }
    void dataAxes(Axis& x, Axis& y) const override {
        double lo = 1e-3, hi = 1.0;
        for (const auto* series : {&loss_, &accuracy_})
            for (const auto& [step, v] : *series) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        x = {0, std::max(1.0, double(loss_.empty() ? 1 : loss_.back().first)), false, QObject::tr("step")};
        y = {lo / 1.5, hi * 1.5, true, QObject::tr("loss, accuracy")};
    }
    void paintData(QPainter& painter, const Frame& frame) const override {
        for (const auto& [series, colour] : {std::pair{&loss_, categoricalColour(3)}, std::pair{&accuracy_, categoricalColour(2)}}) {
            QPainterPath path;
            for (size_t i = 0; i < series->size(); ++i) {
                const QPointF p = frame.toPixel((*series)[i].first, (*series)[i].second);
                if (i == 0) path.moveTo(p);
                else path.lineTo(p);
            }
            painter.setPen(QPen(colour, 1.6));
            painter.drawPath(path);
        }
    }
    std::vector<LegendEntry> legend() const override {
        return {{QObject::tr("training loss"), categoricalColour(3)}, {QObject::tr("evaluation accuracy"), categoricalColour(2)}};
    }

private:
    std::vector<std::pair<int, double>> loss_, accuracy_;
};

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
    lr_->setDecimals(5);
    lr_->setRange(1e-5, 1.0);
    lr_->setSingleStep(1e-4);
    lr_->setValue(3e-3);
    snapshotEvery_ = new QSpinBox(group);
    snapshotEvery_->setRange(1, 1000000);
    snapshotEvery_->setValue(100);
    form->addRow(tr("task"), task_);
    form->addRow(tr("steps"), steps_);
    form->addRow(tr("batch"), batch_);
    form->addRow(tr("learning rate"), lr_);
    form->addRow(tr("snapshot every"), snapshotEvery_);
    auto* buttons = new QHBoxLayout;
    startButton_ = new QPushButton(tr("Start"), group);
    pauseButton_ = new QPushButton(tr("Pause"), group);
    stopButton_ = new QPushButton(tr("Stop"), group);
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
    curves_ = new TrainingCurves;
    form->addRow(curves_);
    timeline_ = new QSlider(Qt::Horizontal, group);
    timeline_->setRange(0, 0);
    timeline_->setEnabled(false);
    timelineLabel_ = new QLabel(tr("spectrum: –"), group);
    form->addRow(timelineLabel_, timeline_);
    pauseButton_->setEnabled(false);
    stopButton_->setEnabled(false);

    auto* run = session_->training();
    connect(startButton_, &QPushButton::clicked, this, &TrainingPanel::start);
    connect(pauseButton_, &QPushButton::clicked, run, &TrainingRun::pause);
    connect(stopButton_, &QPushButton::clicked, run, &TrainingRun::stop);
    connect(timeline_, &QSlider::valueChanged, this, &TrainingPanel::showTimeline);
    connect(run, &TrainingRun::progressed, this, &TrainingPanel::onProgress);
    connect(run, &TrainingRun::snapshotAdded, this, &TrainingPanel::onSnapshotAdded);
    connect(run, &TrainingRun::reset, this, &TrainingPanel::rebuild);
    connect(run, &TrainingRun::stateChanged, this, &TrainingPanel::onStateChanged);
    connect(run, &TrainingRun::failed, this, [this](const QString& error) { status_->setText(error); });
}

void TrainingPanel::setTask(const QString& task) { task_->setText(task); }
void TrainingPanel::setSteps(int steps) { steps_->setValue(steps); }
void TrainingPanel::setSnapshotEvery(int steps) { snapshotEvery_->setValue(steps); }

void TrainingPanel::start() {
    const auto& model = session_->model();
    TrainingRun::Settings settings;
    settings.task = task_->text();
    settings.steps = steps_->value();
    settings.batch = batch_->value();
    settings.lr = lr_->value();
    settings.snapshotEvery = snapshotEvery_->value();
    status_->setText(session_->training()->resumable() ? tr("resuming…") : tr("starting…"));
    session_->training()->start(model.spec, model.file, model.config, settings);
}

void TrainingPanel::onStateChanged() {
    const auto* run = session_->training();
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
    curves_->add(step, loss, accuracy);
}

void TrainingPanel::rebuild() {
    curves_->clear();
    for (const auto& p : session_->training()->curve()) curves_->add(p.step, p.loss, p.accuracy);
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
