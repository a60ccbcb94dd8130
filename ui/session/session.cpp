#include "session/session.h"

#include "eigenscope/analysis_export.h"
#include "eigenscope/error.h"
#include "eigenscope/presets.h"
#include "session/model_cache.h"
#include "session/training_run.h"
#include "session/worker.h"

#include <QFileInfo>
#include <QSaveFile>
#include <QUndoStack>

namespace eigenscope::ui {

namespace {

const char* const kDemoPreset = "cpu-paper-mqar-mamba2";
constexpr int kUndoLimit = 1000;  // a day of slider drags; every step keeps two specs
constexpr double kPreviewAboveMs = 20;  // analyses slower than about a frame show a one-sequence preview first

// One change of the model (an edit, or opening a file); consecutive changes with the same merge key (a slider
// drag) form one undo step.
class ModelCommand : public QUndoCommand {
public:
    using State = Session::ModelState;
    ModelCommand(std::function<void(const State&)> apply, State before, State after, const QString& text, int mergeKey)
        : apply_(std::move(apply)), before_(std::move(before)), after_(std::move(after)), mergeKey_(mergeKey) {
        setText(text);
    }
    void undo() override { apply_(before_); }
    void redo() override { apply_(after_); }
    int id() const override { return mergeKey_; }
    bool mergeWith(const QUndoCommand* other) override {
        const auto* next = static_cast<const ModelCommand*>(other);
        after_ = next->after_;
        setText(next->text());
        return true;
    }

private:
    std::function<void(const State&)> apply_;
    State before_, after_;
    int mergeKey_;
};

struct AnalysisPair {
    std::shared_ptr<const AnalysisResult> result, init;
};

struct OpenedModel {
    ModelSpec spec;
    std::shared_ptr<Model> model;
};

}  // namespace

Session::Session(QObject* parent)
    : QObject(parent),
      undo_(new QUndoStack(this)),
      analysis_(std::make_unique<Worker>(Worker::Policy::LatestWins)),
      files_(std::make_unique<Worker>(Worker::Policy::Queue)),
      cache_(std::make_shared<ModelCache>()),
      training_(new TrainingRun(this)) {
    connect(analysis_.get(), &Worker::progress, this, [this](quint64 id, double fraction, const QString& stage) {
        if (id == latestId_) Q_EMIT progress(fraction, stage);
    });
    connect(files_.get(), &Worker::idle, this, &Session::busyChanged);
    undo_->setUndoLimit(kUndoLimit);
    settings_.input = parseInputSpec("task:mqar");
    model_ = {presetSpec(kDemoPreset), QString(), QString(), QString::fromLatin1(kDemoPreset)};
    recompute();
}

Session::~Session() = default;

bool Session::loading() const { return files_->busy(); }

void Session::reportError(const QString& error) {
    lastError_ = error;
    Q_EMIT errorRaised(error);
}

void Session::clearError() {
    if (lastError_.isEmpty()) return;
    lastError_.clear();
    Q_EMIT errorCleared();
}

bool Session::editSpec(const ModelSpec& spec, const QString& description, int mergeKey) {
    try {
        validateSpec(spec);
    } catch (const std::exception& e) {
        reportError(QString::fromStdString(e.what()));
        Q_EMIT modelChanged();  // the editors show the model that stays
        return false;
    }
    if (!model_.file.isEmpty()) Q_EMIT message(tr("Edited: the model is now freshly initialized from its spec"), 5000);
    pushState({spec, QString(), QString(), QString()}, description, mergeKey);
    return true;
}

void Session::pushState(ModelState after, const QString& description, int mergeKey) {
    undo_->push(new ModelCommand([this](const ModelState& s) { applyState(s); }, model_, std::move(after), description,
                                 mergeKey));
}

void Session::applyState(const ModelState& state) {
    model_ = state;
    Q_EMIT modelChanged();
    recompute();
}

bool Session::openModel(const QString& path, const QString& config) {
    std::string format;
    try {
        format = detectModelFormat(path.toStdString(), config.toStdString());
    } catch (const std::exception& e) {
        reportError(QString::fromStdString(e.what()));
        return false;
    }
    const bool preset = format == "preset";
    if (preset || format == "model spec (JSON)") {
        ModelSpec spec;
        try {
            spec = loadModelSpec(path.toStdString());
            validateSpec(spec);
        } catch (const std::exception& e) {
            reportError(QString::fromStdString(e.what()));
            return false;
        }
        const QString name = preset ? path.mid(7) : QString();
        pushState({spec, preset ? QString() : QFileInfo(path).absoluteFilePath(), QString(), name},
                  tr("open %1").arg(path), -1);
        return true;
    }
    const QString file = QFileInfo(path).absoluteFilePath();
    Q_EMIT message(tr("Opening %1 …").arg(path), 0);
    files_->submit(
        [file, config](const Worker::Context&) {
            return std::make_shared<Model>(Model::open(file.toStdString(), OpenOptions{config.toStdString()}));
        },
        [this, file, config](const Worker::Outcome& outcome) {
            if (!outcome.error.isEmpty()) return reportError(outcome.error);
            if (outcome.cancelled) return;
            const auto model = std::any_cast<std::shared_ptr<Model>>(outcome.value);
            cache_->adopt(file, *model);
            QStringList warnings;
            for (const auto& w : model->source().warnings) warnings << QString::fromStdString(w);
            pushState({model->spec(), file, config, QString()}, tr("open %1").arg(file), -1);
            Q_EMIT message(tr("Opened %1 (%2)%3")
                               .arg(file, QString::fromStdString(model->source().format),
                                    warnings.isEmpty() ? QString() : QStringLiteral("; ") + warnings.join("; ")),
                           10000);
        });
    Q_EMIT busyChanged();
    return true;
}

void Session::saveModel(const QString& path) {
    const ModelState state = model_;
    Q_EMIT message(tr("Saving %1 …").arg(path), 0);
    files_->submit(
        [state, path](const Worker::Context&) {
            const Model model = state.file.isEmpty() || state.file.endsWith(".json", Qt::CaseInsensitive)
                                    ? Model::fromSpec(state.spec)
                                    : Model::open(state.file.toStdString(), OpenOptions{state.config.toStdString()});
            model.save(path.toStdString());
            return std::any();
        },
        [this, path](const Worker::Outcome& outcome) {
            if (!outcome.error.isEmpty()) return reportError(outcome.error);
            Q_EMIT message(tr("Wrote %1").arg(path), 5000);
        });
    Q_EMIT busyChanged();
}

void Session::saveSpec(const QString& path) {
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) ||
        out.write(QByteArray::fromStdString(specToJson(model_.spec).dump(2) + "\n")) < 0 || !out.commit())
        return reportError(tr("%1: cannot write (%2)").arg(path, out.errorString()));
    Q_EMIT message(tr("Wrote %1").arg(path), 5000);
}

void Session::setSettings(const Settings& settings) {
    settings_ = settings;
    Q_EMIT settingsChanged();
    recompute();
}

int64_t Session::sequenceLength() const {
    if (settings_.input.kind == "text") return int64_t(settings_.input.text.size());
    return settings_.input.seqLen > 0 ? settings_.input.seqLen : model_.spec.seqLen;
}

void Session::recompute() {
    const ModelState state = model_;
    const QString weights = state.file.endsWith(".json", Qt::CaseInsensitive) ? QString() : state.file;
    AnalysisOptions options;
    options.mode = settings_.mode.toStdString();
    options.device = settings_.device.toStdString();
    options.impulseSources = {std::clamp<int64_t>(settings_.impulseSource, 0, std::max<int64_t>(sequenceLength() - 1, 0))};
    options.impulseMap = settings_.impulseMap;
    const InputSpec input = settings_.input;
    // A model built from its spec is its own initialization; only a model file differs from its init.
    const bool withInit = compare_ == Compare::Init && !weights.isEmpty();
    const bool generated = input.kind == "randn" || input.kind == "impulse" || input.kind == "task";
    const bool preview = generated && input.batch > 1 && !withInit && lastFullMs_ > kPreviewAboveMs;
    const auto cache = cache_;
    stale_ = true;
    // A request whose preview is on screen gives way at once: its whole batch would arrive only to be replaced.
    if (computing() && previewedId_ == latestId_) analysis_->cancelRunning(latestId_);
    latestId_ = analysis_->submit(
        [cache, state, weights, input, options, withInit, preview](const Worker::Context& context) {
            auto o = options;
            o.cancel = &context.cancel;
            const Model model = cache->get(state.spec, weights, state.config, false, o.device);
            if (preview) {
                auto slice = input;
                slice.batch = 1;
                const auto first = std::make_shared<AnalysisResult>(analyze(model, slice, o));
                context.partial(AnalysisPair{first, first});
            }
            o.progress = context.progress;
            AnalysisPair out;
            out.result = std::make_shared<AnalysisResult>(analyze(model, input, o));
            out.init = withInit ? std::make_shared<AnalysisResult>(
                                      analyze(cache->get(state.spec, weights, state.config, true, o.device), input, o))
                                : out.result;
            return out;
        },
        [this](const Worker::Outcome& outcome) {
            handledId_ = std::max(handledId_, outcome.id);
            Q_EMIT busyChanged();
            if (outcome.cancelled) {
                // Not when a shown training snapshot superseded it.
                if (outcome.id == latestId_ && outcome.id > shownId_)
                    Q_EMIT message(tr("Computation cancelled; the plots show the previous result"), 5000);
                return;
            }
            if (!outcome.error.isEmpty()) {
                if (outcome.id == latestId_) reportError(outcome.error);
                return;
            }
            if (outcome.id <= shownId_) return;  // never replace a newer result by an older one
            shownId_ = outcome.id;
            const auto pair = std::any_cast<AnalysisPair>(outcome.value);
            current_ = pair.result;
            init_ = pair.init;
            currentLabel_ = model_.file.isEmpty() ? tr("current") : tr("model");
            initLabel_ = tr("init");
            stale_ = outcome.id != latestId_;
            preview_ = false;
            lastFullMs_ = current_->elapsedMs;
            clearError();
            Q_EMIT analysisTime(current_->elapsedMs, outcome.latencyMs);
            Q_EMIT resultReady();
        },
        [this](const Worker::Outcome& outcome) {
            if (outcome.id != latestId_ || outcome.id <= shownId_) return;
            previewedId_ = outcome.id;
            const auto pair = std::any_cast<AnalysisPair>(outcome.value);
            current_ = pair.result;
            init_ = pair.init;
            currentLabel_ = model_.file.isEmpty() ? tr("current") : tr("model");
            preview_ = true;
            clearError();
            Q_EMIT resultReady();
        });
    Q_EMIT busyChanged();
}

void Session::cancel() { analysis_->cancel(); }

std::shared_ptr<const AnalysisResult> Session::reference() const {
    if (compare_ == Compare::Init) return init_;
    if (compare_ == Compare::Pinned) return pinned_;
    return nullptr;
}

QString Session::referenceLabel() const { return compare_ == Compare::Init ? initLabel_ : pinnedLabel_; }

void Session::setCompareMode(Compare mode) {
    if (mode == compare_) return;
    compare_ = mode;
    Q_EMIT compareChanged();
    // The init model of a file is analysed only when asked for.
    if (mode == Compare::Init && current_ && init_ == current_ && !model_.file.isEmpty()) recompute();
}

void Session::pin() {
    if (!current_) return;
    pinned_ = current_;
    pinnedLabel_ = tr("pinned");
    compare_ = Compare::Pinned;
    Q_EMIT compareChanged();
    Q_EMIT message(tr("Pinned the current result as the reference"), 4000);
}

void Session::showResult(std::shared_ptr<const AnalysisResult> result, std::shared_ptr<const AnalysisResult> init,
                         const QString& label, const QString& initLabel) {
    // The latest action wins: an analysis asked for before this is not shown when it arrives.
    analysis_->cancel();
    shownId_ = latestId_;
    current_ = std::move(result);
    init_ = std::move(init);
    currentLabel_ = label;
    initLabel_ = initLabel;
    stale_ = preview_ = false;
    clearError();
    Q_EMIT resultReady();
}

void Session::exportData(const QString& path) {
    if (!current_) return reportError(tr("%1: there is no result to export yet").arg(path));
    const AnalysisResult* reference = compare_ == Compare::Init && init_ && init_ != current_ ? init_.get() : nullptr;
    try {
        if (path.endsWith(".npz", Qt::CaseInsensitive)) writeAnalysisNpz(path.toStdString(), *current_, reference);
        else if (path.endsWith(".json", Qt::CaseInsensitive)) writeAnalysisJson(path.toStdString(), *current_, reference);
        else writeAnalysisCsv(path.toStdString(), *current_, reference);
        Q_EMIT message(tr("Wrote %1").arg(path), 5000);
    } catch (const std::exception& e) {
        reportError(QString::fromStdString(e.what()));
    }
}

}  // namespace eigenscope::ui
