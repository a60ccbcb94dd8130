// A training run from the window: started on the session's model, paused (a checkpoint; start resumes), stopped,
// or opened from any run folder (`eigenscope-cli train` writes the same ones). It runs core's train() on a Worker of
// its own; the spectrum snapshots it keeps are the very analyses the run writes to disk.
#pragma once

#include "eigenscope/analysis.h"
#include "eigenscope/model_spec.h"
#include "eigenscope/train.h"

#include <QObject>
#include <QString>

#include <memory>
#include <vector>

class QFileSystemWatcher;
class QTimer;

namespace eigenscope::ui {

class Worker;

class TrainingRun : public QObject {
    Q_OBJECT
public:
    struct Settings {
        QString task = QStringLiteral("task:mqar:seq_len=64,kv_pairs=4,vocab=64");
        int steps = 1000;
        int batch = 32;
        double lr = 3e-3;
        double weightDecay = 0.1;
        int warmup = -1;  // −1: 10 % of the steps
        double ssmLr = 0;  // the preset's rate for its SSM variables (Adam, no weight decay); 0: none
        std::vector<std::string> ssmVars;
        int snapshotEvery = 100;
        QString snapshotMode = QStringLiteral("corrected");  // corrected | paper
        QString runsFolder;  // where new runs are created; empty: the application's data folder
    };
    struct Snapshot {
        int step;
        std::shared_ptr<const AnalysisResult> result;
    };
    struct Point {
        int step;
        double loss, accuracy, lr;  // NaN when the step has none
    };
    // Another run's curves, drawn beside the shown one.
    struct Overlay {
        QString folder;
        std::vector<Point> curve;
    };

    explicit TrainingRun(QObject* parent = nullptr);
    ~TrainingRun() override;

    // Starts a new run of the model (`file` empty: fresh weights from `spec`), or resumes the paused one.
    void start(const ModelSpec& spec, const QString& file, const QString& config, const Settings& settings);
    void pause();  // stops after the current step with a checkpoint; start() resumes
    void stop();   // ends the run; the next start() begins a new one
    // Reads a run folder off the GUI thread: its curves and snapshots replace the shown ones; an unfinished run can
    // be resumed with start(). While another process (eigenscope-cli train) writes to an unfinished run, the
    // curves and snapshots follow it.
    void open(const QString& folder);
    bool following() const { return watcher_ != nullptr; }
    // Reads a run folder's curves to draw them beside the shown run's; clearOverlays() removes them all.
    void overlay(const QString& folder);
    void clearOverlays();
    const std::vector<Overlay>& overlays() const { return overlays_; }

    bool running() const { return running_; }
    bool resumable() const { return !folder_.isEmpty() && !running_; }
    // The run that start() resumes; empty when the next start() begins a new one.
    QString folder() const { return folder_; }
    // The folder of the run whose curves and snapshots are shown, and its latest checkpoint's model file.
    QString shownFolder() const { return shownFolder_; }
    QString modelFile() const { return modelFile_; }
    const std::vector<Snapshot>& snapshots() const { return snapshots_; }
    const std::vector<Point>& curve() const { return curve_; }

Q_SIGNALS:
    void progressed(int step, int steps, double loss, double accuracy, double stepsPerSecond);
    void snapshotAdded();
    void reset();         // curves and snapshots were replaced (a new run, or an opened folder)
    void curveChanged();  // the followed run wrote more metrics
    void overlaysChanged();
    void stateChanged();  // running, paused, finished
    void failed(const QString& message);
    void finished();      // the run ended, paused or stopped

private:
    void launch(const ModelSpec& spec, const QString& file, const QString& config, const TrainOptions& options);
    void beginShowing();  // a fresh run's first data: the previous run's curves and snapshots go
    void follow(const QString& folder);  // watch a run another process writes
    void stopFollowing();
    void refresh();  // read what the followed run wrote since

    std::unique_ptr<Worker> worker_;  // the training
    std::unique_ptr<Worker> reader_;  // run folders, so that reading one never waits for a training
    bool running_ = false, stopRequested_ = false;
    bool freshRun_ = false;  // a new run's first data replaces the shown run's (a failed start keeps it)
    QString folder_, shownFolder_, modelFile_;
    QFileSystemWatcher* watcher_ = nullptr;
    QTimer* refreshTimer_ = nullptr;  // coalesces the watcher's bursts
    ModelSpec runSpec_;        // what the run trains and how, for resuming it
    TrainOptions runOptions_;
    std::vector<Snapshot> snapshots_;
    std::vector<Point> curve_;
    std::vector<Overlay> overlays_;
};

}  // namespace eigenscope::ui
