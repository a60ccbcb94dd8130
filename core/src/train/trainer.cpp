#include "eigenscope/train.h"

#include "eigenscope/analysis_export.h"
#include "eigenscope/error.h"
#include "io/formats/native.h"
#include "io/npy.h"
#include "io/safetensors.h"
#include "model/model_handle.h"
#include "model/model_tensors.h"
#include "tasks/tasks.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace eigenscope {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kEvalStream = 0x5EEDE7A1ull, kProbeStream = 0x9B0BEull;

// splitmix64 of (seed, index): independent, reproducible batch seeds for any step, so the data order does not
// depend on where a run was resumed.
uint64_t streamSeed(uint64_t seed, uint64_t index) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double learningRate(const TrainOptions& o, int64_t step) {
    const int64_t warmup = o.warmup < 0 ? o.steps / 10 : o.warmup;
    if (step < warmup) return o.lr * double(step + 1) / double(warmup);
    const double progress = std::min(1.0, double(step - warmup) / double(std::max<int64_t>(1, o.steps - warmup)));
    const double floor = o.lr * o.minLrRatio;
    return floor + 0.5 * (o.lr - floor) * (1.0 + std::cos(M_PI * progress));
}

void checkOptions(const TrainOptions& o) {
    if (o.steps < 1 || o.steps > (int64_t(1) << 40)) throw Error("train: --steps must be at least 1");
    if (o.batch < 1 || o.batch > (1 << 20)) throw Error("train: --batch must be in [1, 2^20]");
    if (!(o.lr > 0) || !std::isfinite(o.lr)) throw Error("train: --lr must be positive");
    if (o.weightDecay < 0) throw Error("train: weight decay must not be negative");
    if (o.ssmLr < 0 || !std::isfinite(o.ssmLr)) throw Error("train: --ssm-lr must not be negative");
    if (o.minLrRatio < 0 || o.minLrRatio > 1) throw Error("train: the learning-rate floor ratio must be in [0, 1]");
    if (o.clip < 0) throw Error("train: the gradient clip must not be negative");
    if (o.evalEvery < 0 || o.snapshotEvery < 0 || o.checkpointEvery < 0) throw Error("train: intervals must not be negative");
    if (o.snapshotMode != "corrected" && o.snapshotMode != "paper")
        throw Error("train: snapshot mode \"" + o.snapshotMode + "\" is not one of: corrected, paper");
    if (o.evalBatches < 1) throw Error("train: at least one evaluation batch is needed");
    if (o.out.empty()) throw Error("train: --out RUNDIR is required");
    if (o.device != "cpu" && o.device != "cuda") throw Error("train: device \"" + o.device + "\" is not cpu or cuda");
    if (o.device == "cuda" && !torch::cuda::is_available())
        throw Error("train: device cuda: this LibTorch build has no CUDA support or no CUDA device is visible");
}

struct Evaluation {
    double loss = NAN, accuracy = NAN;
};

// Cross entropy over the labelled positions, and the fraction of them predicted right.
std::pair<torch::Tensor, torch::Tensor> lossAndCorrect(const torch::Tensor& logits, const torch::Tensor& labels) {
    const auto flat = logits.reshape({-1, logits.size(-1)});
    const auto target = labels.reshape({-1});
    const auto loss = torch::nn::functional::cross_entropy(flat, target, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
    const auto mask = target != -100;
    const auto correct = (flat.argmax(-1) == target).logical_and(mask).sum();
    return {loss, correct};
}

Evaluation evaluate(SequenceModel& module, const std::vector<tasks::TaskBatch>& batches, const torch::Device& device) {
    torch::NoGradGuard noGrad;
    module->eval();
    double lossSum = 0, correct = 0, count = 0;
    for (const auto& b : batches) {
        const auto labels = b.labels.to(device);
        const auto logits = module->forward(b.inputs.to(device));
        const auto labelled = (labels != -100).sum().item<double>();
        const auto [loss, right] = lossAndCorrect(logits, labels);
        lossSum += loss.item<double>() * labelled;
        correct += right.item<double>();
        count += labelled;
    }
    return {count > 0 ? lossSum / count : NAN, count > 0 ? correct / count : NAN};
}

std::string readText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// metrics.csv without the rows after `step` (a killed run may have logged past its last checkpoint).
void truncateMetrics(const fs::path& path, int64_t step) {
    std::istringstream lines(readText(path));
    std::string line, kept;
    bool header = true;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        if (header || std::stoll(line.substr(0, line.find(','))) <= step) kept += line + "\n";
        header = false;
    }
    io::writeFileAtomically(path.string(), kept);
}

// One AdamW group of every parameter, or two: the SSM variables (by their own name, the part after the last dot) at
// ssmLr without weight decay, the rest at lr. Returns the groups' peak rates beside them.
std::vector<torch::optim::OptimizerParamGroup> parameterGroups(SequenceModel& module, const TrainOptions& o,
                                                               std::vector<double>& peakRates) {
    std::vector<torch::Tensor> ssm, rest;
    for (const auto& item : module->named_parameters()) {
        const std::string& name = item.key();
        const std::string leaf = name.substr(name.rfind('.') + 1);
        const bool isSsm = o.ssmLr > 0 && std::find(o.ssmVars.begin(), o.ssmVars.end(), leaf) != o.ssmVars.end();
        (isSsm ? ssm : rest).push_back(item.value());
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    peakRates.clear();
    if (!rest.empty()) {
        groups.emplace_back(rest, std::make_unique<torch::optim::AdamWOptions>(
                                      torch::optim::AdamWOptions(o.lr).weight_decay(o.weightDecay)));
        peakRates.push_back(o.lr);
    }
    if (!ssm.empty()) {
        groups.emplace_back(ssm, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o.ssmLr).weight_decay(0)));
        peakRates.push_back(o.ssmLr);
    }
    return groups;
}

}  // namespace

TrainSummary train(Model& model, const TrainOptions& o, const std::function<void(const TrainProgress&)>& progress,
                   const std::atomic<bool>* cancel, const SnapshotFn& onSnapshot) {
    checkOptions(o);
    const InputSpec input = parseInputSpec(o.task);
    if (input.kind != "task") throw Error("train: --task must be task:NAME[:key=value,...], got " + o.task);
    const ModelSpec& spec = model.spec();
    if (spec.encoder == "linear") throw Error("train: the tasks give token ids; the model takes continuous inputs");
    const auto task = tasks::makeTask(input.task, input.params, spec.seqLen, spec.vocabSize);
    if (task.vocab > spec.vocabSize)
        throw Error("train: the task's vocabulary " + std::to_string(task.vocab) + " exceeds the model's " + std::to_string(spec.vocabSize));
    if (task.classes > 0) {
        if (spec.head != "classifier")
            throw Error("train: task:" + task.name + " labels whole sequences; the model needs \"head\": \"classifier\"");
        if (outputWidth(spec) < task.classes)
            throw Error("train: task:" + task.name + " has " + std::to_string(task.classes) + " classes, the model outputs " +
                        std::to_string(outputWidth(spec)));
    } else {
        if (spec.head != "lm") throw Error("train: task:" + task.name + " labels every position; the model needs an LM head");
        if (task.vocab > outputWidth(spec))
            throw Error("train: the task's vocabulary " + std::to_string(task.vocab) + " exceeds the model's outputs " +
                        std::to_string(outputWidth(spec)));
    }
    const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);
    auto& module = model.impl->module;
    module->to(device, torch::kFloat32);

    const fs::path run(o.out);
    const fs::path latest = run / "latest";
    fs::create_directories(run / "snapshots");
    if (!o.resume && fs::exists(latest))
        throw Error(o.out + ": the folder already holds a run; pass --resume to continue it, or choose another folder");
    if (o.resume && !fs::exists(latest)) throw Error(o.out + ": no checkpoint to resume from (no file \"latest\")");

    std::vector<tasks::TaskBatch> evalSet;
    for (int64_t i = 0; i < o.evalBatches; ++i) evalSet.push_back(task.sample(o.batch, streamSeed(o.seed ^ kEvalStream, uint64_t(i))));
    std::vector<double> peakRates;
    torch::optim::AdamW optimizer(parameterGroups(module, o, peakRates),
                                  torch::optim::AdamWOptions(o.lr).weight_decay(o.weightDecay));
    auto generator = at::detail::getDefaultCPUGenerator();

    int64_t start = 0;
    TrainSummary summary;
    summary.runDir = o.out;
    if (o.resume) {
        const fs::path dir = run / readText(latest);
        if (!fs::exists(dir / "model.safetensors")) throw Error(o.out + ": the checkpoint " + dir.string() + " is incomplete");
        const auto weights = io::SafetensorsFile::open((dir / "model.safetensors").string());
        const auto saved = weights.header().metadata.find(io::kSpecMetadataKey);
        if (saved == weights.header().metadata.end() || nlohmann::json::parse(saved->second) != specToJson(spec))
            throw Error(o.out + ": the run was trained with a different model spec");
        io::NamedTensors tensors;
        for (const auto& e : weights.header().tensors) tensors.emplace_back(e.name, weights.tensor(e.name));
        std::vector<std::string> warnings;
        loadTensors(module, tensors, (dir / "model.safetensors").string(), false, warnings);
        torch::load(optimizer, (dir / "optimizer.pt").string());
        const auto state = io::SafetensorsFile::open((dir / "trainer.safetensors").string());
        start = std::stoll(state.header().metadata.at("step"));
        summary.bestAccuracy = std::stod(state.header().metadata.at("best_accuracy"));
        {
            std::lock_guard<std::mutex> lock(generator.mutex());
            generator.set_state(state.tensor("cpu_rng"));
        }
        truncateMetrics(run / "metrics.csv", start);
    } else {
        const nlohmann::json description = {{"spec", specToJson(spec)},
                                            {"task", o.task},
                                            {"hyperparameters",
                                             {{"steps", o.steps}, {"batch", o.batch}, {"lr", o.lr}, {"weight_decay", o.weightDecay},
                                              {"ssm_lr", o.ssmLr}, {"ssm_lr_vars", o.ssmVars},
                                              {"warmup", o.warmup < 0 ? o.steps / 10 : o.warmup}, {"min_lr_ratio", o.minLrRatio},
                                              {"clip", o.clip}, {"dropout", spec.dropout}, {"eval_every", o.evalEvery},
                                              {"eval_batches", o.evalBatches}, {"snapshot_every", o.snapshotEvery},
                                              {"snapshot_mode", o.snapshotMode},
                                              {"checkpoint_every", o.checkpointEvery}, {"target_accuracy", o.targetAccuracy},
                                              {"device", o.device}}},
                                            {"seed", o.seed}};
        io::writeFileAtomically((run / "run.json").string(), description.dump(2) + "\n");
        io::writeFileAtomically((run / "metrics.csv").string(), "step,lr,train_loss,eval_loss,eval_accuracy,eval_perplexity,seconds\n");
        torch::manual_seed(o.seed);
    }

    InputSpec probe = input;
    probe.batch = 8;
    probe.seqLen = task.seqLen;
    probe.seed = streamSeed(o.seed ^ kProbeStream, 0);
    const auto snapshot = [&](int64_t step) {
        AnalysisOptions options;
        options.device = o.device;
        options.impulseSources = {0};
        options.mode = o.snapshotMode;
        const auto result = std::make_shared<const AnalysisResult>(analyze(model, probe, options));
        writeAnalysisNpz((run / "snapshots" / ("step-" + std::to_string(step) + ".npz")).string(), *result);
        if (onSnapshot) onSnapshot(step, result);
    };
    const auto checkpoint = [&](int64_t step) {
        const std::string name = "checkpoint-" + std::to_string(step);
        const fs::path dir = run / name;
        fs::create_directories(dir);
        model.save((dir / "model.safetensors").string());
        torch::save(optimizer, (dir / "optimizer.pt").string());
        torch::Tensor rng;
        {
            std::lock_guard<std::mutex> lock(generator.mutex());
            rng = generator.get_state();
        }
        io::writeSafetensors((dir / "trainer.safetensors").string(), {{"cpu_rng", rng}},
                             {{"step", std::to_string(step)}, {"best_accuracy", std::to_string(summary.bestAccuracy)}});
        const std::string previous = fs::exists(latest) ? readText(latest) : "";
        io::writeFileAtomically(latest.string(), name);  // the switch to the new checkpoint is one rename
        if (!previous.empty() && previous != name) fs::remove_all(run / previous);
    };

    if (start == 0 && o.snapshotEvery > 0) snapshot(0);
    const auto began = std::chrono::steady_clock::now();
    std::ofstream metrics(run / "metrics.csv", std::ios::app);
    int64_t step = start;
    for (; step < o.steps; ++step) {
        if (cancel && cancel->load()) break;
        const double lr = learningRate(o, step);
        for (size_t g = 0; g < optimizer.param_groups().size(); ++g)  // every group on the same schedule
            static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[g].options()).lr(lr / o.lr * peakRates[g]);
        const auto batch = task.sample(o.batch, streamSeed(o.seed, uint64_t(step)));
        module->train();
        const auto logits = module->forward(batch.inputs.to(device));
        const auto [loss, correct] = lossAndCorrect(logits, batch.labels.to(device));
        optimizer.zero_grad();
        loss.backward();
        if (o.clip > 0) torch::nn::utils::clip_grad_norm_(module->parameters(), o.clip);
        optimizer.step();
        summary.loss = loss.item<double>();
        if (!std::isfinite(summary.loss)) throw Error("train: the loss became " + std::to_string(summary.loss) + " at step " + std::to_string(step + 1) + "; lower --lr");

        const int64_t done = step + 1;
        const bool evaluated = (o.evalEvery > 0 && done % o.evalEvery == 0) || done == o.steps;
        if (evaluated) {
            const auto e = evaluate(module, evalSet, device);
            summary.accuracy = e.accuracy;
            if (std::isnan(summary.bestAccuracy) || e.accuracy > summary.bestAccuracy) summary.bestAccuracy = e.accuracy;
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
            metrics << done << "," << lr << "," << summary.loss << "," << e.loss << "," << e.accuracy << "," << std::exp(e.loss) << ","
                    << seconds << "\n";
            metrics.flush();
            summary.reachedTarget = o.targetAccuracy > 0 && e.accuracy >= o.targetAccuracy;
        }
        // A run that stops at its target also gets the snapshot of where it ended.
        if (o.snapshotEvery > 0 && (done % o.snapshotEvery == 0 || summary.reachedTarget)) snapshot(done);
        const bool due = o.checkpointEvery > 0 ? done % o.checkpointEvery == 0 : evaluated;
        if (due || summary.reachedTarget || done == o.steps) checkpoint(done);
        if (progress) {
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
            progress({done, o.steps, summary.loss, summary.accuracy, double(done - start) / std::max(seconds, 1e-9), lr});
        }
        if (summary.reachedTarget) {
            ++step;
            break;
        }
    }
    if (step < o.steps && !summary.reachedTarget) checkpoint(step);  // cancelled: resume continues from here
    summary.steps = step;
    return summary;
}

RunFolder readRunFolder(const std::string& path) {
    const fs::path run(path);
    RunFolder out;
    out.path = path;
    if (!fs::is_directory(run)) throw Error(path + ": no such run folder");
    if (!fs::exists(run / "run.json")) throw Error(path + ": not a run folder (no run.json)");
    const std::string origin = (run / "run.json").string();
    try {
        const auto description = nlohmann::json::parse(readText(run / "run.json"));
        out.spec = specFromJson(description.at("spec"), origin);
        const auto& h = description.at("hyperparameters");
        TrainOptions& o = out.options;
        o.task = description.at("task").get<std::string>();
        o.seed = description.at("seed").get<uint64_t>();
        o.steps = h.at("steps").get<int64_t>();
        o.batch = h.at("batch").get<int64_t>();
        o.lr = h.at("lr").get<double>();
        o.weightDecay = h.at("weight_decay").get<double>();
        o.ssmLr = h.value("ssm_lr", 0.0);
        o.ssmVars = h.value("ssm_lr_vars", std::vector<std::string>{});
        o.warmup = h.at("warmup").get<int64_t>();
        o.minLrRatio = h.at("min_lr_ratio").get<double>();
        o.clip = h.at("clip").get<double>();
        o.evalEvery = h.at("eval_every").get<int64_t>();
        o.evalBatches = h.at("eval_batches").get<int64_t>();
        o.snapshotEvery = h.at("snapshot_every").get<int64_t>();
        o.snapshotMode = h.value("snapshot_mode", std::string("corrected"));  // runs before the option: corrected
        o.checkpointEvery = h.at("checkpoint_every").get<int64_t>();
        o.targetAccuracy = h.at("target_accuracy").get<double>();
        o.device = h.at("device").get<std::string>();
        o.out = path;
        o.resume = true;
    } catch (const nlohmann::json::exception& e) {
        throw Error(origin + ": not the description train writes (" + e.what() + ")");
    }
    std::istringstream lines(fs::exists(run / "metrics.csv") ? readText(run / "metrics.csv") : "");
    std::string line;
    std::getline(lines, line);  // the header
    for (int row = 2; std::getline(lines, line); ++row) {
        if (line.empty()) continue;
        std::vector<double> values;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');) {
            char* end = nullptr;
            const double v = std::strtod(cell.c_str(), &end);
            values.push_back(end != cell.c_str() && *end == '\0' ? v : NAN);
        }
        if (values.size() != 7 || std::isnan(values[0]))
            throw Error((run / "metrics.csv").string() + ": line " + std::to_string(row) + " is not step,lr,train_loss,"
                        "eval_loss,eval_accuracy,eval_perplexity,seconds");
        out.metrics.push_back({int64_t(values[0]), values[1], values[2], values[3], values[4], values[5], values[6]});
    }
    if (fs::is_directory(run / "snapshots"))
        for (const auto& entry : fs::directory_iterator(run / "snapshots")) {
            const std::string step = entry.path().stem().string().substr(std::min<size_t>(5, entry.path().stem().string().size()));
            const bool named = entry.path().filename().string().rfind("step-", 0) == 0 && entry.path().extension() == ".npz";
            if (named && !step.empty() && std::all_of(step.begin(), step.end(), ::isdigit))
                out.snapshots.emplace_back(std::stoll(step), entry.path().string());
        }
    std::sort(out.snapshots.begin(), out.snapshots.end());
    if (fs::exists(run / "latest")) {
        const fs::path model = run / readText(run / "latest") / "model.safetensors";
        if (fs::exists(model)) out.model = model.string();
    }
    return out;
}

}  // namespace eigenscope
