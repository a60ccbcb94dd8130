// Statistics of a transition trace: decay curves and per-head metrics (torch, vectorized).
#pragma once

#include "dsf/realization.h"
#include "eigenscope/analysis.h"

#include <atomic>

namespace eigenscope::spectra {

// R_h(k) = mean over samples and windows of max over modes of Π_{j in window of length k} |λ_j| (SPEC §3.4);
// a time-invariant trace gives max_k |λ_k|^lag. eigAbs: (B, T_eff, H, K) float64. Returns (H, maxLag + 1);
// NaN where no window of that length fits in the trace.
// `cancel`, when set during the computation, makes it throw eigenscope::Cancelled.
torch::Tensor decayCurves(const torch::Tensor& eigAbs, bool timeInvariant, int64_t maxLag,
                          const std::atomic<bool>* cancel = nullptr);

// The first k ≥ 1 with R(k) < ε per head, −1 if none.
std::vector<int64_t> horizons(const torch::Tensor& decay, double epsilon);

// Spectral radius, mean/median |λ|, near-circle fraction and median τ per head. eigAbs: (B, T_eff, H, K).
std::vector<HeadMetrics> headMetrics(const torch::Tensor& eigAbs, double nearCircle);

// The longest of several horizons, −1 (beyond the curve) if any is.
int64_t longestHorizon(const std::vector<HeadMetrics>& metrics, int64_t longest = 0);

// Fraction of the gaps g with g ≤ horizon (−1: beyond the curve, counted as within); NaN without gaps.
double alignment(const std::vector<int64_t>& gaps, int64_t horizon);

// Everything the analysis reports about one layer's trace: eigenvalues, bins (closed in paper mode), metrics,
// decay, horizons, alignment.
LayerSpectrum summarizeTrace(const std::string& mixer, const dsf::TransitionTrace& trace, const AnalysisOptions& options,
                             int64_t maxLag, const std::vector<int64_t>& gaps);

std::vector<std::complex<double>> toVector(const torch::Tensor& eig);
std::vector<double> toDoubles(const torch::Tensor& t);

// True when a trace's K modes have multiplicities of their own that are not all equal (the delta rule): its bins
// and head metrics then count each mode as often as its multiplicity.
bool multiplicitiesDiffer(const std::vector<int64_t>& multiplicity, int64_t modes);

}  // namespace eigenscope::spectra
