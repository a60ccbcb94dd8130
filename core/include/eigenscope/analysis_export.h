// Analysis results as JSON summaries, NumPy .npz archives and CSV tables. Every file is written atomically.
#pragma once

#include "eigenscope/analysis.h"

#include <nlohmann/json.hpp>

#include <string>

namespace eigenscope {

// The summary: model, input, mode, per layer/head bin means and stds, metrics, horizons, alignment; with
// `init`, the same for the initialized model and the per-bin difference (result − init).
nlohmann::json analysisJson(const AnalysisResult& result, const AnalysisResult* init = nullptr);

void writeAnalysisJson(const std::string& path, const AnalysisResult& result, const AnalysisResult* init = nullptr);

// Arrays layer{l}_eig (complex128, (B, T_eff, H, K)), layer{l}_mult, layer{l}_bins (B, H, nbins),
// layer{l}_bins_mean/std (H, nbins), layer{l}_decay (H, K_max + 1), layer{l}_horizon (H), layer{l}_metrics (H, 6:
// spectral radius, mean |λ|, median |λ|, near-circle fraction, median τ, alignment), bin_edges, summary_json (the
// JSON summary as UTF-8 bytes), and when computed layer{l}_impulse, layer{l}_impulse_map, layer{l}_phase_bins_mean/std,
// influence, task_gaps; with `init` the same prefixed "init_".
void writeAnalysisNpz(const std::string& path, const AnalysisResult& result, const AnalysisResult* init = nullptr);

// An archive writeAnalysisNpz wrote, back as a result (and its "init_" result into `init` when asked; empty when the
// archive has none). Errors name the file and what is missing.
AnalysisResult readAnalysisNpz(const std::string& path, AnalysisResult* init = nullptr);

// bins.csv, metrics.csv, decay.csv, eigenvalues.csv in `directory` (created when missing).
void writeAnalysisCsv(const std::string& directory, const AnalysisResult& result, const AnalysisResult* init = nullptr);

}  // namespace eigenscope
