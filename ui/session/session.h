// The state of one eigenscope window, apart from its widgets: the model (spec, and the file its weights come from),
// what it is analysed on and how, the results, the comparison, the undo stack and the training run. Panels and
// plots bind to a Session and never to each other; the Session runs every piece of core work on its Workers, so the
// GUI thread never waits.
#pragma once

#include "eigenscope/analysis.h"
#include "eigenscope/model_spec.h"

#include <QObject>
#include <QString>

#include <memory>

class QUndoStack;

namespace eigenscope::ui {

class ModelCache;
class TrainingRun;
class Worker;

class Session : public QObject {
    Q_OBJECT
public:
    // What an undo step restores: the spec, the model file its weights come from (empty: fresh weights) with its
    // config, and the preset it was chosen as.
    struct ModelState {
        ModelSpec spec;
        QString file, config, preset;
    };
    struct Settings {
        InputSpec input;
        QString mode = QStringLiteral("corrected");  // corrected | paper
        QString device = QStringLiteral("cpu");
        int64_t impulseSource = 0;
        bool impulseMap = false;
    };
    enum class Compare { None, Init, Pinned };

    explicit Session(QObject* parent = nullptr);
    ~Session() override;

    const ModelState& model() const { return model_; }
    const ModelSpec& spec() const { return model_.spec; }
    // A validated edit becomes one undo step (consecutive edits with the same mergeKey ≥ 0 merge: a slider drag);
    // an invalid one raises the error, keeps the model and re-announces it so the editors show it again.
    bool editSpec(const ModelSpec& spec, const QString& description, int mergeKey = -1);
    // "preset:NAME" or a spec file at once; weights files are read on the file worker. False when it fails at once.
    bool openModel(const QString& path, const QString& config = QString());
    // The current model as a native .safetensors file, written on the file worker.
    void saveModel(const QString& path);
    // The spec as JSON, written atomically.
    void saveSpec(const QString& path);
    QUndoStack* undoStack() const { return undo_; }
    bool loading() const;

    const Settings& settings() const { return settings_; }
    void setSettings(const Settings& settings);
    // The sequence length the current settings give the model: the typed text's bytes, the chosen or the model's.
    int64_t sequenceLength() const;
    void recompute();
    void cancel();
    // True until the outcome of the latest request has been handled (shown, reported or cancelled).
    bool computing() const { return handledId_ < latestId_; }
    // The plots show something else than what the current model and settings give (after a cancel or an error).
    bool stale() const { return stale_; }
    // The plots show a preview: the current model on one sequence of the batch, while the whole batch is analysed.
    bool preview() const { return preview_; }

    std::shared_ptr<const AnalysisResult> current() const { return current_; }
    // What the plots overlay under the compare mode: the init model's result, the pinned result, or nothing.
    std::shared_ptr<const AnalysisResult> reference() const;
    QString currentLabel() const { return currentLabel_; }
    QString referenceLabel() const;
    Compare compareMode() const { return compare_; }
    void setCompareMode(Compare mode);
    void pin();
    // Shows a result that is not this session's analysis (a training snapshot), with the result that stands for
    // its init model (the run's first snapshot).
    void showResult(std::shared_ptr<const AnalysisResult> result, std::shared_ptr<const AnalysisResult> init,
                    const QString& label, const QString& initLabel);
    // The current result (and the init reference when compared) as .npz, .json or a CSV folder.
    void exportData(const QString& path);

    // Errors of work done around the session (figure exports, training) join its own: lastError() and errorRaised.
    void reportError(const QString& message);
    QString lastError() const { return lastError_; }
    TrainingRun* training() const { return training_; }

Q_SIGNALS:
    void modelChanged();     // spec, file or preset changed (edit, open, undo), or re-announced after a refused edit
    void settingsChanged();
    void resultReady();      // current() (and the reference) replaced
    void compareChanged();
    void errorRaised(const QString& message);
    void errorCleared();
    void busyChanged();      // computing() or loading() changed
    void progress(double fraction, const QString& stage);
    void message(const QString& text, int timeoutMs);  // a note for the status bar
    void analysisTime(double analysisMs, double latencyMs);

private:
    void pushState(ModelState after, const QString& description, int mergeKey);
    void applyState(const ModelState& state);
    void clearError();

    ModelState model_;
    Settings settings_;
    QUndoStack* undo_ = nullptr;
    std::unique_ptr<Worker> analysis_, files_;
    std::shared_ptr<ModelCache> cache_;
    TrainingRun* training_ = nullptr;
    quint64 latestId_ = 0, handledId_ = 0, shownId_ = 0, previewedId_ = 0;
    std::shared_ptr<const AnalysisResult> current_, init_, pinned_;
    QString currentLabel_, initLabel_, pinnedLabel_;
    Compare compare_ = Compare::None;
    bool stale_ = false, preview_ = false;
    double lastFullMs_ = 0;  // the latest whole analysis: a slow one makes the next request show a preview first
    QString lastError_;
};

}  // namespace eigenscope::ui
