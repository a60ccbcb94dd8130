// Model files: the native format (safetensors + the spec in __metadata__["eigenscope.spec"]), Hugging Face and
// mamba_ssm Mamba / Mamba-2 checkpoints, and state dicts of the reference paper code with its YAML config. Each
// becomes a spec plus tensors named as our module's parameters.
#pragma once

#include "eigenscope/model_spec.h"
#include "io/torch_pickle.h"
#include "model/sequence_model.h"

#include <string>
#include <vector>

namespace eigenscope::io {

inline constexpr const char* kSpecMetadataKey = "eigenscope.spec";

struct ImportedModel {
    ModelSpec spec;
    NamedTensors tensors;
    std::string format;
    std::vector<std::string> warnings;
};

// `path`: a model file or a Hugging Face model folder; `config`: the reference code's YAML config for its
// checkpoints (optional otherwise).
ImportedModel importModel(const std::string& path, const std::string& config);

// The spec a paper YAML config describes (its model section, seed and sequence length).
ModelSpec paperSpecFromYaml(const std::string& path);
// The spec a Hugging Face or mamba_ssm config.json describes.
ModelSpec mambaSpecFromConfig(const nlohmann::json& config, const std::string& origin);

// Copies `tensors` into the module's parameters and buffers. Every parameter and buffer must be present with
// its shape and no name may be left over; non-finite values are an error unless `allowNonFinite`, when they
// become warnings.
void loadTensors(SequenceModel& module, const NamedTensors& tensors, const std::string& origin, bool allowNonFinite,
                 std::vector<std::string>& warnings);

// The module's parameters and buffers by name, as the native file stores them.
NamedTensors moduleTensors(SequenceModel& module);

}  // namespace eigenscope::io
