// The DSF contract (SPEC §1): a mixer written per head as h_t = Λ_t h_{t-1} + B_t u'_t, y'_t = C_t h_t + D_t u'_t.
// Realizations are exact but dense, meant for small sizes: they are the test oracle for forward and trace.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace eigenscope::dsf {

// Eigenvalues of every Λ_t a forward pass applied: eig (B, T_eff, H, K) complex; mode k of each head has
// multiplicity[k] (its eigenspace dimension in the realization). Time-invariant mixers have T_eff = 1.
struct TransitionTrace {
    torch::Tensor eig;
    std::vector<int64_t> multiplicity;
    bool timeInvariant = false;
    int64_t firstStep = 0;  // the time index of eig[:, 0]: 1 for attention (Λ_0 acts on the empty state)
};

// Per head h: input slice u'_{t,h} (m values), state (n), output slice y'_{t,h} (p values). All tensors are
// complex, broadcastable over batch and time (time-invariant parts may have size 1 there).
//   lambda: (B, T, H, n) when diagonal, else (B, T, H, n, n)
//   input:  (B, T, H, m)     B: (B, T, H, n, m)     C: (B, T, H, p, n)     D: (B, T, H, p, m)
// `readout` maps the real part of y' (B, T, H, p) to the mixer's output (B, T, d_model): the output
// projection, gates and norms that follow the recurrence.
struct Realization {
    torch::Tensor lambda;
    bool diagonal = true;
    torch::Tensor input;
    torch::Tensor B;
    torch::Tensor C;
    torch::Tensor D;
    std::function<torch::Tensor(const torch::Tensor&)> readout;
};

// Runs the explicit recurrence step by step; returns y' (B, T, H, p), complex.
torch::Tensor runRecurrence(const Realization& realization);

// ‖Re Φ(t, s)‖_F per head, Φ(t, s) = C_t Λ_t⋯Λ_{s+1} B_s (+ D_s at t = s), for each source s: (B, H, S, T).
torch::Tensor transferNorms(const Realization& realization, const std::vector<int64_t>& sources);

// Λ_t of a realization as a dense (B, T, H, n, n) complex tensor.
torch::Tensor denseLambda(const Realization& realization);

}  // namespace eigenscope::dsf
