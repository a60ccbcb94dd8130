// Mamba-1 selective SSM (mamba_ssm modules/mamba_simple.py Mamba): per channel c and state n,
// h_t = exp(Δ_{t,c} A_{c,n}) h_{t-1} + Δ_{t,c} B_t[n] x_t[c], y_t[c] = C_t·h_t + D_c x_t[c], gated by SiLU(z).
// `bcdt_rms_eps` > 0 is Falcon-Mamba (transformers modeling_falcon_mamba.py): B, C and the Δ projection's
// input pass a weightless RMS norm first.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

class S6Impl : public MixerImpl {
public:
    S6Impl(const ModelSpec& spec, const nlohmann::json& options);
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
        torch::Tensor x, z;      // (B, T, d_inner), x after conv + SiLU
        torch::Tensor delta;     // (B, T, d_inner)
        torch::Tensor B, C;      // (B, T, N)
    };
    Streams project(const torch::Tensor& u, bool convolve = true);
    torch::Tensor A() const;  // (d_inner, N)

    int64_t dModel_, dInner_, dState_, dtRank_, convKernel_;
    double bcdtRmsEps_;
    torch::nn::Linear in_proj{nullptr}, x_proj{nullptr}, dt_proj{nullptr}, out_proj{nullptr};
    torch::nn::Conv1d conv1d{nullptr};
    torch::Tensor A_log, D;
};

}  // namespace eigenscope::mixers
