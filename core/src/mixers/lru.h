// Linear Recurrent Unit (Orvieto et al. 2023; the paper's models/lru.py): λ = exp(−exp(ν) + i·exp(θ)),
// h_t = λ ⊙ h_{t-1} + (γ ⊙ B) u_t with γ = √(1 − |λ|²), y_t = Re(C h_t) + D ⊙ u_t. One MIMO head.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

class LruImpl : public MixerImpl {
public:
    LruImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

    dsf::Realization realize(const torch::Tensor& u) override;
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;  // time-invariant: no forward pass
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    torch::Tensor lambda() const;       // (N) complex
    torch::Tensor inputMatrix() const;  // (N, d) complex: γ ⊙ (B_re + i B_im)

    int64_t dModel_, dState_;
    double rMin_, rMax_;
    torch::Tensor theta_log, nu_log, gamma_log, B_re, B_im, C_re, C_im, D;
};

}  // namespace eigenscope::mixers
