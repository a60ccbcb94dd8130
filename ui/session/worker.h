// The one way the GUI runs core work off its thread: a Worker owns one thread and runs jobs on it one at a time.
// A job gets a cancellation flag and a progress callback; its completion runs on the thread that owns the Worker
// (the GUI thread), and is dropped if the Worker is gone by then. With LatestWins, a job submitted while another one
// waits replaces it (the replaced one completes as cancelled), so slider drags coalesce. Destroying a Worker cancels
// its running job and joins the thread; no thread outlives its Worker. A job may hand over partial values (a
// preview) before it ends; they reach the submitter's partial handler on the owning thread, in order, before the
// completion.
#pragma once

#include <QObject>
#include <QString>

#include <any>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace eigenscope::ui {

class Worker : public QObject {
    Q_OBJECT
public:
    enum class Policy { Queue, LatestWins };
    struct Context {
        quint64 id;
        const std::atomic<bool>& cancel;
        std::function<void(double fraction, const std::string& stage)> progress;
        std::function<void(std::any value)> partial;
    };
    using Job = std::function<std::any(const Context&)>;
    struct Outcome {
        quint64 id = 0;
        std::any value;        // what the job returned
        QString error;         // the job threw: its message
        bool cancelled = false;
        double latencyMs = 0;  // from submit to the end of the job
    };
    using Done = std::function<void(const Outcome&)>;

    explicit Worker(Policy policy, QObject* parent = nullptr);
    ~Worker() override;

    // partial (optional) receives what the job hands to Context::partial, as an Outcome with id and value.
    quint64 submit(Job job, Done done, Done partial = {});
    // Stops the running job (through its flag) and drops the waiting ones; all complete as cancelled.
    void cancel();
    // Stops job `id` if it is the one running (a superseded request that has shown what it could).
    void cancelRunning(quint64 id);
    // A job waiting or running, or a completion not yet delivered on this object's thread.
    bool busy() const;

Q_SIGNALS:
    void started(quint64 id);
    void progress(quint64 id, double fraction, const QString& stage);
    void idle();  // after a completion, when nothing runs or waits

private:
    struct Task {
        quint64 id;
        Job job;
        Done done, partial;
        std::chrono::steady_clock::time_point submitted;
    };
    void loop();
    void complete(Task task, Outcome outcome);

    const Policy policy_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Task> waiting_;
    bool running_ = false, stopping_ = false;
    int undelivered_ = 0;  // completions queued to this object's thread that have not run yet
    quint64 nextId_ = 1, runningId_ = 0;
    std::atomic<bool> cancel_{false};
    std::thread thread_;
};

}  // namespace eigenscope::ui
