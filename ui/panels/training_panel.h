// Training from the window: task and hyperparameters, start/pause/stop, progress, live loss and accuracy, and a
// timeline over the spectrum snapshots taken while training. The run happens on a thread of its own (core's
// train()); snapshots are analyses of a fixed probe batch, handed to the window to draw.
#pragma once

#include "eigenscope/analysis.h"
#include "eigenscope/model_spec.h"

#include <QWidget>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

class QLabel;
class QLineEdit;
class QDoubleSpinBox;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;

namespace eigenscope::ui {

class TrainingCurves;

class TrainingPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPanel(QWidget* parent = nullptr);
    ~TrainingPanel() override;

    // The model to train: a spec (fresh weights) or a model file with its config.
    void setModel(const ModelSpec& spec, const QString& file, const QString& config);
    void setTask(const QString& task);
    void setSteps(int steps);
    void setSnapshotEvery(int steps);
    void start();
    void pause();  // stops after the current step with a checkpoint; start() resumes
    void stop();   // ends the run; the next start() begins a new one
    bool running() const { return running_; }
    int snapshotCount() const { return int(snapshots_.size()); }
    QSlider* timeline() const { return timeline_; }
    QString runFolder() const { return runFolder_; }

Q_SIGNALS:
    // A snapshot to draw (the latest while training follows live, or the one the timeline points at), with the
    // first snapshot of the run as the reference ("init").
    void snapshotChosen(std::shared_ptr<const eigenscope::AnalysisResult> snapshot,
                        std::shared_ptr<const eigenscope::AnalysisResult> init, int step);
    void failed(const QString& message);
    void finished();

private:
    void launch(bool resume);
    void onProgress(int step, int steps, double loss, double accuracy, double rate);
    void onSnapshot(int step, std::shared_ptr<const AnalysisResult> result);
    void onDone(const QString& error);
    void showTimeline(int index);

    ModelSpec spec_;
    QString file_, config_, runFolder_;
    std::thread thread_;
    std::atomic<bool> cancel_{false};
    bool running_ = false;
    bool stopAfterRun_ = false;
    std::vector<std::pair<int, std::shared_ptr<const AnalysisResult>>> snapshots_;

    QLineEdit* task_ = nullptr;
    QSpinBox* steps_ = nullptr;
    QSpinBox* batch_ = nullptr;
    QSpinBox* snapshotEvery_ = nullptr;
    QDoubleSpinBox* lr_ = nullptr;
    QPushButton* startButton_ = nullptr;
    QPushButton* pauseButton_ = nullptr;
    QPushButton* stopButton_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    QSlider* timeline_ = nullptr;
    QLabel* timelineLabel_ = nullptr;
    TrainingCurves* curves_ = nullptr;
};

}  // namespace eigenscope::ui
