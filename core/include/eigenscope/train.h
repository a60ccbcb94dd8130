// Training a model on a labelled task (SPEC §4): AdamW, linear warmup then cosine decay to a floor, gradient
// clipping, dropout, periodic evaluation, early stop, and a run folder that resumes after a kill with the same
// results as an uninterrupted run. Plain C++ types; no torch.
#pragma once

#include "eigenscope/analysis.h"
#include "eigenscope/model.h"
#include "eigenscope/model_spec.h"

#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace eigenscope {

struct TrainOptions {
    std::string task = "task:mqar";  // as --input: task:NAME[:key=value,...]; listops/imdb/cifar10 need a classifier head
    int64_t steps = 1000;
    int64_t batch = 64;
    double lr = 1e-3;
    double weightDecay = 0.1;
    // The reference's SSM variables (optax multi_transform by leaf name): parameters whose own name is one of
    // ssmVars train with Adam at ssmLr and no weight decay, on the same schedule; ssmLr 0: no such group.
    double ssmLr = 0;
    std::vector<std::string> ssmVars;
    int64_t warmup = -1;          // linear warmup steps; −1: 10 % of steps
    double minLrRatio = 0.01;     // the cosine decays to lr · minLrRatio
    double clip = 1.0;            // gradient norm clip; 0: none
    uint64_t seed = 0;            // data order, dropout and the evaluation batches
    int64_t evalEvery = 100;
    int64_t evalBatches = 4;      // batches of `batch` samples, fixed for the whole run
    int64_t snapshotEvery = 0;    // spectrum snapshots of a fixed probe batch; 0: none
    std::string snapshotMode = "corrected";  // the snapshots' analysis mode: corrected | paper
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
    double lr = 0;  // the learning rate of the step
};

struct TrainSummary {
    int64_t steps = 0;  // steps done in total (including those before a resume)
    double loss = NAN, accuracy = NAN, bestAccuracy = NAN;
    bool reachedTarget = false;
    std::string runDir;
};

// A spectrum snapshot as the run writes it to snapshots/step-N.npz, handed over as the very same analysis.
using SnapshotFn = std::function<void(int64_t step, std::shared_ptr<const AnalysisResult> snapshot)>;

// Trains `model` in place. `progress` is called after every step, `snapshot` after every snapshot written; setting
// `cancel` stops after the current step with a checkpoint written (then `resume` continues). Errors name the option
// or file at fault.
TrainSummary train(Model& model, const TrainOptions& options,
                   const std::function<void(const TrainProgress&)>& progress = {},
                   const std::atomic<bool>* cancel = nullptr, const SnapshotFn& snapshot = {});

// One row of a run's metrics.csv (written at every evaluation).
struct RunMetricsRow {
    int64_t step = 0;
    double lr = NAN, trainLoss = NAN, evalLoss = NAN, evalAccuracy = NAN, evalPerplexity = NAN, seconds = NAN;
};

// What a run folder holds, as `train` (CLI or GUI) writes it; a run still in progress reads as far as it got.
struct RunFolder {
    std::string path;
    ModelSpec spec;        // from run.json
    TrainOptions options;  // from run.json: what the run was started with, `out` the folder and `resume` set
    std::vector<RunMetricsRow> metrics;
    std::vector<std::pair<int64_t, std::string>> snapshots;  // (step, snapshots/step-N.npz) by step
    std::string model;     // the latest checkpoint's native model file; "" before the first checkpoint
};

// Errors name the folder and the file at fault.
RunFolder readRunFolder(const std::string& path);

}  // namespace eigenscope
