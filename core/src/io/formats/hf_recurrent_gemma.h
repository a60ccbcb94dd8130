// Google RecurrentGemma (Griffin) folders (config.json model_type "recurrent_gemma"), as transformers
// models/recurrent_gemma/modeling_recurrent_gemma.py and google-deepmind/recurrentgemma build them: embeddings scaled
// by √hidden_size rounded to bfloat16; per layer a pre-norm temporal block — the RG-LRU recurrent block or local
// multi-query attention, by the block_types pattern — and a pre-norm GeGLU MLP, RMSNorms of the form x·(1 + w);
// final norm, the tied head and a tanh soft cap on the logits.
#pragma once

#include "io/formats/format.h"

#include <nlohmann/json.hpp>

#include <string>

namespace eigenscope::io {

bool isRecurrentGemmaConfig(const nlohmann::json& config);

// The model of such a config and its checkpoint's tensors (HF names); options eigenscope does not implement are
// refused by name.
ImportedModel importRecurrentGemma(const nlohmann::json& config, NamedTensors tensors, const std::string& origin);

}  // namespace eigenscope::io
