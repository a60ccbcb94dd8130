// The paper's pseudo-LTI SSD ablation (models/mamba.py SSD_LTI): λ_h = exp(−softplus(A_h)·β_h) constant in time,
// Δ only scales B: B̃_t[n] = Δ_{t,h(n)} B_t[n] with h(n) = n div (N/nheads), shared by all heads.
#pragma once

#include "mixers/mamba2.h"

namespace eigenscope::mixers {

class Mamba2LtiImpl : public SsdBaseImpl {
public:
    Mamba2LtiImpl(const ModelSpec& spec, const nlohmann::json& options);
    static std::vector<OptionSpec> options();
    static void check(const ModelSpec& spec, const nlohmann::json& options, const std::string& where);

    dsf::Realization realize(const torch::Tensor& u) override;
    dsf::TransitionTrace paperTrace(const torch::Tensor& x) override;
    torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) override;
    std::string describe() const override { return "mamba2_lti (" + shape() + ")"; }

protected:
    torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) override;

private:
    torch::Tensor logLambda() const;                  // (H): −softplus(A)·β
    torch::Tensor scaledB(const Streams& s) const;    // B̃ (B, T, N)
    torch::Tensor A, beta;
};

}  // namespace eigenscope::mixers
