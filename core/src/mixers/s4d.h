// S4D (state-spaces/s4 models/s4/s4d.py): diagonal complex A = −exp(log_A_real) + i·A_imag per channel,
// ZOH: λ = exp(ΔA), B̄ = (exp(ΔA) − 1)/A, kernel K_l = 2·Re Σ_n C_n B̄_n λ_n^l, y = K ∗ u + D·u.
// N/2 conjugate pairs are stored; the realization and trace carry both members of each pair.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"
#include "mixers/mixer.h"

namespace eigenscope::mixers {

class S4dImpl : public MixerImpl {
public:
    S4dImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

    dsf::Realization realize(const torch::Tensor& u) override;
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;  // time-invariant: no forward pass
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override;

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    torch::Tensor continuousA() const;  // (d, N/2) complex
    torch::Tensor dtA() const;          // (d, N/2) complex: Δ·A
    torch::Tensor kernel(int64_t T) const;  // (d, T) real

    int64_t dModel_, dState_;
    std::string init_;
    std::shared_ptr<torch::nn::Module> kernelModule;
    torch::Tensor log_dt, C, log_A_real, A_imag, D;
};

}  // namespace eigenscope::mixers
