// NVIDIA Nemotron-H hybrids (config.json model_type "nemotron_h"), as transformers models/nemotron_h/
// modeling_nemotron_h.py and NVIDIA's remote code build them: one mixer per layer by hybrid_override_pattern —
// Mamba-2 with groups ('M'), attention without positions ('*'), a ReLU² MLP ('-') — each behind a pre-norm RMSNorm
// and a residual; final RMSNorm, untied LM head. The MLP layers become blocks without a sequence mixer.
#pragma once

#include "io/formats/format.h"

#include <nlohmann/json.hpp>

#include <string>

namespace eigenscope::io {

bool isNemotronHConfig(const nlohmann::json& config);

// The model of such a config and its checkpoint's tensors (HF names); MoE layers ('E') and other options eigenscope
// does not implement are refused by name.
ImportedModel importNemotronH(const nlohmann::json& config, NamedTensors tensors, const std::string& origin);

}  // namespace eigenscope::io
