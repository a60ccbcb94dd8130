#include "session/worker.h"

#include "eigenscope/analysis.h"

#include <QMetaObject>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace eigenscope::ui {

Worker::Worker(Policy policy, QObject* parent) : QObject(parent), policy_(policy), thread_([this] { loop(); }) {}

Worker::~Worker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        waiting_.clear();
        cancel_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

quint64 Worker::submit(Job job, Done done, Done partial) {
    quint64 id;
    {
        std::lock_guard lock(mutex_);
        id = nextId_++;
        if (policy_ == Policy::LatestWins)
            while (!waiting_.empty()) {
                Outcome dropped;
                dropped.id = waiting_.front().id;
                dropped.cancelled = true;
                complete(std::move(waiting_.front()), dropped);
                waiting_.pop_front();
            }
        waiting_.push_back({id, std::move(job), std::move(done), std::move(partial), std::chrono::steady_clock::now()});
    }
    wake_.notify_all();
    return id;
}

void Worker::cancel() {
    std::lock_guard lock(mutex_);
    for (auto& task : waiting_) {
        Outcome dropped;
        dropped.id = task.id;
        dropped.cancelled = true;
        complete(std::move(task), dropped);
    }
    waiting_.clear();
    if (running_) cancel_ = true;
}

void Worker::cancelRunning(quint64 id) {
    std::lock_guard lock(mutex_);
    if (running_ && runningId_ == id) cancel_ = true;
}

bool Worker::busy() const {
    std::lock_guard lock(mutex_);
    return running_ || !waiting_.empty() || undelivered_ > 0;
}

void Worker::complete(Task task, Outcome outcome) {
    outcome.latencyMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - task.submitted).count();
    ++undelivered_;  // the caller holds mutex_
    // Queued to this object's thread: Qt drops the call if the Worker is destroyed first. The worker stays busy until
    // the completion has run, so what it starts (a model opened starts its analysis) follows without a gap.
    QMetaObject::invokeMethod(
        this,
        [this, done = std::move(task.done), outcome = std::move(outcome)] {
            if (done) done(outcome);
            {
                std::lock_guard lock(mutex_);
                --undelivered_;
            }
            if (!busy()) Q_EMIT idle();
        },
        Qt::QueuedConnection);
}

void Worker::loop() {
#ifdef __linux__
    // Below the GUI thread: on few cores a repaint is not descheduled by the analysis. Linux applies nice per
    // thread, and the thread pools this thread starts inherit it.
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 5);
#endif
    for (;;) {
        Task task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
            if (stopping_) return;
            task = std::move(waiting_.front());
            waiting_.pop_front();
            running_ = true;
            runningId_ = task.id;
            cancel_ = false;
        }
        const quint64 id = task.id;
        QMetaObject::invokeMethod(this, [this, id] { Q_EMIT started(id); }, Qt::QueuedConnection);
        const Context context{id, cancel_, [this, id](double fraction, const std::string& stage) {
                                  QMetaObject::invokeMethod(
                                      this, [this, id, fraction, text = QString::fromStdString(stage)] {
                                          Q_EMIT progress(id, fraction, text);
                                      },
                                      Qt::QueuedConnection);
                              },
                              [this, id, handler = task.partial](std::any value) {
                                  if (!handler) return;
                                  Outcome outcome;
                                  outcome.id = id;
                                  outcome.value = std::move(value);
                                  QMetaObject::invokeMethod(
                                      this, [handler, outcome = std::move(outcome)] { handler(outcome); },
                                      Qt::QueuedConnection);
                              }};
        Outcome outcome;
        outcome.id = id;
        try {
            outcome.value = task.job(context);
            outcome.cancelled = cancel_;
        } catch (const Cancelled&) {
            outcome.cancelled = true;
        } catch (const std::exception& e) {
            outcome.error = QString::fromStdString(e.what());
        }
        std::lock_guard lock(mutex_);
        running_ = false;
        if (stopping_) return;
        complete(std::move(task), std::move(outcome));
    }
}

}  // namespace eigenscope::ui
