// Hugging Face / mamba_ssm Mamba and Mamba-2 configs.
#pragma once

#include "eigenscope/model_spec.h"

#include <nlohmann/json.hpp>

#include <string>

namespace eigenscope::io {

// The spec a Hugging Face or mamba_ssm config.json describes; `origin` names the file in errors.
ModelSpec mambaSpecFromConfig(const nlohmann::json& config, const std::string& origin);

}  // namespace eigenscope::io
