// Hugging Face GPT-2 checkpoints (config.json model_type "gpt2"), as transformers models/gpt2/modeling_gpt2.py
// GPT2LMHeadModel builds them: token and learned position embeddings, pre-LayerNorm blocks of attention (the
// gqa_attention mixer without rotary positions; c_attn's fused q|k|v split) and the tanh-GELU MLP (mlp_tanh), a final
// LayerNorm and the head tied to the token embedding. Conv1D weights are stored (in, out): transposed on reading.
#pragma once

#include "io/formats/format.h"

#include <nlohmann/json.hpp>

#include <string>

namespace eigenscope::io {

bool isGpt2Config(const nlohmann::json& config);

// The model of a GPT-2 config and its checkpoint's tensors (with or without the "transformer." prefix).
ImportedModel importGpt2(const nlohmann::json& config, NamedTensors tensors, const std::string& origin);

}  // namespace eigenscope::io
