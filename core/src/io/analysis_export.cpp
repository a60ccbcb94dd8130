#include "eigenscope/analysis_export.h"

#include "io/npy.h"

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

namespace eigenscope {

namespace {

using nlohmann::json;

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json edgesJson(const std::vector<double>& edges) {
    json out = json::array();
    for (double e : edges) out.push_back(std::isinf(e) ? json("inf") : json(e));
    return out;
}

json matrix(const std::vector<double>& values, int64_t rows) {
    json out = json::array();
    if (rows == 0) return out;
    const size_t cols = values.size() / size_t(rows);
    for (int64_t r = 0; r < rows; ++r) {
        json row = json::array();
        for (size_t c = 0; c < cols; ++c) row.push_back(number(values[size_t(r) * cols + c]));
        out.push_back(row);
    }
    return out;
}

json resultJson(const AnalysisResult& r) {
    json layers = json::array();
    for (size_t l = 0; l < r.layers.size(); ++l) {
        const LayerSpectrum& layer = r.layers[l];
        json metrics = json::array();
        for (size_t h = 0; h < layer.metrics.size(); ++h) {
            const HeadMetrics& m = layer.metrics[h];
            metrics.push_back({{"head", h},
                               {"spectral_radius", number(m.spectralRadius)},
                               {"mean_abs", number(m.meanAbs)},
                               {"median_abs", number(m.medianAbs)},
                               {"near_circle_fraction", number(m.nearCircleFraction)},
                               {"median_tau", number(m.medianTau)},
                               {"horizon", m.horizon < 0 ? json(nullptr) : json(m.horizon)},
                               {"alignment", number(m.alignment)}});
        }
        json entry = {{"layer", l},
                      {"mixer", layer.mixer},
                      {"heads", layer.heads},
                      {"steps", layer.steps},
                      {"modes", layer.modes},
                      {"multiplicity", layer.multiplicity},
                      {"time_invariant", layer.timeInvariant},
                      {"bins_mean", matrix(layer.binsMean, layer.heads)},
                      {"bins_std", matrix(layer.binsStd, layer.heads)},
                      {"metrics", metrics},
                      {"alignment", number(layer.alignment)}};
        if (!layer.phaseBinsMean.empty()) {
            entry["phase_bins_mean"] = matrix(layer.phaseBinsMean, layer.heads);
            entry["phase_bins_std"] = matrix(layer.phaseBinsStd, layer.heads);
        }
        layers.push_back(entry);
    }
    return {{"model", r.model},           {"input", r.input},
            {"mode", r.mode},             {"batch", r.batch},
            {"seq_len", r.seqLen},        {"max_lag", r.maxLag},
            {"bin_edges", edgesJson(r.binEdges)},
            {"phase_edges", edgesJson(r.phaseEdges)},
            {"horizon_note", "null: R(k) stays above epsilon up to max_lag"},
            {"layers", layers},           {"model_alignment", number(r.modelAlignment)},
            {"elapsed_ms", r.elapsedMs}};
}

std::vector<int64_t> shapeOf(const LayerSpectrum& l) { return {l.batch, l.steps, l.heads, l.modes}; }

void addLayerArrays(std::vector<io::NpyArray>& arrays, const AnalysisResult& r, const std::string& prefix) {
    const int64_t nbins = int64_t(r.binEdges.size()) - 1;
    for (size_t l = 0; l < r.layers.size(); ++l) {
        const LayerSpectrum& layer = r.layers[l];
        const std::string name = prefix + "layer" + std::to_string(l) + "_";
        arrays.push_back(io::npyArray(name + "eig", layer.eig, shapeOf(layer)));
        arrays.push_back(io::npyArray(name + "mult", layer.multiplicity, {int64_t(layer.multiplicity.size())}));
        arrays.push_back(io::npyArray(name + "bins_mean", layer.binsMean, {layer.heads, nbins}));
        arrays.push_back(io::npyArray(name + "bins_std", layer.binsStd, {layer.heads, nbins}));
        arrays.push_back(io::npyArray(name + "decay", layer.decay, {layer.heads, r.maxLag + 1}));
        std::vector<int64_t> horizon;
        for (const auto& m : layer.metrics) horizon.push_back(m.horizon);
        arrays.push_back(io::npyArray(name + "horizon", horizon, {layer.heads}));
        if (!layer.impulse.empty())
            arrays.push_back(io::npyArray(name + "impulse", layer.impulse,
                                          {layer.heads, int64_t(r.impulseSources.size()), r.maxLag + 1}));
        if (!layer.impulseMap.empty())
            arrays.push_back(io::npyArray(name + "impulse_map", layer.impulseMap, {layer.heads, r.seqLen, r.seqLen}));
    }
    if (!r.influence.empty()) arrays.push_back(io::npyArray(prefix + "influence", r.influence, {r.seqLen, r.seqLen}));
}

std::string formatNumber(double v) {
    if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    std::ostringstream out;
    out << std::setprecision(17) << v;
    return out.str();
}

}  // namespace

json analysisJson(const AnalysisResult& result, const AnalysisResult* init) {
    json out = resultJson(result);
    if (init) {
        out["init"] = resultJson(*init);
        json difference = json::array();
        const auto diff = binMassDifference(*init, result);
        for (size_t l = 0; l < diff.size(); ++l) difference.push_back(matrix(diff[l], result.layers[l].heads));
        out["bins_mean_difference_vs_init"] = difference;
    }
    return out;
}

void writeAnalysisJson(const std::string& path, const AnalysisResult& result, const AnalysisResult* init) {
    io::writeFileAtomically(path, analysisJson(result, init).dump(2) + "\n");
}

void writeAnalysisNpz(const std::string& path, const AnalysisResult& result, const AnalysisResult* init) {
    std::vector<io::NpyArray> arrays;
    arrays.push_back(io::npyArray("bin_edges", result.binEdges, {int64_t(result.binEdges.size())}));
    if (!result.taskGaps.empty())
        arrays.push_back(io::npyArray("task_gaps", result.taskGaps, {int64_t(result.taskGaps.size())}));
    addLayerArrays(arrays, result, "");
    if (init) addLayerArrays(arrays, *init, "init_");
    io::writeNpz(path, arrays);
}

void writeAnalysisCsv(const std::string& directory, const AnalysisResult& result, const AnalysisResult* init) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) throw Error(directory + ": cannot create the directory (" + ec.message() + ")");
    std::ostringstream bins, metrics, decay, eig;
    bins << "model,layer,head,bin_low,bin_high,mean_percent,std_percent\n";
    metrics << "model,layer,head,mixer,spectral_radius,mean_abs,median_abs,near_circle_fraction,median_tau,horizon,alignment\n";
    decay << "model,layer,head,k,retention\n";
    eig << "model,layer,sample,step,head,mode,real,imag,abs,multiplicity\n";
    const auto addResult = [&](const AnalysisResult& r, const std::string& which) {
        const int64_t nbins = int64_t(r.binEdges.size()) - 1;
        for (size_t l = 0; l < r.layers.size(); ++l) {
            const LayerSpectrum& layer = r.layers[l];
            for (int64_t h = 0; h < layer.heads; ++h) {
                for (int64_t i = 0; i < nbins; ++i)
                    bins << which << "," << l << "," << h << "," << formatNumber(r.binEdges[size_t(i)]) << ","
                         << formatNumber(r.binEdges[size_t(i + 1)]) << ","
                         << formatNumber(layer.binsMean[size_t(h * nbins + i)]) << ","
                         << formatNumber(layer.binsStd[size_t(h * nbins + i)]) << "\n";
                const HeadMetrics& m = layer.metrics[size_t(h)];
                metrics << which << "," << l << "," << h << "," << layer.mixer << "," << formatNumber(m.spectralRadius)
                        << "," << formatNumber(m.meanAbs) << "," << formatNumber(m.medianAbs) << ","
                        << formatNumber(m.nearCircleFraction) << "," << formatNumber(m.medianTau) << ","
                        << (m.horizon < 0 ? std::string("") : std::to_string(m.horizon)) << ","
                        << formatNumber(m.alignment) << "\n";
                for (int64_t k = 0; k <= r.maxLag; ++k)
                    decay << which << "," << l << "," << h << "," << k << ","
                          << formatNumber(layer.decay[size_t(h * (r.maxLag + 1) + k)]) << "\n";
            }
            for (int64_t b = 0; b < layer.batch; ++b)
                for (int64_t t = 0; t < layer.steps; ++t)
                    for (int64_t h = 0; h < layer.heads; ++h)
                        for (int64_t k = 0; k < layer.modes; ++k) {
                            const auto& z = layer.eig[size_t(((b * layer.steps + t) * layer.heads + h) * layer.modes + k)];
                            eig << which << "," << l << "," << b << "," << (t + layer.firstStep) << "," << h << "," << k
                                << "," << formatNumber(z.real()) << "," << formatNumber(z.imag()) << ","
                                << formatNumber(std::abs(z)) << "," << layer.multiplicity[size_t(k)] << "\n";
                        }
        }
    };
    addResult(result, "current");
    if (init) addResult(*init, "init");
    const std::filesystem::path dir(directory);
    io::writeFileAtomically((dir / "bins.csv").string(), bins.str());
    io::writeFileAtomically((dir / "metrics.csv").string(), metrics.str());
    io::writeFileAtomically((dir / "decay.csv").string(), decay.str());
    io::writeFileAtomically((dir / "eigenvalues.csv").string(), eig.str());
}

}  // namespace eigenscope
