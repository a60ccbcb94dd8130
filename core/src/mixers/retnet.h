// Multi-scale retention (RetNet; flash-linear-attention layers/multiscale_retention.py): per head
// S_t = γ_h S_{t-1} + k_t v_tᵀ, o_t = (q_t/√d_k)ᵀ S_t, γ_h = 1 − 2^{−5−h}, rotary positions on q and k, then
// RMSNorm with a swish output gate and o_proj. DSF: Λ_t = γ_h·I, time-invariant.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

class RetNetImpl : public MixerImpl {
public:
    RetNetImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

    dsf::Realization realize(const torch::Tensor& u) override;
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;  // time-invariant: no forward pass
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    struct Streams {
        torch::Tensor q, k, v, g;  // q, k rotated and q scaled: (B, H, T, dk); v, g: (B, H, T, dv)
    };
    Streams project(const torch::Tensor& u);
    torch::Tensor logGamma(const torch::TensorOptions& options) const;  // (H)
    torch::Tensor readout(const torch::Tensor& o, const torch::Tensor& g);  // (B, H, T, dv) → (B, T, d)

    int64_t dModel_, heads_, keyDim_, valueDim_, headK_, headV_;
    double normEps_;
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, g_proj{nullptr}, o_proj{nullptr};
    std::shared_ptr<torch::nn::Module> g_norm_swish_gate;
    torch::Tensor normWeight;
};

// Rotary position embedding, rotate-half layout, base 10000: x (B, H, T, D) with D even.
torch::Tensor applyRotary(const torch::Tensor& x);

}  // namespace eigenscope::mixers
