// The influence map ‖∂y_t/∂u_s‖_F of a sequence function by autograd.
#pragma once

#include <torch/torch.h>

#include <functional>

namespace eigenscope::spectra {

// f maps (N, T, d_in) to (N, T, d_out), causally and independently per sample. u: (T, d_in), one sample.
// Returns (T, T) with entry (t, s) = ‖∂f(u)_t/∂u_s‖_F. probes = 0 computes it exactly (d_out backward passes
// over a batch of T copies); probes > 0 estimates ‖J‖_F² as the mean of ‖Jᵀv‖² over Gaussian v.
torch::Tensor influenceMap(const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& u,
                           int64_t probes, uint64_t seed = 0);

}  // namespace eigenscope::spectra
