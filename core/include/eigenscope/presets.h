// Built-in model presets (resources/presets/*.json, embedded at build time) and MODEL argument parsing.
#pragma once

#include "eigenscope/model_spec.h"

#include <string>
#include <vector>

namespace eigenscope {

struct PresetInfo {
    std::string name;
    std::string description;
};

std::vector<PresetInfo> listPresets();
ModelSpec presetSpec(const std::string& name);

// MODEL = "preset:NAME" or a path to a JSON model spec.
ModelSpec loadModelSpec(const std::string& model);

}  // namespace eigenscope
