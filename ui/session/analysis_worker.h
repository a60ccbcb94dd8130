// Runs analyses off the GUI thread. Requests coalesce: a new request replaces the one waiting (latest wins),
// results arrive in request order, and a running analysis can be cancelled. Built models are cached, so an
// input change does not rebuild the model.
#pragma once

#include "eigenscope/analysis.h"
#include "eigenscope/model_spec.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace eigenscope::ui {

struct AnalysisRequest {
    ModelSpec spec;
    QString file;        // non-empty: the weights come from this model file, not a fresh initialization
    QString config;      // the reference code's YAML config of `file`, when it needs one
    InputSpec input;
    AnalysisOptions options;  // progress and cancel are set by the worker
    bool withInit = false;    // also analyse the freshly initialized model (init-vs-current compare)
};

struct AnalysisOutcome {
    quint64 id = 0;
    std::shared_ptr<const AnalysisResult> result, init;
    QString error;       // empty on success
    bool cancelled = false;
    double latencyMs = 0;  // from submit to the end of the analysis
};

class AnalysisWorker : public QObject {
    Q_OBJECT
public:
    explicit AnalysisWorker(QObject* parent = nullptr);
    ~AnalysisWorker() override;

    quint64 submit(AnalysisRequest request);
    // Stops the running analysis and drops the waiting one; both outcomes report cancelled.
    void cancel();
    bool busy() const;
    // A model opened elsewhere (off the GUI thread) for requests naming `file`; saves opening it twice.
    void adopt(const QString& file, Model model);

Q_SIGNALS:
    void started(quint64 id);
    void progress(quint64 id, double fraction, const QString& stage);
    void finished(const eigenscope::ui::AnalysisOutcome& outcome);

private:
    struct Job {
        quint64 id;
        AnalysisRequest request;
        std::chrono::steady_clock::time_point submitted;
    };
    void loop();
    AnalysisOutcome run(Job& job);
    const Model& modelFor(const AnalysisRequest& request, bool init);

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<Job> pending_;
    bool running_ = false;
    bool stopping_ = false;
    quint64 nextId_ = 1;
    std::atomic<bool> cancel_{false};
    std::map<std::string, Model> models_;  // worker thread only
    std::map<QString, Model> adopted_;     // guarded by mutex_
    std::thread thread_;
};

}  // namespace eigenscope::ui
