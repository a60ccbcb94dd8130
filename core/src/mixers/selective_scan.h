// The S6 recurrence per channel d and state n: h_t = exp(Δ_t[d] A[d,n]) h_{t-1} + Δ_t[d] B_t[n] x_t[d],
// y_t[d] = Σ_n C_t[n] h_t[d,n]  (h_{-1} = 0; the D·x skip is not included).
#pragma once

#include <torch/types.h>

namespace eigenscope::mixers {

// delta, x: (B, T, D); A: (D, N); Bm, C: (B, T, N). Returns y (B, T, D).
// On CPU one autograd node runs the recurrence in plain loops (backward recomputes the states per channel, so
// nothing of size B·T·D·N is kept); elsewhere it is built from tensor ops. Both compute the same function.
// `decay`: exp(ΔA) (B, T, D, N) when the caller has built it already (for a trace); the CPU scan without
// gradients then reads it instead of building its own.
torch::Tensor selectiveScan(const torch::Tensor& delta, const torch::Tensor& A, const torch::Tensor& x,
                            const torch::Tensor& Bm, const torch::Tensor& C, const torch::Tensor& decay = {});

// The tensor-op form (a step per time step, autograd through every op); any device.
torch::Tensor selectiveScanOps(const torch::Tensor& delta, const torch::Tensor& A, const torch::Tensor& x,
                               const torch::Tensor& Bm, const torch::Tensor& C);

}  // namespace eigenscope::mixers
