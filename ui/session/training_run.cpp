#include "session/training_run.h"

#include "eigenscope/analysis_export.h"
#include "eigenscope/model.h"
#include "eigenscope/train.h"
#include "session/worker.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QMetaObject>
#include <QFileSystemWatcher>
#include <QStandardPaths>
#include <QTimer>

#include <cmath>

namespace eigenscope::ui {

namespace {

std::vector<TrainingRun::Point> curveOf(const RunFolder& run) {
    std::vector<TrainingRun::Point> curve;
    for (const auto& row : run.metrics) curve.push_back({int(row.step), row.trainLoss, row.evalAccuracy, row.lr});
    return curve;
}

struct OpenedRun {
    RunFolder run;
    std::vector<TrainingRun::Snapshot> snapshots;
};

// The run has logged its last step and written what follows that row: the final snapshot, then the checkpoint
// that "latest" names (the trainer's order), so a reader that sees it misses nothing.
bool runIsComplete(const RunFolder& run) {
    if (run.metrics.empty() || run.metrics.back().step < run.options.steps) return false;
    return QFileInfo(QString::fromStdString(run.model)).dir().dirName() == QStringLiteral("checkpoint-%1").arg(run.metrics.back().step);
}

}  // namespace

TrainingRun::TrainingRun(QObject* parent)
    : QObject(parent),
      worker_(std::make_unique<Worker>(Worker::Policy::Queue)),
      reader_(std::make_unique<Worker>(Worker::Policy::Queue)),
      refreshTimer_(new QTimer(this)) {
    refreshTimer_->setSingleShot(true);
    refreshTimer_->setInterval(200);
    connect(refreshTimer_, &QTimer::timeout, this, &TrainingRun::refresh);
}

TrainingRun::~TrainingRun() = default;

void TrainingRun::start(const ModelSpec& spec, const QString& file, const QString& config, const Settings& settings) {
    if (running_) return;
    stopFollowing();
    if (resumable()) {
        runOptions_.resume = true;
        return launch(runSpec_, QString(), QString(), runOptions_);
    }
    const QString base = settings.runsFolder.isEmpty()
                             ? QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + "/runs"
                             : settings.runsFolder;
    folder_ = base + "/" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss-zzz");
    freshRun_ = true;
    TrainOptions o;
    o.task = settings.task.toStdString();
    o.steps = settings.steps;
    o.batch = settings.batch;
    o.lr = settings.lr;
    o.weightDecay = settings.weightDecay;
    o.warmup = settings.warmup;
    o.ssmLr = settings.ssmLr;
    o.ssmVars = settings.ssmVars;
    o.evalEvery = std::max(1, settings.snapshotEvery);
    o.snapshotEvery = settings.snapshotEvery;
    o.snapshotMode = settings.snapshotMode.toStdString();
    o.out = folder_.toStdString();
    launch(spec, file, config, o);
}

void TrainingRun::launch(const ModelSpec& spec, const QString& file, const QString& config, const TrainOptions& o) {
    running_ = true;
    stopRequested_ = false;
    runSpec_ = spec;
    runOptions_ = o;
    Q_EMIT stateChanged();
    const std::string weights = file.endsWith(".json", Qt::CaseInsensitive) ? std::string() : file.toStdString();
    worker_->submit(
        [this, o, spec, weights, config = config.toStdString()](const Worker::Context& context) {
            QDir().mkpath(QString::fromStdString(o.out));
            Model model = weights.empty() ? Model::fromSpec(spec) : Model::open(weights, OpenOptions{config});
            const auto progress = [this](const TrainProgress& p) {
                QMetaObject::invokeMethod(this, [this, p] {
                    beginShowing();
                    curve_.push_back({int(p.step), p.loss, p.accuracy, p.lr});
                    Q_EMIT progressed(int(p.step), int(p.steps), p.loss, p.accuracy, p.stepsPerSecond);
                }, Qt::QueuedConnection);
            };
            const auto snapshot = [this](int64_t step, std::shared_ptr<const AnalysisResult> result) {
                QMetaObject::invokeMethod(this, [this, step, result] {
                    beginShowing();
                    snapshots_.push_back({int(step), result});
                    Q_EMIT snapshotAdded();
                }, Qt::QueuedConnection);
            };
            train(model, o, progress, &context.cancel, snapshot);
            return readRunFolder(o.out).model;  // the checkpoint it ended with
        },
        [this](const Worker::Outcome& outcome) {
            running_ = false;
            freshRun_ = false;
            if (outcome.value.has_value()) modelFile_ = QString::fromStdString(std::any_cast<std::string>(outcome.value));
            const bool paused = outcome.cancelled && !stopRequested_ && outcome.error.isEmpty();
            if (!paused) folder_.clear();  // finished, stopped or failed: the next start begins a new run
            if (!outcome.error.isEmpty()) Q_EMIT failed(outcome.error);
            Q_EMIT stateChanged();
            Q_EMIT finished();
        });
}

void TrainingRun::beginShowing() {
    if (!freshRun_) return;
    freshRun_ = false;
    snapshots_.clear();
    curve_.clear();
    shownFolder_ = folder_;
    Q_EMIT reset();
}

void TrainingRun::pause() {
    if (running_) worker_->cancel();
}

void TrainingRun::stop() {
    if (running_) {
        stopRequested_ = true;
        worker_->cancel();
    } else {
        folder_.clear();
        Q_EMIT stateChanged();
    }
}

void TrainingRun::open(const QString& folder) {
    if (running_) return Q_EMIT failed(tr("%1: a run is training; pause or stop it first").arg(folder));
    stopFollowing();
    reader_->submit(
        [folder](const Worker::Context& context) {
            OpenedRun out;
            out.run = readRunFolder(folder.toStdString());
            for (const auto& [step, path] : out.run.snapshots) {
                if (context.cancel) throw Cancelled();
                out.snapshots.push_back({int(step), std::make_shared<const AnalysisResult>(readAnalysisNpz(path))});
            }
            return out;
        },
        [this, folder](const Worker::Outcome& outcome) {
            if (!outcome.error.isEmpty()) return Q_EMIT failed(outcome.error);
            if (outcome.cancelled) return;
            const auto opened = std::any_cast<OpenedRun>(outcome.value);
            snapshots_ = opened.snapshots;
            curve_.clear();
            curve_ = curveOf(opened.run);
            const bool unfinished = !opened.run.metrics.empty() && opened.run.metrics.back().step < opened.run.options.steps &&
                                    !opened.run.model.empty();
            folder_ = unfinished ? folder : QString();
            shownFolder_ = folder;
            modelFile_ = QString::fromStdString(opened.run.model);
            runSpec_ = opened.run.spec;
            runOptions_ = opened.run.options;
            if (!runIsComplete(opened.run)) follow(folder);
            Q_EMIT reset();
            Q_EMIT stateChanged();
        });
}

void TrainingRun::follow(const QString& folder) {
    watcher_ = new QFileSystemWatcher(this);
    QDir().mkpath(folder + "/snapshots");
    watcher_->addPaths({folder, folder + "/snapshots", folder + "/metrics.csv"});
    connect(watcher_, &QFileSystemWatcher::directoryChanged, refreshTimer_, qOverload<>(&QTimer::start));
    connect(watcher_, &QFileSystemWatcher::fileChanged, refreshTimer_, qOverload<>(&QTimer::start));
}

void TrainingRun::stopFollowing() {
    delete watcher_;
    watcher_ = nullptr;
    refreshTimer_->stop();
}

void TrainingRun::refresh() {
    if (!watcher_) return;
    const QString folder = shownFolder_;
    int known = snapshots_.empty() ? -1 : snapshots_.back().step;
    reader_->submit(
        [folder, known](const Worker::Context&) {
            OpenedRun out;
            out.run = readRunFolder(folder.toStdString());
            for (const auto& [step, path] : out.run.snapshots)
                if (step > known) out.snapshots.push_back({int(step), std::make_shared<const AnalysisResult>(readAnalysisNpz(path))});
            return out;
        },
        [this, folder](const Worker::Outcome& outcome) {
            if (!watcher_ || folder != shownFolder_) return;  // stopped following meanwhile
            if (!outcome.error.isEmpty() || outcome.cancelled) return;  // a file caught mid-write: the next change reads it
            const auto update = std::any_cast<OpenedRun>(outcome.value);
            curve_ = curveOf(update.run);
            modelFile_ = QString::fromStdString(update.run.model);
            Q_EMIT curveChanged();
            for (const auto& snapshot : update.snapshots) {
                if (!snapshots_.empty() && snapshot.step <= snapshots_.back().step) continue;
                snapshots_.push_back(snapshot);
                Q_EMIT snapshotAdded();
            }
            if (runIsComplete(update.run)) {
                stopFollowing();
                folder_.clear();  // finished: nothing to resume
                Q_EMIT stateChanged();
            }
        });
}

void TrainingRun::overlay(const QString& folder) {
    reader_->submit([folder](const Worker::Context&) { return readRunFolder(folder.toStdString()); },
                    [this, folder](const Worker::Outcome& outcome) {
                        if (!outcome.error.isEmpty()) return Q_EMIT failed(outcome.error);
                        if (outcome.cancelled) return;
                        overlays_.push_back({folder, curveOf(std::any_cast<RunFolder>(outcome.value))});
                        Q_EMIT overlaysChanged();
                    });
}

void TrainingRun::clearOverlays() {
    overlays_.clear();
    Q_EMIT overlaysChanged();
}

}  // namespace eigenscope::ui
