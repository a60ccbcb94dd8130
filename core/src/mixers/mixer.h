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

    // The eigenvalues as the reference analysis code (analysis/eval_eig.py) computes them from x, the block's
    // *output*: no pre-norm, no short conv, no softmax scale, zero-masked scores. The default is the ordinary
    // trace of x, which is exact for input-independent mixers.
    virtual dsf::TransitionTrace paperTrace(const torch::Tensor& x);

    // ‖Φ(t, s)‖_F per head for each source step s: (B, H, S, T), zero for t < s. The default runs the
    // realization (small sizes only); mixers override it with a closed form.
    virtual torch::Tensor transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources);

    // One line for `eigenscope-cli info`, e.g. "mamba2 (heads 1, d_state 128, conv 4)".
    virtual std::string describe() const = 0;

protected:
    virtual torch::Tensor run(const torch::Tensor& u, dsf::TransitionTrace* trace) = 0;
};

}  // namespace eigenscope
