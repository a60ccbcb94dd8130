// The application window: architecture and input panels, the four linked plots, the metrics table, compare
// mode, export, undo for architecture edits. Analyses run in an AnalysisWorker; the GUI thread never waits.
#pragma once

#include "plots/plot_source.h"
#include "session/analysis_worker.h"

#include <QElapsedTimer>
#include <QMainWindow>

#include <functional>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QUndoStack;

namespace eigenscope::ui {

class ArchitecturePanel;
class BinsPlot;
class DecayPlot;
class EigenPlot;
class ImpulsePlot;
class InputPanel;
class MetricsPanel;
class PlotWidget;
class TrainingPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens "preset:NAME" or a model spec at once; any other model file (native, Hugging Face, a checkpoint of
    // the reference code with its YAML `config`) is read off the GUI thread and shown when ready. On failure
    // the error is shown and the current model stays. Returns false when the request fails immediately.
    bool openModel(const QString& path, const QString& config = QString());
    // Writes the current model as a native .safetensors file, off the GUI thread.
    void saveModel(const QString& path);
    bool loading() const { return loading_ > 0; }

    // What an undo step restores: the spec and the model file (with its config) its weights come from.
    struct ModelState {
        ModelSpec spec;
        QString file, config;
    };
    void setSpec(const ModelSpec& spec, const QString& description);
    void recompute();
    void cancelComputation();

    // The widgets and state, for tests and the latency benchmark.
    ArchitecturePanel* architecturePanel() const { return architecture_; }
    InputPanel* inputPanel() const { return input_; }
    MetricsPanel* metricsPanel() const { return metrics_; }
    TrainingPanel* trainingPanel() const { return training_; }
    // Scrolls the side panel to the training controls.
    void revealTraining();
    std::vector<PlotWidget*> plots() const;
    QUndoStack* undoStack() const { return undo_; }
    const ModelSpec& spec() const { return spec_; }
    std::shared_ptr<const AnalysisResult> currentResult() const { return current_; }
    QString lastError() const { return lastError_; }
    // True until the outcome of the latest request has been handled (shown, reported or cancelled).
    bool computing() const { return handledId_ < latestSubmitted_; }
    void setCompareMode(const QString& mode);  // none | init | pinned
    void pinCurrent();
    void setImpulseMap(bool on);
    void exportPlots(const QString& path, int dpi = 200);
    void exportData(const QString& path);  // .json, .npz or a directory for CSV
    void exportReportTo(const QString& path);

Q_SIGNALS:
    // After a result has replaced the data of every plot and the table.
    void resultShown(quint64 id);
    void errorShown(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    QWidget* buildPlotArea();
    void applySpec(const ModelSpec& spec);
    void pushModelState(ModelState after, const QString& description, int mergeKey);
    void showOpened(const QString& path, const QString& config, const ModelSpec& spec, const QStringList& warnings);
    void runInBackground(std::function<void()> work, std::function<void(const QString& error)> done);
    void onSpecEdited(const ModelSpec& spec, const QString& description, int mergeKey);
    void onFinished(const AnalysisOutcome& outcome);
    void refreshPlots();
    void showError(const QString& message);
    void clearError();
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void toggleEnlarged(PlotWidget* plot);
    void exportPlotDialog(const std::vector<const PlotWidget*>& plots);
    void applyTheme(const QString& theme);
    void updateLayerChoices();
    QString chooseSavePath(const QString& title, const QString& filter, const QString& suggested);

    ModelSpec spec_;
    QString modelFile_;    // the file the weights come from; empty for a spec built in the editor
    QString modelConfig_;  // the reference code's YAML config of modelFile_, when it needs one
    int loading_ = 0;
    std::unique_ptr<AnalysisWorker> worker_;
    quint64 latestSubmitted_ = 0, shownId_ = 0, handledId_ = 0;
    std::shared_ptr<const AnalysisResult> current_, init_, pinned_;
    QString pinnedLabel_;
    QString compareMode_ = QStringLiteral("none");
    QString lastError_;

    ArchitecturePanel* architecture_ = nullptr;
    InputPanel* input_ = nullptr;
    MetricsPanel* metrics_ = nullptr;
    TrainingPanel* training_ = nullptr;
    QScrollArea* sideScroll_ = nullptr;
    EigenPlot* eigen_ = nullptr;
    BinsPlot* bins_ = nullptr;
    ImpulsePlot* impulse_ = nullptr;
    DecayPlot* decay_ = nullptr;
    PlotWidget* enlarged_ = nullptr;
    QUndoStack* undo_ = nullptr;
    QComboBox* layerChoice_ = nullptr;
    QComboBox* colouring_ = nullptr;
    QComboBox* compare_ = nullptr;
    QSpinBox* impulseSource_ = nullptr;
    QSpinBox* mapHead_ = nullptr;
    QCheckBox* mapToggle_ = nullptr;
    QLabel* errorBanner_ = nullptr;
    QLabel* deviceLabel_ = nullptr;
    QLabel* timeLabel_ = nullptr;
    QLabel* pointsLabel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QMenu* recentMenu_ = nullptr;
};

}  // namespace eigenscope::ui
