// Architecture summary and parameter counts of a model, or of a spec (which builds the model once to count).
#pragma once

#include "eigenscope/model.h"
#include "eigenscope/model_spec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace eigenscope {

struct ParameterGroup {
    std::string name;         // "encoder", "layers.0", ..., "head"
    std::string description;  // e.g. "mamba2: d_state=128, heads=1, conv 4"
    int64_t parameters = 0;
};

struct ModelInfo {
    std::vector<ParameterGroup> groups;
    int64_t totalParameters = 0;
};

ModelInfo describeModel(const Model& model);
ModelInfo describeModel(const ModelSpec& spec);

}  // namespace eigenscope
