// Causal softmax attention (models/attention.py MHA + SelfAttention). DSF: Λ_t = (η_{t-1}/η_t)·I with
// η_t = Σ_{j≤t} exp(q_t·k_j/√head_dim); on a given input the state is indexed by the keys seen.
#pragma once

#include "mixers/attention_base.h"

namespace eigenscope::mixers {

class SoftmaxAttentionImpl : public MhaBaseImpl {
public:
    SoftmaxAttentionImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options() { return attentionOptions(); }

    dsf::Realization realize(const torch::Tensor& u) override;
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override { return "softmax_attention (" + shape() + ")"; }

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;
};

// log η_t = logsumexp_{j≤t}(q_t·k_j) for scaled q, streamed over key blocks so memory stays O(B·H·T·block).
// q, k: (B, H, T, D) → (B, H, T).
torch::Tensor streamingLogNormalizer(const torch::Tensor& q, const torch::Tensor& k, int64_t block = 256);

// Trace of a normalizer-ratio transition: λ_t = exp(logNorm_{t-1} − logNorm_t), t ≥ 1, from (B, H, T).
dsf::TransitionTrace ratioTrace(const torch::Tensor& logNormalizer, int64_t multiplicity);
// The same from log λ_t directly: (B, H, T-1), for t = 1..T-1.
dsf::TransitionTrace logRatioTrace(const torch::Tensor& logRatio, int64_t multiplicity);

}  // namespace eigenscope::mixers
