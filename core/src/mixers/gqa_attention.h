// Causal softmax attention as the Hugging Face decoder families build it (transformers models/llama/
// modeling_llama.py LlamaAttention, and mistral, qwen2, qwen3): separate q/k/v/o projections with optional biases,
// grouped-query heads (query head h reads key/value head h / (num_heads / num_kv_heads)), rotary positions
// (rotate-half, inv_freq_i = θ^(−2i/rotary_dim) on the leading rotary_dim channels (all by default, half in
// RecurrentGemma), optionally with Llama-3.1's frequency scaling), an optional per-head RMSNorm of q and k before
// the rotation (Qwen3) and an optional sliding window (Mistral: query t sees keys t − window < j ≤ t). Scale
// 1/√head_dim.
// DSF as softmax_attention, per query head: Λ_t = (η_{t-1}/η_t)·I with η_t the sum of exp(scores) over the keys
// that query t sees; the state holds one slot per key, so a window only changes which slots C_t reads.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/attention_base.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

class GqaAttentionImpl : public MixerImpl {
public:
    GqaAttentionImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

    dsf::Realization realize(const torch::Tensor& u) override;
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    HeadStreams project(const torch::Tensor& u);  // q scaled, rotated; k rotated; k and v repeated to every query head
    void rotate(torch::Tensor& q, torch::Tensor& k);  // (B, H, T, D) each, positions 0..T−1, one cos/sin table

    int64_t dModel_, heads_, kvHeads_, headDim_, rotaryDim_, window_;
    double ropeTheta_, llama3Factor_, llama3Low_, llama3High_, llama3Positions_, normEps_;
    bool qkNorm_;
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
    torch::Tensor qNormWeight, kNormWeight;
};

}  // namespace eigenscope::mixers
