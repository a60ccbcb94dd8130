// Gated linear attention (flash-linear-attention layers/gla.py): per head S_t = diag(α_t) S_{t-1} + k_t v_tᵀ,
// o_t = (q_t/√d_k)ᵀ S_t, log α_t = logsigmoid(gk_proj(x_t))/16 per key channel (low-rank gate), then RMSNorm with
// a swish output gate and o_proj. DSF: Λ_t = diag(α_t) ⊗ I_dv, real, one mode per key channel.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

class GlaImpl : public MixerImpl {
public:
    GlaImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

    dsf::Realization realize(const torch::Tensor& u) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    struct Streams {
        torch::Tensor q, k, v, g;  // q scaled: (B, H, T, dk); v, g: (B, H, T, dv)
        torch::Tensor logAlpha;    // (B, H, T, dk)
    };
    Streams project(const torch::Tensor& u);
    torch::Tensor readout(const torch::Tensor& o, const torch::Tensor& g);

    int64_t dModel_, heads_, keyDim_, valueDim_, headK_, headV_, gateRank_;
    double gateNormalizer_, normEps_;
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, g_proj{nullptr}, o_proj{nullptr};
    torch::nn::Sequential gk_proj{nullptr};
    std::shared_ptr<torch::nn::Module> g_norm_swish_gate;
    torch::Tensor normWeight;
};

}  // namespace eigenscope::mixers
