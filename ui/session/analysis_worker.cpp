#include "session/analysis_worker.h"

#include "eigenscope/error.h"

#include <QMetaObject>

namespace eigenscope::ui {

AnalysisWorker::AnalysisWorker(QObject* parent) : QObject(parent), thread_([this] { loop(); }) {}

AnalysisWorker::~AnalysisWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        pending_.reset();
        cancel_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

quint64 AnalysisWorker::submit(AnalysisRequest request) {
    quint64 id;
    {
        std::lock_guard lock(mutex_);
        id = nextId_++;
        pending_ = Job{id, std::move(request), std::chrono::steady_clock::now()};
    }
    wake_.notify_all();
    return id;
}

void AnalysisWorker::cancel() {
    std::lock_guard lock(mutex_);
    if (pending_) {
        // The dropped request still gets its (cancelled) outcome, so callers can count every request answered.
        AnalysisOutcome dropped;
        dropped.id = pending_->id;
        dropped.cancelled = true;
        QMetaObject::invokeMethod(this, [this, dropped] { Q_EMIT finished(dropped); }, Qt::QueuedConnection);
        pending_.reset();
    }
    if (running_) cancel_ = true;
}

void AnalysisWorker::adopt(const QString& file, Model model) {
    std::lock_guard lock(mutex_);
    adopted_.insert_or_assign(file, std::move(model));
}

bool AnalysisWorker::busy() const {
    std::lock_guard lock(mutex_);
    return running_ || pending_.has_value();
}

void AnalysisWorker::loop() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || pending_.has_value(); });
            if (stopping_) return;
            job = std::move(*pending_);
            pending_.reset();
            running_ = true;
            cancel_ = false;
        }
        QMetaObject::invokeMethod(this, [this, id = job.id] { Q_EMIT started(id); }, Qt::QueuedConnection);
        AnalysisOutcome outcome = run(job);
        {
            std::lock_guard lock(mutex_);
            running_ = false;
            if (stopping_) return;
        }
        QMetaObject::invokeMethod(this, [this, outcome] { Q_EMIT finished(outcome); }, Qt::QueuedConnection);
    }
}

const Model& AnalysisWorker::modelFor(const AnalysisRequest& request, bool init) {
    const std::string key = (init ? "init|" : "model|") +
                            (request.file.isEmpty() ? specToJson(request.spec).dump() : "file|" + request.file.toStdString());
    auto found = models_.find(key);
    if (found != models_.end()) return found->second;
    if (models_.size() > 8) models_.clear();  // a long slider session must not keep every model alive
    std::optional<Model> given;
    if (!request.file.isEmpty()) {
        std::lock_guard lock(mutex_);
        const auto found = adopted_.find(request.file);
        if (found != adopted_.end()) {
            given = found->second;
            adopted_.erase(found);  // from here on the cache below holds it
        }
    }
    Model model = request.file.isEmpty() ? Model::fromSpec(request.spec)
                  : given                ? *given
                                         : Model::open(request.file.toStdString(), OpenOptions{request.config.toStdString()});
    if (init) model = model.freshlyInitialized();
    return models_.emplace(key, std::move(model)).first->second;
}

AnalysisOutcome AnalysisWorker::run(Job& job) {
    AnalysisOutcome outcome;
    outcome.id = job.id;
    auto options = job.request.options;
    options.cancel = &cancel_;
    const quint64 id = job.id;
    options.progress = [this, id](double fraction, const std::string& stage) {
        QMetaObject::invokeMethod(this, [this, id, fraction, text = QString::fromStdString(stage)] {
            Q_EMIT progress(id, fraction, text);
        }, Qt::QueuedConnection);
    };
    try {
        outcome.result = std::make_shared<AnalysisResult>(analyze(modelFor(job.request, false), job.request.input, options));
        // A model built from its spec is its own initialization; only a model file differs from its init.
        if (job.request.withInit && job.request.file.isEmpty()) outcome.init = outcome.result;
        else if (job.request.withInit)
            outcome.init = std::make_shared<AnalysisResult>(analyze(modelFor(job.request, true), job.request.input, options));
    } catch (const Cancelled&) {
        outcome = AnalysisOutcome{job.id, nullptr, nullptr, QString(), true, 0};
    } catch (const std::exception& e) {
        outcome = AnalysisOutcome{job.id, nullptr, nullptr, QString::fromStdString(e.what()), false, 0};
    }
    outcome.latencyMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - job.submitted).count();
    return outcome;
}

}  // namespace eigenscope::ui
