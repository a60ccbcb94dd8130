// A sequence mixer: one torch module with reference parameter names, its forward pass, the transition trace
// recorded by that same forward pass, and an exact DSF realization for tests and small-size analysis.
#pragma once

#include "dsf/realization.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>

namespace eigenscope {

class MixerImpl : public torch::nn::Module {
public:
    // u: (B, T, d_model) → (B, T, d_model).
    torch::Tensor forward(const torch::Tensor& u) { return run(u, nullptr); }

    // The same forward pass, also recording the eigenvalues of each Λ_t it applies.
    torch::Tensor forwardWithTrace(const torch::Tensor& u, dsf::TransitionTrace& trace) { return run(u, &trace); }

    virtual dsf::Realization realize(const torch::Tensor& u) = 0;

    // One line for `eigenscope-cli info`, e.g. "mamba2 (heads 1, d_state 128, conv 4)".
    virtual std::string describe() const = 0;

protected:
    virtual torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) = 0;
};

}  // namespace eigenscope
