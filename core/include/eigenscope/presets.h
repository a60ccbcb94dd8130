// Built-in model presets (resources/presets/*.json, embedded at build time) and MODEL argument parsing.
#pragma once

#include "eigenscope/model_spec.h"

#include <optional>
#include <string>
#include <vector>

namespace eigenscope {

// The training settings a preset carries (its "training" object): the reference configuration's optimizer and
// schedule for the paper presets, settings that learn for the others. `eigenscope-cli train` and the GUI use them
// unless told otherwise.
struct TrainingDefaults {
    double lr = 1e-3;
    double weightDecay = 0.1;
    int64_t warmup = -1;  // linear warmup steps; −1: 10 % of the run
    double ssmLr = 0;     // the reference's separate rate for the parameters named in ssmVars (Adam, no decay)
    std::vector<std::string> ssmVars;
    std::string source;   // where the values come from, e.g. "configs/iclr2026/mqar/mqar-mamba2.yaml"
};

struct PresetInfo {
    std::string name;
    std::string description;
    std::optional<TrainingDefaults> training;
};

std::vector<PresetInfo> listPresets();
ModelSpec presetSpec(const std::string& name);
// The training defaults of MODEL: a preset's ("preset:NAME" or NAME), or a model spec JSON file's "training" object
// (lr, weight_decay, warmup, ssm_lr, ssm_lr_vars, source; the presets' own format), when it has them.
std::optional<TrainingDefaults> trainingDefaults(const std::string& model);
// The "training" object that trainingDefaults reads.
nlohmann::json trainingToJson(const TrainingDefaults& training);

// MODEL = "preset:NAME" or a path to a JSON model spec.
ModelSpec loadModelSpec(const std::string& model);

}  // namespace eigenscope
