// flash-linear-attention ("fla-hub") checkpoints of GLA, RetNet, DeltaNet and Gated DeltaNet: the *ForCausalLM
// models of fla/models/{gla,retnet,delta_net,gated_deltanet}/modeling_*.py (pre-norm RMSNorm blocks, GatedMLP,
// RMSNorm, LM head).
#pragma once

#include "io/formats/format.h"

#include <nlohmann/json.hpp>

#include <string>

namespace eigenscope::io {

// True for a config.json whose model_type is an fla family eigenscope reads (gla, retnet, delta_net,
// gated_deltanet).
bool isFlaConfig(const nlohmann::json& config);

// The model of an fla config and its checkpoint's tensors (HF names); `origin` names the checkpoint in errors.
// Options eigenscope does not implement are refused by name.
ImportedModel importFla(const nlohmann::json& config, NamedTensors tensors, const std::string& origin);

}  // namespace eigenscope::io
