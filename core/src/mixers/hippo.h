// HiPPO-LegS in DPLR form (Gu et al. 2022; the paper's models/common.py make_DPLR_HiPPO, state-spaces/s4 nplr):
// A = S − p pᵀ with S = A_legs + p pᵀ normal, S = V diag(−½ + iω) Vᴴ.
#pragma once

#include <torch/torch.h>

namespace eigenscope::mixers {

struct HippoDplr {
    torch::Tensor omega;  // (N) float64, ascending: Im of the eigenvalues of S
    torch::Tensor P;      // (N) complex128: Vᴴ p
    torch::Tensor B;      // (N) complex128: Vᴴ b
};

HippoDplr hippoLegsDplr(int64_t n);

}  // namespace eigenscope::mixers
