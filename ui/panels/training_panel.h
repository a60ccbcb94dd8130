// Training from the window: task and hyperparameters, start/pause/stop, progress, live loss and accuracy, and a
// timeline over the run's spectrum snapshots. Bound to the Session's TrainingRun: the snapshots on the timeline are
// the analyses the run saves, and choosing one shows it in the session's plots against the run's first snapshot.
#pragma once

#include <QWidget>

#include <string>
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

class Session;
class TrainingChart;

class TrainingPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPanel(Session* session, QWidget* parent = nullptr);

    void setTask(const QString& task);
    void setSteps(int steps);
    void setSnapshotEvery(int steps);
    void start();
    QSlider* timeline() const { return timeline_; }
    TrainingChart* chart() const { return curves_; }

private:
    void onProgress(int step, int steps, double loss, double accuracy, double rate);
    void onSnapshotAdded();
    void onStateChanged();
    void rebuild();  // curves and timeline from the run (a new run, an opened folder)
    void showTimeline(int index);
    void followPreset();  // a preset's training settings when the model is one

    Session* session_;
    QLineEdit* task_ = nullptr;
    QSpinBox* steps_ = nullptr;
    QSpinBox* batch_ = nullptr;
    QSpinBox* snapshotEvery_ = nullptr;
    QDoubleSpinBox* lr_ = nullptr;
    double weightDecay_ = 0.1;
    int warmup_ = -1;
    double ssmLr_ = 0;
    std::vector<std::string> ssmVars_;
    QPushButton* startButton_ = nullptr;
    QPushButton* pauseButton_ = nullptr;
    QPushButton* stopButton_ = nullptr;
    QPushButton* openModel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* folder_ = nullptr;
    QSlider* timeline_ = nullptr;
    QLabel* timelineLabel_ = nullptr;
    TrainingChart* curves_ = nullptr;
};

}  // namespace eigenscope::ui
