// S4 with DPLR state matrix and bilinear discretization (the paper's models/s4.py, vmapped over channels):
// A = diag(Λ) − P Pᴴ, Ā = (I − Δ/2·A)⁻¹(I + Δ/2·A), B̄ = Δ(I − Δ/2·A)⁻¹B; the convolution kernel comes from the
// truncated generating function (Cauchy + Woodbury) of length l_max = seq_len, output Re(·) + D·u.
// Complex parameters are stored as real (…, 2) pairs, so every parameter is a real tensor.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

class S4Impl : public MixerImpl {
public:
    S4Impl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec&, const nlohmann::json&, const std::string&) {}

    dsf::Realization realize(const torch::Tensor& u) override;
    // Time-invariant: the trace depends on x only through its batch size, so no forward pass is run.
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    struct Discrete {
        torch::Tensor Abar;  // (d, N, N) complex
        torch::Tensor Bbar;  // (d, N) complex
    };
    torch::Tensor lambdaDiag() const;  // (d, N) complex: min(Λ_re, −1e-4) + iΛ_im
    torch::Tensor step() const;        // (d) Δ = exp(log_step)
    Discrete discretize(bool doublePrecision) const;
    torch::Tensor kernel(int64_t T) const;  // (d, T) real
    // eig(A) per channel (d, N), complex128 on the CPU, by ascending imaginary part; recomputed only when Λ or P
    // changed.
    torch::Tensor stateEigenvalues();
    // eig(Ā) per channel (d, N), complex128 on the parameters' device, in the order of stateEigenvalues().
    torch::Tensor transitionEigenvalues();

    int64_t dModel_, dState_, lMax_;
    torch::Tensor Lambda_re, Lambda_im, P, B, C, D, log_step;
    torch::Tensor cachedEig_;
    std::vector<int64_t> cachedKey_;
};

}  // namespace eigenscope::mixers
