// Normalized attention (models/norm_attention.py MHNA + SelfNormAttention): y_t = g_t q_tᵀ Σ_{j≤t} k_j v_jᵀ with
// g_t = exp(−ν(n_t + o_h)) per head. DSF: Λ_t = (g_t/g_{t-1})·I, state = g_t Σ k_j v_jᵀ.
#pragma once

#include "mixers/attention_base.h"

namespace eigenscope::mixers {

class NormAttentionImpl : public MixerImpl {
public:
    NormAttentionImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

    dsf::Realization realize(const torch::Tensor& u) override;
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    struct Streams {
        torch::Tensor q, k, v;   // (B, H, T, ·), after conv, feature map and scale
        torch::Tensor logGate;   // (B, H, T): log g_t = −ν(n_t + o_h)
    };
    Streams project(const torch::Tensor& u, bool convolve = true);
    torch::Tensor normalizer(const torch::Tensor& x) const;  // ν = norm_fn

    int64_t dModel_, heads_, qkDim_, headDim_, vDim_;
    bool dsfLayout_;
    int64_t convKernel_;
    std::string convType_, normFn_, approxFn_;
    bool scaleB_, useOffset_;
    torch::nn::Linear Wvqkn{nullptr}, Wqk{nullptr}, Wv{nullptr}, Wn{nullptr}, out_proj{nullptr};
    torch::nn::Conv1d conv1d{nullptr};
    std::shared_ptr<torch::nn::Module> inner_attn;
    torch::Tensor offset;
};

// The reference offset initializations (models/norm_attention.py init_offset).
torch::Tensor initialOffset(const std::string& kind, int64_t heads);

}  // namespace eigenscope::mixers
