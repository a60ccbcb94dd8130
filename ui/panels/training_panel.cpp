#include "panels/training_panel.h"

#include "eigenscope/model.h"
#include "eigenscope/train.h"
#include "plots/plot_widget.h"

#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMetaObject>
#include <QPainter>
#include <QPainterPath>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
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

TrainingPanel::TrainingPanel(QWidget* parent) : QWidget(parent) {
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

    connect(startButton_, &QPushButton::clicked, this, &TrainingPanel::start);
    connect(pauseButton_, &QPushButton::clicked, this, &TrainingPanel::pause);
    connect(stopButton_, &QPushButton::clicked, this, &TrainingPanel::stop);
    connect(timeline_, &QSlider::valueChanged, this, &TrainingPanel::showTimeline);
}

TrainingPanel::~TrainingPanel() {
    cancel_ = true;
    if (thread_.joinable()) thread_.join();
}

void TrainingPanel::setModel(const ModelSpec& spec, const QString& file, const QString& config) {
    spec_ = spec;
    file_ = file;
    config_ = config;
}

void TrainingPanel::setTask(const QString& task) { task_->setText(task); }
void TrainingPanel::setSteps(int steps) { steps_->setValue(steps); }
void TrainingPanel::setSnapshotEvery(int steps) { snapshotEvery_->setValue(steps); }

void TrainingPanel::start() {
    if (running_) return;
    const bool resume = !runFolder_.isEmpty();  // paused: continue the same run
    if (!resume) {
        const QString base = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + "/runs";
        runFolder_ = base + "/" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss-zzz");
        snapshots_.clear();
        curves_->clear();
        timeline_->setRange(0, 0);
    }
    launch(resume);
}

void TrainingPanel::pause() { cancel_ = true; }

void TrainingPanel::stop() {
    cancel_ = true;
    if (!running_) runFolder_.clear();
    else stopAfterRun_ = true;
}

void TrainingPanel::launch(bool resume) {
    if (thread_.joinable()) thread_.join();
    cancel_ = false;
    running_ = true;
    startButton_->setEnabled(false);
    pauseButton_->setEnabled(true);
    stopButton_->setEnabled(true);
    status_->setText(resume ? tr("resuming…") : tr("starting…"));
    TrainOptions o;
    o.task = task_->text().toStdString();
    o.steps = steps_->value();
    o.batch = batch_->value();
    o.lr = lr_->value();
    o.evalEvery = std::max(1, snapshotEvery_->value());
    o.snapshotEvery = snapshotEvery_->value();
    o.out = runFolder_.toStdString();
    o.resume = resume;
    const ModelSpec spec = spec_;
    const std::string file = file_.toStdString(), config = config_.toStdString();
    const int snapshotEvery = snapshotEvery_->value();
    QPointer<TrainingPanel> self(this);
    thread_ = std::thread([self, o, spec, file, config, snapshotEvery, this] {
        QString error;
        try {
            Model model = file.empty() ? Model::fromSpec(spec) : Model::open(file, OpenOptions{config});
            InputSpec probe = parseInputSpec(o.task);
            probe.batch = 8;
            probe.seed = 7;
            AnalysisOptions analysis;
            analysis.impulseSources = {0};
            const auto snapshot = [&](int step) {
                auto result = std::make_shared<const AnalysisResult>(analyze(model, probe, analysis));
                QMetaObject::invokeMethod(self, [self, step, result] { if (self) self->onSnapshot(step, result); }, Qt::QueuedConnection);
            };
            if (!o.resume) snapshot(0);
            train(model, o,
                  [&](const TrainProgress& p) {
                      QMetaObject::invokeMethod(self, [self, p] {
                          if (self) self->onProgress(int(p.step), int(p.steps), p.loss, p.accuracy, p.stepsPerSecond);
                      }, Qt::QueuedConnection);
                      // The same thread trains and analyses, so the snapshot sees the weights of this step.
                      if (p.step % snapshotEvery == 0 || p.step == p.steps) snapshot(int(p.step));
                  },
                  &cancel_);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(self, [self, error] { if (self) self->onDone(error); }, Qt::QueuedConnection);
    });
}

void TrainingPanel::onProgress(int step, int steps, double loss, double accuracy, double rate) {
    progress_->setValue(int(1000.0 * step / std::max(1, steps)));
    status_->setText(tr("step %1/%2  loss %3  accuracy %4  %5 steps/s")
                         .arg(step).arg(steps).arg(loss, 0, 'f', 4)
                         .arg(std::isnan(accuracy) ? QStringLiteral("–") : QString::number(accuracy, 'f', 3))
                         .arg(rate, 0, 'f', 1));
    curves_->add(step, loss, accuracy);
}

void TrainingPanel::onSnapshot(int step, std::shared_ptr<const AnalysisResult> result) {
    const bool following = timeline_->value() == timeline_->maximum();
    snapshots_.emplace_back(step, std::move(result));
    timeline_->setEnabled(true);
    {
        const QSignalBlocker block(timeline_);
        timeline_->setRange(0, int(snapshots_.size()) - 1);
        if (following) timeline_->setValue(timeline_->maximum());
    }
    if (following) showTimeline(timeline_->maximum());  // the plots follow the run live
}

void TrainingPanel::showTimeline(int index) {
    if (index < 0 || index >= int(snapshots_.size())) return;
    timelineLabel_->setText(tr("spectrum: step %1").arg(snapshots_[size_t(index)].first));
    Q_EMIT snapshotChosen(snapshots_[size_t(index)].second, snapshots_.front().second, snapshots_[size_t(index)].first);
}

void TrainingPanel::onDone(const QString& error) {
    running_ = false;
    if (thread_.joinable()) thread_.join();
    startButton_->setEnabled(true);
    pauseButton_->setEnabled(false);
    stopButton_->setEnabled(!runFolder_.isEmpty() && !stopAfterRun_);
    if (!error.isEmpty()) {
        status_->setText(error);
        runFolder_.clear();
        Q_EMIT failed(error);
    } else if (cancel_ && !stopAfterRun_) {
        status_->setText(status_->text() + tr(" — paused; Start resumes"));
    }
    if (stopAfterRun_ || !cancel_) {
        runFolder_.clear();  // the next Start begins a new run
        stopAfterRun_ = false;
        stopButton_->setEnabled(false);
    }
    Q_EMIT finished();
}

}  // namespace eigenscope::ui
