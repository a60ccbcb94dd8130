// Helpers of the UI tests: waiting in the event loop, and the settings of a training run small enough for a test.
#pragma once

#include "eigenscope/train.h"
#include "session/training_run.h"

#include <QApplication>
#include <QElapsedTimer>

#include <functional>

namespace eigenscope::ui::testing {

// Runs the event loop until `done` holds; false after `timeoutMs`.
inline bool waitFor(const std::function<bool()>& done, int timeoutMs = 60000) {
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs) return false;
        QApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return true;
}

// A run of `steps` steps on a tiny MQAR with a snapshot every `snapshotEvery`, written below `runsFolder`.
inline TrainingRun::Settings tinyRun(const QString& runsFolder, int steps, int snapshotEvery) {
    TrainingRun::Settings settings;
    settings.task = "task:mqar:seq_len=16,kv_pairs=2,vocab=32";
    settings.steps = steps;
    settings.batch = 2;
    settings.snapshotEvery = snapshotEvery;
    settings.runsFolder = runsFolder;
    return settings;
}

// The core trainer's options for such a run (what eigenscope-cli train does), written into `folder`.
inline TrainOptions tinyTrainOptions(const std::string& folder, int64_t steps, int64_t evalEvery, int64_t snapshotEvery,
                                     int64_t batch = 2) {
    TrainOptions o;
    o.task = "task:mqar:seq_len=16,kv_pairs=2,vocab=32";
    o.steps = steps;
    o.batch = batch;
    o.evalEvery = evalEvery;
    o.snapshotEvery = snapshotEvery;
    o.out = folder;
    return o;
}

}  // namespace eigenscope::ui::testing
