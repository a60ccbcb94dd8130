// eigenscope's own model file: safetensors with the model spec as JSON in __metadata__["eigenscope.spec"].
#pragma once

#include "eigenscope/model_spec.h"
#include "io/torch_pickle.h"

#include <string>

namespace eigenscope::io {

inline constexpr const char* kSpecMetadataKey = "eigenscope.spec";

// Written atomically; tensors are copied to the CPU as needed.
void writeNativeModel(const std::string& path, const ModelSpec& spec, const NamedTensors& tensors);

}  // namespace eigenscope::io
