#include "eigenscope/analysis_export.h"
#include "eigenscope/presets.h"
#include "eigenscope/train.h"
#include "model/model_handle.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

namespace eigenscope {
namespace {

namespace fs = std::filesystem;
using testing::errorOf;

// A small softmax-attention model that solves MQAR at T = 16 with two pairs.
ModelSpec tinySpec(double dropout = 0.0) {
    ModelSpec spec = presetSpec("cpu-paper-mqar-softmax");
    spec.dModel = 32;
    spec.vocabSize = 16;
    spec.seqLen = 16;
    spec.maxPositions = 16;
    spec.dropout = dropout;
    spec.seed = 5;
    for (auto& b : spec.blocks) b.mixer.options["state_dim"] = 32;
    return spec;
}

std::string runDir(const std::string& name) {
    const auto dir = fs::temp_directory_path() / ("eigenscope_train_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(dir);
    return dir.string();
}

std::string readText(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(Trainer, TinyMqarReachesItsTarget) {
    Model model = Model::fromSpec(tinySpec());
    TrainOptions o;
    o.task = "task:mqar:seq_len=16,kv_pairs=2,vocab=16";
    o.steps = 600;
    o.batch = 32;
    o.lr = 3e-3;
    o.evalEvery = 25;
    o.targetAccuracy = 0.99;
    o.snapshotEvery = 1000;  // only at the start and where the run stops
    o.seed = 1;
    o.out = runDir("tiny");
    const auto s = train(model, o);
    EXPECT_TRUE(s.reachedTarget) << "accuracy " << s.accuracy << " after " << s.steps << " steps";
    EXPECT_GE(s.accuracy, 0.99);
    EXPECT_LT(s.steps, 600);
    EXPECT_TRUE(fs::exists(fs::path(o.out) / "snapshots" / "step-0.npz"));
    EXPECT_TRUE(fs::exists(fs::path(o.out) / "snapshots" / ("step-" + std::to_string(s.steps) + ".npz")));
    const std::string metrics = readText(fs::path(o.out) / "metrics.csv");
    EXPECT_EQ(metrics.rfind("step,lr,train_loss,eval_loss,eval_accuracy,eval_perplexity,seconds\n", 0), 0u);
    EXPECT_TRUE(fs::exists(fs::path(o.out) / "run.json"));
    fs::remove_all(o.out);
}

TEST(Trainer, PaperPresetsCarryTheReferenceTrainingSettings) {
    // paper-models.md §7.2: lr / weight decay per config; the attention configs' "warmup:" key is never read.
    const std::map<std::string, std::tuple<double, double, int64_t>> reference = {
        {"softmax", {4.6416e-4, 0.1, 0}}, {"linear", {1e-2, 0.1, 0}},     {"norm", {1e-3, 0.1, 0}},
        {"mamba2", {1e-2, 0.1, -1}},      {"s4", {4.6416e-4, 0.1, -1}},   {"lru", {4.6416e-4, 0.01, -1}}};
    for (const auto& [kind, values] : reference)
        for (const std::string prefix : {"preset:paper-mqar-", "preset:cpu-paper-mqar-"}) {
            const auto d = trainingDefaults(prefix + kind);
            ASSERT_TRUE(d.has_value()) << prefix << kind;
            EXPECT_DOUBLE_EQ(d->lr, std::get<0>(values)) << kind;
            EXPECT_DOUBLE_EQ(d->weightDecay, std::get<1>(values)) << kind;
            EXPECT_EQ(d->warmup, std::get<2>(values)) << kind;
            EXPECT_NE(d->source.find("configs/iclr2026/mqar/"), std::string::npos) << kind;
        }
    const std::vector<std::string> ssmVars = {"Lambda_re", "Lambda_im", "P", "B", "log_step"};
    for (const char* preset : {"preset:paper-mqar-s4", "preset:cpu-paper-mqar-lru"}) {
        EXPECT_DOUBLE_EQ(trainingDefaults(preset)->ssmLr, 1e-3) << preset;
        EXPECT_EQ(trainingDefaults(preset)->ssmVars, ssmVars) << preset << ": the reference's list, also for the LRU";
    }
    EXPECT_DOUBLE_EQ(trainingDefaults("preset:paper-mqar-mamba2")->ssmLr, 0.0);
    // S6 has no paper config: its defaults come from scripts/sweep-mqar.sh (weight decay kept it on the plateau).
    const auto s6 = trainingDefaults("preset:s6");
    ASSERT_TRUE(s6.has_value());
    EXPECT_DOUBLE_EQ(s6->lr, 4.6416e-3);
    EXPECT_DOUBLE_EQ(s6->weightDecay, 0.0);
    EXPECT_NE(s6->source.find("sweep-mqar"), std::string::npos);
    EXPECT_FALSE(trainingDefaults("model.json").has_value());
}

TEST(Trainer, ASpecFileCarriesTrainingSettingsAsPresetsDo) {
    auto j = specToJson(presetSpec("cpu-paper-mqar-lru"));
    TrainingDefaults written;
    written.lr = 2e-3;
    written.weightDecay = 0.01;
    written.ssmLr = 1e-3;
    written.ssmVars = {"B", "log_step"};
    j["training"] = trainingToJson(written);
    j["training"].erase("source");  // a file without one is named by its path
    const auto path = (fs::temp_directory_path() / ("eigenscope_training_" + std::to_string(::getpid()) + ".json")).string();
    std::ofstream(path) << j.dump();
    const auto d = trainingDefaults(path);
    ASSERT_TRUE(d.has_value());
    EXPECT_DOUBLE_EQ(d->lr, 2e-3);
    EXPECT_DOUBLE_EQ(d->weightDecay, 0.01);
    EXPECT_EQ(d->warmup, -1);
    EXPECT_EQ(d->ssmVars, (std::vector<std::string>{"B", "log_step"}));
    EXPECT_EQ(d->source, path);
    EXPECT_EQ(specToJson(loadModelSpec(path)), specToJson(presetSpec("cpu-paper-mqar-lru"))) << "the spec itself is unchanged";
    j["training"] = {{"lr", "fast"}, {"weight_decay", 0.0}};
    std::ofstream(path) << j.dump();
    EXPECT_NE(errorOf([&] { trainingDefaults(path); }).find("lr and weight_decay"), std::string::npos);
    fs::remove(path);
}

// One step of Adam moves each parameter by about its group's rate: the S4 variables by ssm_lr, the rest by lr.
TEST(Trainer, SsmVariablesTrainAtTheirOwnRate) {
    Model model = Model::open("preset:cpu-paper-mqar-s4");
    std::map<std::string, torch::Tensor> before;
    for (const auto& p : model.impl->module->named_parameters()) before[p.key()] = p.value().detach().clone();
    TrainOptions o;
    o.task = "task:mqar:seq_len=16,kv_pairs=2,vocab=32";
    o.steps = 1;
    o.batch = 4;
    o.warmup = 0;
    o.lr = 1e-9;
    o.weightDecay = 0;
    o.ssmLr = 1e-2;
    o.ssmVars = {"Lambda_re", "Lambda_im", "P", "B", "log_step"};
    o.evalEvery = 1;
    o.out = runDir("ssm-groups");
    train(model, o);
    int ssm = 0, rest = 0;
    for (const auto& p : model.impl->module->named_parameters()) {
        const std::string leaf = p.key().substr(p.key().rfind('.') + 1);
        const double moved = (p.value().detach() - before[p.key()]).abs().max().item<double>();
        if (std::find(o.ssmVars.begin(), o.ssmVars.end(), leaf) != o.ssmVars.end()) {
            EXPECT_GT(moved, 1e-3) << p.key();
            ++ssm;
        } else {
            EXPECT_LT(moved, 1e-6) << p.key();
            ++rest;
        }
    }
    EXPECT_EQ(ssm, 2 * 5) << "five SSM variables in each of two layers";
    EXPECT_GT(rest, 0);
    const auto folder = readRunFolder(o.out);
    EXPECT_DOUBLE_EQ(folder.options.ssmLr, 1e-2) << "run.json records the group";
    EXPECT_EQ(folder.options.ssmVars, o.ssmVars);
    fs::remove_all(o.out);
}

// The check as a new user runs it: the Mamba-2 preset with its own settings learns small MQAR.
TEST(Trainer, TheMamba2PresetWithItsSettingsLearnsSmallMqar) {
    Model model = Model::open("preset:cpu-paper-mqar-mamba2");
    const auto d = trainingDefaults("preset:cpu-paper-mqar-mamba2");
    ASSERT_TRUE(d.has_value());
    TrainOptions o;
    o.task = "task:mqar:seq_len=64,kv_pairs=4,vocab=64";
    o.steps = 1500;
    o.lr = d->lr;
    o.weightDecay = d->weightDecay;
    o.warmup = d->warmup;
    o.targetAccuracy = 0.9;
    o.out = runDir("mamba2-preset");
    const auto s = train(model, o);
    EXPECT_TRUE(s.reachedTarget) << "accuracy " << s.accuracy << " after " << s.steps << " steps";
    EXPECT_GE(s.accuracy, 0.9);
    fs::remove_all(o.out);
}

TEST(Trainer, AKilledRunResumesToTheSameResult) {
    TrainOptions o;
    o.task = "task:mqar:seq_len=16,kv_pairs=2,vocab=16";
    o.steps = 30;
    o.batch = 8;
    o.lr = 2e-3;
    o.evalEvery = 10;
    o.seed = 3;

    Model straight = Model::fromSpec(tinySpec(0.1));  // dropout on: the RNG state must resume too
    o.out = runDir("straight");
    train(straight, o);

    Model interrupted = Model::fromSpec(tinySpec(0.1));
    o.out = runDir("resumed");
    std::atomic<bool> cancel{false};
    const auto first = train(interrupted, o, [&](const TrainProgress& p) { cancel = p.step >= 17; }, &cancel);
    EXPECT_EQ(first.steps, 17);
    Model resumed = Model::fromSpec(tinySpec(0.1));  // a fresh process: weights come from the checkpoint
    o.resume = true;
    const auto second = train(resumed, o);
    EXPECT_EQ(second.steps, 30);

    const auto resumedParameters = resumed.impl->module->named_parameters();
    for (const auto& item : straight.impl->module->named_parameters())
        EXPECT_TRUE(torch::equal(item.value(), resumedParameters[item.key()])) << item.key();
    // Columns other than the wall-clock seconds agree row by row.
    const auto rows = [](const std::string& csv) {
        std::vector<std::string> out;
        std::istringstream lines(csv);
        for (std::string line; std::getline(lines, line);) out.push_back(line.substr(0, line.rfind(',')));
        return out;
    };
    EXPECT_EQ(rows(readText(runDir("resumed") + "/metrics.csv")), rows(readText(runDir("straight") + "/metrics.csv")));
    fs::remove_all(runDir("straight"));
    fs::remove_all(runDir("resumed"));
}

// A short induction run with a snapshot and an evaluation every 10 steps.
TrainOptions snapshottedRun(const std::string& name, int64_t steps) {
    TrainOptions o;
    o.task = "task:induction:seq_len=16,vocab=16";
    o.steps = steps;
    o.batch = 4;
    o.snapshotEvery = 10;
    o.evalEvery = 10;
    o.out = runDir(name);
    return o;
}

TEST(Trainer, SnapshotsAreTakenInTheRunsModeAndRunJsonRecordsIt) {
    // Two runs that differ only in the snapshot mode: the same weights, the same probe, other eigenvalues.
    std::map<std::string, std::vector<std::shared_ptr<const AnalysisResult>>> handed;
    for (const std::string mode : {"corrected", "paper"}) {
        Model model = Model::fromSpec(tinySpec());
        TrainOptions o = snapshottedRun("snapshots-" + mode, 10);
        o.snapshotMode = mode;
        train(model, o, {}, nullptr, [&](int64_t, std::shared_ptr<const AnalysisResult> r) { handed[mode].push_back(r); });
        const RunFolder run = readRunFolder(o.out);
        EXPECT_EQ(run.options.snapshotMode, mode);
        ASSERT_EQ(run.snapshots.size(), 2u);
        EXPECT_EQ(readAnalysisNpz(run.snapshots.back().second).mode, mode);
        fs::remove_all(o.out);
    }
    ASSERT_EQ(handed["paper"].size(), 2u);
    ASSERT_EQ(handed["corrected"].size(), 2u);
    EXPECT_NE(handed["paper"][0]->layers[0].eig, handed["corrected"][0]->layers[0].eig)
        << "paper mode: softmax attention without the 1/√d scale";

    Model model = Model::fromSpec(tinySpec());
    TrainOptions o;
    o.steps = 1;
    o.snapshotMode = "both";
    o.out = runDir("bad-mode");
    EXPECT_NE(errorOf([&] { train(model, o, {}); }).find("snapshot mode \"both\""), std::string::npos);
}

TEST(Trainer, SnapshotsAreHandedOverAsSavedAndTheRunFolderReadsBack) {
    Model model = Model::fromSpec(tinySpec());
    const TrainOptions o = snapshottedRun("snapshots", 20);
    std::vector<std::pair<int64_t, std::shared_ptr<const AnalysisResult>>> handed;
    train(model, o, {}, nullptr, [&](int64_t step, std::shared_ptr<const AnalysisResult> r) { handed.emplace_back(step, r); });
    ASSERT_EQ(handed.size(), 3u);
    const RunFolder run = readRunFolder(o.out);
    EXPECT_EQ(run.options.task, o.task);
    EXPECT_EQ(run.options.steps, 20);
    EXPECT_EQ(run.options.snapshotEvery, 10);
    EXPECT_TRUE(run.options.resume);
    EXPECT_EQ(specToJson(run.spec), specToJson(model.spec()));
    ASSERT_EQ(run.metrics.size(), 2u);
    EXPECT_EQ(run.metrics[1].step, 20);
    EXPECT_GE(run.metrics[1].evalAccuracy, 0.0);
    EXPECT_NE(run.model.find("checkpoint-20"), std::string::npos);
    ASSERT_EQ(run.snapshots.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        const int64_t step = int64_t(i) * 10;
        EXPECT_EQ(handed[i].first, step);
        EXPECT_EQ(run.snapshots[i].first, step);
        const AnalysisResult saved = readAnalysisNpz(run.snapshots[i].second);
        EXPECT_EQ(saved.batch, 8);  // the probe batch
        EXPECT_EQ(saved.layers[0].steps, 15);  // T_eff: softmax attention has no Λ at t = 0
        EXPECT_EQ(saved.layers[0].eig, handed[i].second->layers[0].eig) << "the GUI gets what the run saves";
        EXPECT_EQ(saved.layers[0].binsMean, handed[i].second->layers[0].binsMean);
    }
    EXPECT_NE(handed[0].second->layers[0].eig, handed[2].second->layers[0].eig) << "the weights moved";
    fs::remove_all(o.out);
    EXPECT_NE(errorOf([&] { readRunFolder(o.out); }).find("no such run folder"), std::string::npos);
}

TEST(Trainer, EveryTokenPresetTakesTrainingSteps) {
    for (const auto& preset : listPresets()) {
        ModelSpec spec = presetSpec(preset.name);
        if (spec.encoder == "linear" || spec.head != "lm" || spec.dModel > 64) continue;
        spec.seqLen = 32;
        if (spec.maxPositions > 0) spec.maxPositions = 32;
        Model model = Model::fromSpec(spec);
        std::map<std::string, torch::Tensor> before;
        for (const auto& p : model.impl->module->named_parameters()) before[p.key()] = p.value().clone();
        TrainOptions o;
        o.task = "task:mqar:seq_len=32,kv_pairs=2,vocab=32";
        o.steps = 2;
        o.batch = 2;
        o.evalBatches = 1;
        o.weightDecay = 0;  // without it, only a gradient moves a parameter
        o.out = runDir("preset_" + preset.name);
        const auto s = train(model, o);
        EXPECT_TRUE(std::isfinite(s.loss)) << preset.name;
        for (const auto& p : model.impl->module->named_parameters())
            EXPECT_FALSE(torch::equal(before.at(p.key()), p.value())) << preset.name << ": " << p.key() << " got no update";
        fs::remove_all(o.out);
    }
}

TEST(Trainer, RefusesToOverwriteARunAndNamesBadOptions) {
    Model model = Model::fromSpec(tinySpec());
    TrainOptions o;
    o.task = "task:mqar:seq_len=16,kv_pairs=2,vocab=16";
    o.steps = 2;
    o.batch = 2;
    o.out = runDir("twice");
    train(model, o);
    EXPECT_NE(errorOf([&] { train(model, o); }).find("already holds a run"), std::string::npos);
    o.out = runDir("never");
    o.resume = true;
    EXPECT_NE(errorOf([&] { train(model, o); }).find("no checkpoint to resume"), std::string::npos);
    o.resume = false;
    o.task = "randn";
    EXPECT_NE(errorOf([&] { train(model, o); }).find("--task must be task:"), std::string::npos);
    o.task = "task:mqar:vocab=64,seq_len=16,kv_pairs=2";
    EXPECT_NE(errorOf([&] { train(model, o); }).find("exceeds the model's"), std::string::npos);
    o.task = "task:mqar:seq_len=16,kv_pairs=2,vocab=16";
    o.lr = -1;
    EXPECT_NE(errorOf([&] { train(model, o); }).find("--lr"), std::string::npos);
    fs::remove_all(runDir("twice"));
    fs::remove_all(runDir("never"));
}

}  // namespace
}  // namespace eigenscope
