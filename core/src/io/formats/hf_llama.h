// Hugging Face decoders of the Llama family by config.json model_type: llama, mistral, qwen2, qwen3, as
// transformers models/{llama,mistral,qwen2,qwen3}/modeling_*.py build them (*ForCausalLM: embed_tokens, pre-norm
// RMSNorm blocks of attention and LlamaMLP, final RMSNorm, LM head). The attention is the gqa_attention mixer, the
// MLP the swiglu channel mixer.
#pragma once

#include "io/formats/format.h"

#include <nlohmann/json.hpp>

#include <string>

namespace eigenscope::io {

// True for a config.json whose model_type is one of the Llama-family decoders eigenscope reads.
bool isLlamaFamilyConfig(const nlohmann::json& config);

// The model of such a config and its checkpoint's tensors (HF names); `origin` names the config in errors.
// Options eigenscope does not implement are refused by name.
ImportedModel importLlamaFamily(const nlohmann::json& config, NamedTensors tensors, const std::string& origin);

}  // namespace eigenscope::io
