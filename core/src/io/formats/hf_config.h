// Reading the fields of a Hugging Face config.json: absent and null both mean the family's default, a value of the
// wrong type is an error naming the key, and an option eigenscope does not implement is refused by name.
#pragma once

#include "eigenscope/model_spec.h"
#include "io/formats/format.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace eigenscope::io::hf {

bool present(const nlohmann::json& config, const std::string& key);
int64_t integer(const nlohmann::json& config, const std::string& key, int64_t fallback, const std::string& origin);
double number(const nlohmann::json& config, const std::string& key, double fallback, const std::string& origin);
bool flag(const nlohmann::json& config, const std::string& key, bool fallback, const std::string& origin);
[[noreturn]] void refuse(const std::string& origin, const std::string& what);

// Without lm_head.weight in the file, the head is the embedding when the config ties them (a warning says so);
// otherwise an error.
void tieHeadIfMissing(ImportedModel& out, bool hasHead, bool tied, const torch::Tensor& embedding,
                      const std::string& origin);

// config.json as Python's json writes it may hold the bare words Infinity, -Infinity and NaN, which are not JSON:
// the text with each such word outside a string quoted, so that it parses.
std::string withQuotedNonFinite(const std::string& text);

// Mamba-2's time_step_limit (a number, "Infinity" or transformers 5's {"__float__": "Infinity"} each end): only the
// no-op (0, ∞) of mamba_ssm's kernels is implemented; another clamp is refused.
void checkTimeStepLimit(const nlohmann::json& config, const std::string& origin);

// The default input length of a pretrained decoder (its seq_len): what it was trained on can be 100,000 positions,
// far more than an interactive analysis wants; the input's T sets any other length.
constexpr int64_t kDefaultInputLength = 512;

// The pre-norm RMSNorm decoder the fla, Llama, Nemotron-H and RecurrentGemma families share: token embedding of
// hidden_size × vocab_size, RMSNorm with ε from `epsKey`, a final norm, an LM head without bias, seq_len the smaller of
// max_position_embeddings and kDefaultInputLength; no blocks yet. `layers` gets num_hidden_layers. The embedding's shape must be the config's.
ModelSpec rmsDecoderSpec(const nlohmann::json& config, const std::string& name, const std::string& epsKey,
                         int64_t defaultWidth, int64_t defaultLayers, int64_t embeddingRows, int64_t embeddingColumns,
                         int64_t& layers, const std::string& origin);

}  // namespace eigenscope::io::hf
