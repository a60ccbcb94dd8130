// Training a model on a labelled task (SPEC §4): AdamW, linear warmup then cosine decay to a floor, gradient
// clipping, dropout, periodic evaluation, early stop, and a run folder that resumes after a kill with the same
// results as an uninterrupted run. Plain C++ types; no torch.
#pragma once

#include "eigenscope/analysis.h"
#include "eigenscope/model.h"

#include <atomic>
#include <functional>
#include <string>

namespace eigenscope {

struct TrainOptions {
    std::string task = "task:mqar";  // as --input: task:NAME[:key=value,...]; listops/imdb/cifar10 need a classifier head
    int64_t steps = 1000;
    int64_t batch = 64;
    double lr = 1e-3;
    double weightDecay = 0.1;
    int64_t warmup = -1;          // linear warmup steps; −1: 10 % of steps
    double minLrRatio = 0.01;     // the cosine decays to lr · minLrRatio
    double clip = 1.0;            // gradient norm clip; 0: none
    uint64_t seed = 0;            // data order, dropout and the evaluation batches
    int64_t evalEvery = 100;
    int64_t evalBatches = 4;      // batches of `batch` samples, fixed for the whole run
    int64_t snapshotEvery = 0;    // spectrum snapshots of a fixed probe batch; 0: none
    int64_t checkpointEvery = 0;  // 0: at every evaluation
    double targetAccuracy = 0;    // stop once the evaluation accuracy reaches it; 0: never
    std::string device = "cpu";
    std::string out;              // the run folder (required)
    bool resume = false;          // continue from the run folder's last checkpoint
};

struct TrainProgress {
    int64_t step = 0, steps = 0;
    double loss = 0, accuracy = NAN;  // accuracy of the latest evaluation
    double stepsPerSecond = 0;
};

struct TrainSummary {
    int64_t steps = 0;  // steps done in total (including those before a resume)
    double loss = NAN, accuracy = NAN, bestAccuracy = NAN;
    bool reachedTarget = false;
    std::string runDir;
};

// Trains `model` in place. `progress` is called after every step; setting `cancel` stops after the current
// step with a checkpoint written (then `resume` continues). Errors name the option or file at fault.
TrainSummary train(Model& model, const TrainOptions& options,
                   const std::function<void(const TrainProgress&)>& progress = {},
                   const std::atomic<bool>* cancel = nullptr);

}  // namespace eigenscope
