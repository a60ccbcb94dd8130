// Turns an InputSpec into the tensors a model runs on.
#pragma once

#include "eigenscope/analysis.h"

#include <torch/torch.h>

namespace eigenscope::spectra {

struct BuiltInput {
    torch::Tensor tokens;       // (B, T) int64, or undefined
    torch::Tensor embeddings;   // (B, T, d) float, or undefined (then the encoder runs on tokens)
    std::vector<int64_t> gaps;  // dependency distances the task publishes
    std::vector<std::string> tokenText;  // sample 0's tokens as text, one per step (text inputs)
    std::string note;                    // how a text became tokens
};

// `tokenizer`: the model's tokenizer.json for text inputs; empty: the text's UTF-8 bytes are the tokens.
BuiltInput buildInput(const ModelSpec& spec, const InputSpec& input, const std::string& tokenizer = "");

}  // namespace eigenscope::spectra
