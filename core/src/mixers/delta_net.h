// DeltaNet and Gated DeltaNet (flash-linear-attention layers/delta_net.py, gated_deltanet.py): per head
// S_t = α_t (I − β_t k_t k_tᵀ) S_{t-1} + β_t k_t v_tᵀ, o_t = S_tᵀ q_t/√d_k, with q, k SiLU-activated and
// L2-normalized (‖k‖² = Σk²/(Σk² + 1e-6)), β = σ(b_proj x) (×2 with allow_neg_eigval), α = 1 (DeltaNet) or
// exp(−exp(A_log)·softplus(a_proj x + dt_bias)). DSF: Λ_t = α_t(I − β_t k kᵀ) ⊗ I_dv, the one non-diagonal transition: eigenvalues α_t
// (multiplicity (d_k − 1)·d_v) and α_t(1 − β_t‖k‖²) (multiplicity d_v), negative when β > 1.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

class DeltaRuleImpl : public MixerImpl {
public:
    dsf::Realization realize(const torch::Tensor& u) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    DeltaRuleImpl(const ModelSpec& spec, const nlohmann::json& options, bool gated);
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    struct Streams {
        torch::Tensor q, k, v;  // q scaled, q and k unit-norm before that: (B, H, T, dk); v: (B, H, T, dv)
        torch::Tensor beta;     // (B, H, T)
        torch::Tensor logAlpha; // (B, H, T); zero for DeltaNet
        torch::Tensor g;        // output gate (B, H, T, dv) when gated
    };
    Streams project(const torch::Tensor& u);
    torch::Tensor readout(const torch::Tensor& o, const torch::Tensor& g);  // (B, H, T, dv) → (B, T, d)

    int64_t dModel_, heads_, headK_, headV_, convKernel_;
    bool gated_, negativeEigenvalues_;
    double normEps_;
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, b_proj{nullptr}, a_proj{nullptr},
        g_proj{nullptr}, o_proj{nullptr};
    torch::nn::Conv1d q_conv1d{nullptr}, k_conv1d{nullptr}, v_conv1d{nullptr};
    std::shared_ptr<torch::nn::Module> o_norm;
    torch::Tensor normWeight, A_log, dt_bias;
};

std::vector<OptionSpec> deltaRuleOptions(bool gated);
void checkDeltaRule(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

class DeltaNetImpl : public DeltaRuleImpl {
public:
    DeltaNetImpl(const ModelSpec& spec, const nlohmann::json& options) : DeltaRuleImpl(spec, options, false) {}
    static std::vector<OptionSpec> options() { return deltaRuleOptions(false); }
};

class GatedDeltaNetImpl : public DeltaRuleImpl {
public:
    GatedDeltaNetImpl(const ModelSpec& spec, const nlohmann::json& options) : DeltaRuleImpl(spec, options, true) {}
    static std::vector<OptionSpec> options() { return deltaRuleOptions(true); }
};

}  // namespace eigenscope::mixers
