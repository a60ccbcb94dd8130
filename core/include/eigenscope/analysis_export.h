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

// Arrays layer{l}_eig (complex128, (B, T_eff, H, K)), layer{l}_mult, layer{l}_bins_mean/std (H, nbins),
// layer{l}_decay (H, K_max + 1), layer{l}_horizon (H), bin_edges, and when computed layer{l}_impulse,
// layer{l}_impulse_map, influence, task_gaps; with `init` the same prefixed "init_".
void writeAnalysisNpz(const std::string& path, const AnalysisResult& result, const AnalysisResult* init = nullptr);

// bins.csv, metrics.csv, decay.csv, eigenvalues.csv in `directory` (created when missing).
void writeAnalysisCsv(const std::string& directory, const AnalysisResult& result, const AnalysisResult* init = nullptr);

}  // namespace eigenscope
