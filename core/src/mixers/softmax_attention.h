// Causal softmax attention (models/attention.py MHA + SelfAttention). DSF: Λ_t = (η_{t-1}/η_t)·I with
// η_t = Σ_{j≤t} exp(q_t·k_j/√head_dim); on a given input the state is indexed by the keys seen.
#pragma once

#include "mixers/attention_base.h"

#include <functional>

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

// Causal softmax attention streamed over key blocks (online softmax), so memory stays O(B·H·T·block).
// q is already scaled. q, k: (B, H, T, D); v: (B, H, T, Dv) or undefined.
struct StreamedSoftmax {
    torch::Tensor output;         // (B, H, T, Dv), undefined without v
    torch::Tensor logNormalizer;  // log η_t = logsumexp_{j≤t}(q_t·k_j), (B, H, T)
    torch::Tensor rowMax;         // max_{j≤t} q_t·k_j, (B, H, T)
};
// `statistics` false: with gradients enabled, the row statistics may be left undefined (the output is all
// the caller needs). `window` > 0: query t sees the keys t − window < j ≤ t only (a sliding window).
StreamedSoftmax streamingSoftmax(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 int64_t block = 256, bool statistics = true, int64_t window = 0);
torch::Tensor streamingLogNormalizer(const torch::Tensor& q, const torch::Tensor& k, int64_t block = 256,
                                     int64_t window = 0);
// (T, T) true where key j is hidden from query t: the future, and with a window the keys j ≤ t − window.
torch::Tensor hiddenKeys(int64_t T, int64_t window, const torch::Device& device);

// The reference analysis code's softmax trace (analysis/eval_eig.py get_eig_att_softmax) from unscaled q, k
// (B, H, T, D): future scores multiplied by 0 (each adding exp(0) to the row sum and 0 to its maximum), λ_t the
// ratio of consecutive row sums. Keys outside a window are left out, as in the forward pass.
dsf::TransitionTrace zeroMaskedTrace(const torch::Tensor& q, const torch::Tensor& k, int64_t multiplicity,
                                     int64_t window = 0);

// The realization of causal softmax attention from scaled q, k (B, H, T, D) and v (B, H, T, Dv), keys outside a
// window excluded: Λ_t = η_{t-1}/η_t on one state slot per key. `readout` maps heads (B, H, T, Dv) to the output.
dsf::Realization softmaxRealization(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t window,
                                    std::function<torch::Tensor(const torch::Tensor&)> readout);
// ‖Φ(t, s)‖ = attention weight · √v_dim per head, (B, H, S, T), from scaled q and k.
torch::Tensor softmaxTransferNorms(const torch::Tensor& q, const torch::Tensor& k, const std::vector<int64_t>& sources,
                                   int64_t vDim, int64_t window);

// Trace of a normalizer-ratio transition: λ_t = exp(logNorm_{t-1} − logNorm_t), t ≥ 1, from (B, H, T).
dsf::TransitionTrace ratioTrace(const torch::Tensor& logNormalizer, int64_t multiplicity);
// The same from log λ_t directly: (B, H, T-1), for t = 1..T-1.
dsf::TransitionTrace logRatioTrace(const torch::Tensor& logRatio, int64_t multiplicity);

}  // namespace eigenscope::mixers
