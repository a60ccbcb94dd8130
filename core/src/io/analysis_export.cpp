#include "eigenscope/analysis_export.h"

#include "io/npy.h"

#include <cmath>
#include <limits>
#include <map>
#include <filesystem>
#include <iomanip>
#include <sstream>

namespace eigenscope {

namespace {

using nlohmann::json;

constexpr int64_t kMetricColumns = 6;  // spectral radius, mean |λ|, median |λ|, near-circle fraction, median τ, alignment

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
            metrics.push_back({{"head", headNumber(layer, int64_t(h))},
                               {"spectral_radius", number(m.spectralRadius)},
                               {"mean_abs", number(m.meanAbs)},
                               {"median_abs", number(m.medianAbs)},
                               {"near_circle_fraction", number(m.nearCircleFraction)},
                               {"median_tau", number(m.medianTau)},
                               {"horizon", m.horizon < 0 ? json(nullptr) : json(m.horizon)},
                               {"alignment", number(m.alignment)}});
        }
        json entry = {{"layer", layer.index},
                      {"mixer", layer.mixer},
                      {"heads", layer.heads},
                      {"steps", layer.steps},
                      {"modes", layer.modes},
                      {"first_step", layer.firstStep},
                      {"multiplicity", layer.multiplicity},
                      {"time_invariant", layer.timeInvariant},
                      {"bins_mean", matrix(layer.binsMean, layer.heads)},
                      {"bins_std", matrix(layer.binsStd, layer.heads)},
                      {"metrics", metrics},
                      {"alignment", number(layer.alignment)}};
        if (!layer.headIndex.empty()) entry["head_index"] = layer.headIndex;
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
            {"impulse_sources", r.impulseSources},
            {"tokens", r.tokens},
            {"input_note", r.inputNote},
            {"horizon_note", "null: R(k) stays above epsilon up to max_lag"},
            {"layers", layers},           {"mixerless_layers", r.mixerlessLayers},
            {"model_alignment", number(r.modelAlignment)},
            {"elapsed_ms", r.elapsedMs}};
}

std::vector<int64_t> shapeOf(const LayerSpectrum& l) { return {l.batch, l.steps, l.heads, l.modes}; }

void addLayerArrays(std::vector<io::NpyArray>& arrays, const AnalysisResult& r, const std::string& prefix) {
    const int64_t nbins = int64_t(r.binEdges.size()) - 1;
    for (size_t l = 0; l < r.layers.size(); ++l) {
        const LayerSpectrum& layer = r.layers[l];
        const std::string name = prefix + "layer" + std::to_string(layer.index) + "_";
        arrays.push_back(io::npyArray(name + "eig", layer.eig, shapeOf(layer)));
        arrays.push_back(io::npyArray(name + "mult", layer.multiplicity, {int64_t(layer.multiplicity.size())}));
        arrays.push_back(io::npyArray(name + "bins", layer.bins, {layer.batch, layer.heads, nbins}));
        arrays.push_back(io::npyArray(name + "bins_mean", layer.binsMean, {layer.heads, nbins}));
        arrays.push_back(io::npyArray(name + "bins_std", layer.binsStd, {layer.heads, nbins}));
        arrays.push_back(io::npyArray(name + "decay", layer.decay, {layer.heads, r.maxLag + 1}));
        std::vector<int64_t> horizon;
        for (const auto& m : layer.metrics) horizon.push_back(m.horizon);
        arrays.push_back(io::npyArray(name + "horizon", horizon, {layer.heads}));
        std::vector<double> metrics;
        for (const auto& m : layer.metrics)
            metrics.insert(metrics.end(), {m.spectralRadius, m.meanAbs, m.medianAbs, m.nearCircleFraction, m.medianTau, m.alignment});
        arrays.push_back(io::npyArray(name + "metrics", metrics, {layer.heads, kMetricColumns}));
        if (!layer.phaseBinsMean.empty()) {
            const int64_t nphase = int64_t(r.phaseEdges.size()) - 1;
            arrays.push_back(io::npyArray(name + "phase_bins_mean", layer.phaseBinsMean, {layer.heads, nphase}));
            arrays.push_back(io::npyArray(name + "phase_bins_std", layer.phaseBinsStd, {layer.heads, nphase}));
        }
        if (!layer.impulse.empty())
            arrays.push_back(io::npyArray(name + "impulse", layer.impulse,
                                          {layer.heads, int64_t(r.impulseSources.size()), r.maxLag + 1}));
        if (!layer.impulseMap.empty())
            arrays.push_back(io::npyArray(name + "impulse_map", layer.impulseMap, {layer.heads, r.seqLen, r.seqLen}));
    }
    if (!r.influence.empty()) arrays.push_back(io::npyArray(prefix + "influence", r.influence, {r.seqLen, r.seqLen}));
    if (!r.taskGaps.empty()) arrays.push_back(io::npyArray(prefix + "task_gaps", r.taskGaps, {int64_t(r.taskGaps.size())}));
    arrays.push_back(io::npyBytes(prefix + "summary_json", resultJson(r).dump()));
}

// The arrays of one result (prefix "" or "init_") back into an AnalysisResult.
AnalysisResult resultFromArrays(const std::map<std::string, torch::Tensor>& arrays, const std::string& prefix,
                                const std::string& origin) {
    const auto array = [&](const std::string& name) -> const torch::Tensor& {
        const auto found = arrays.find(prefix + name);
        if (found == arrays.end()) throw Error(origin + ": no array " + prefix + name + " (not an eigenscope analysis archive?)");
        return found->second;
    };
    const auto doubles = [&](const std::string& name) {
        const auto t = array(name).to(torch::kFloat64).contiguous();
        return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
    };
    const auto integers = [&](const std::string& name) {
        const auto t = array(name).to(torch::kLong).contiguous();
        return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
    };
    const auto edges = [](const json& list) {
        std::vector<double> out;
        for (const auto& e : list) out.push_back(e.is_string() ? std::numeric_limits<double>::infinity() : e.get<double>());
        return out;
    };
    const auto orNan = [](const json& v) { return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>(); };
    const auto text = array("summary_json").to(torch::kUInt8).contiguous();
    AnalysisResult r;
    try {
        const json summary = json::parse(std::string(reinterpret_cast<const char*>(text.data_ptr<uint8_t>()), size_t(text.numel())));
        r.model = summary.at("model");
        r.input = summary.at("input");
        r.mode = summary.at("mode");
        r.batch = summary.at("batch");
        r.seqLen = summary.at("seq_len");
        r.maxLag = summary.at("max_lag");
        r.binEdges = edges(summary.at("bin_edges"));
        r.phaseEdges = edges(summary.at("phase_edges"));
        r.impulseSources = summary.value("impulse_sources", std::vector<int64_t>{});
        r.tokens = summary.value("tokens", std::vector<std::string>{});
        r.inputNote = summary.value("input_note", std::string());
        r.mixerlessLayers = summary.value("mixerless_layers", std::vector<int64_t>{});
        r.modelAlignment = orNan(summary.at("model_alignment"));
        r.elapsedMs = summary.at("elapsed_ms");
        if (arrays.count(prefix + "task_gaps")) r.taskGaps = integers("task_gaps");
        if (arrays.count(prefix + "influence")) r.influence = doubles("influence");
        for (const auto& entry : summary.at("layers")) {
            LayerSpectrum layer;
            layer.index = entry.value("layer", int64_t(r.layers.size()));
            layer.headIndex = entry.value("head_index", std::vector<int64_t>{});
            const std::string name = "layer" + std::to_string(layer.index) + "_";
            layer.mixer = entry.at("mixer");
            layer.heads = entry.at("heads");
            layer.steps = entry.at("steps");
            layer.modes = entry.at("modes");
            layer.firstStep = entry.value("first_step", int64_t(0));
            layer.timeInvariant = entry.at("time_invariant");
            layer.alignment = orNan(entry.at("alignment"));
            const auto eig = array(name + "eig").to(torch::kComplexDouble).contiguous();
            layer.batch = eig.dim() == 4 ? eig.size(0) : 0;
            const auto* z = eig.data_ptr<c10::complex<double>>();
            for (int64_t i = 0; i < eig.numel(); ++i) layer.eig.emplace_back(z[i].real(), z[i].imag());
            layer.multiplicity = integers(name + "mult");
            layer.bins = doubles(name + "bins");
            layer.binsMean = doubles(name + "bins_mean");
            layer.binsStd = doubles(name + "bins_std");
            layer.decay = doubles(name + "decay");
            if (arrays.count(prefix + name + "phase_bins_mean")) {
                layer.phaseBinsMean = doubles(name + "phase_bins_mean");
                layer.phaseBinsStd = doubles(name + "phase_bins_std");
            }
            if (arrays.count(prefix + name + "impulse")) layer.impulse = doubles(name + "impulse");
            if (arrays.count(prefix + name + "impulse_map")) layer.impulseMap = doubles(name + "impulse_map");
            const auto horizon = integers(name + "horizon");
            const auto metrics = doubles(name + "metrics");
            if (int64_t(horizon.size()) != layer.heads || int64_t(metrics.size()) != layer.heads * kMetricColumns)
                throw Error(origin + ": " + prefix + name + "metrics does not have one row per head");
            for (int64_t h = 0; h < layer.heads; ++h) {
                const double* m = metrics.data() + h * kMetricColumns;
                layer.metrics.push_back({m[0], m[1], m[2], m[3], m[4], horizon[size_t(h)], m[5]});
            }
            r.layers.push_back(std::move(layer));
        }
    } catch (const json::exception& e) {
        throw Error(origin + ": " + prefix + "summary_json is not the summary eigenscope writes (" + e.what() + ")");
    }
    return r;
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
    if (!result.tokens.empty()) arrays.push_back(io::npyStrings("tokens", result.tokens));
    addLayerArrays(arrays, result, "");
    if (init) addLayerArrays(arrays, *init, "init_");
    io::writeNpz(path, arrays);
}

AnalysisResult readAnalysisNpz(const std::string& path, AnalysisResult* init) {
    const auto arrays = io::readNpz(path);
    if (init) *init = arrays.count("init_summary_json") ? resultFromArrays(arrays, "init_", path) : AnalysisResult{};
    return resultFromArrays(arrays, "", path);
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
                    bins << which << "," << layer.index << "," << headNumber(layer, h) << "," << formatNumber(r.binEdges[size_t(i)]) << ","
                         << formatNumber(r.binEdges[size_t(i + 1)]) << ","
                         << formatNumber(layer.binsMean[size_t(h * nbins + i)]) << ","
                         << formatNumber(layer.binsStd[size_t(h * nbins + i)]) << "\n";
                const HeadMetrics& m = layer.metrics[size_t(h)];
                metrics << which << "," << layer.index << "," << headNumber(layer, h) << "," << layer.mixer << "," << formatNumber(m.spectralRadius)
                        << "," << formatNumber(m.meanAbs) << "," << formatNumber(m.medianAbs) << ","
                        << formatNumber(m.nearCircleFraction) << "," << formatNumber(m.medianTau) << ","
                        << (m.horizon < 0 ? std::string("") : std::to_string(m.horizon)) << ","
                        << formatNumber(m.alignment) << "\n";
                for (int64_t k = 0; k <= r.maxLag; ++k)
                    decay << which << "," << layer.index << "," << headNumber(layer, h) << "," << k << ","
                          << formatNumber(layer.decay[size_t(h * (r.maxLag + 1) + k)]) << "\n";
            }
            for (int64_t b = 0; b < layer.batch; ++b)
                for (int64_t t = 0; t < layer.steps; ++t)
                    for (int64_t h = 0; h < layer.heads; ++h)
                        for (int64_t k = 0; k < layer.modes; ++k) {
                            const auto& z = layer.eig[size_t(((b * layer.steps + t) * layer.heads + h) * layer.modes + k)];
                            eig << which << "," << layer.index << "," << b << "," << (t + layer.firstStep) << "," << headNumber(layer, h) << "," << k
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
