#include "eigenscope/analysis.h"

#include "model/model_handle.h"
#include "spectra/influence.h"
#include "spectra/inputs.h"
#include "spectra/statistics.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace eigenscope {

namespace {

void checkOptions(const AnalysisOptions& o) {
    if (o.mode != "corrected" && o.mode != "paper")
        throw Error("analysis mode \"" + o.mode + "\" is not one of: corrected, paper");
    if (o.binEdges.size() < 2) throw Error("bin edges: at least two are needed");
    for (size_t i = 1; i < o.binEdges.size(); ++i)
        if (!(o.binEdges[i] > o.binEdges[i - 1])) throw Error("bin edges must increase strictly");
    for (size_t i = 1; i < o.phaseEdges.size(); ++i)
        if (!(o.phaseEdges[i] > o.phaseEdges[i - 1])) throw Error("phase bin edges must increase strictly");
    if (!(o.epsilon > 0 && o.epsilon < 1)) throw Error("epsilon must be in (0, 1)");
    if (o.maxLag < 0) throw Error("max lag must not be negative");
    if (o.device != "cpu" && o.device != "cuda") throw Error("device \"" + o.device + "\" is not one of: cpu, cuda");
    if (o.device == "cuda" && !torch::cuda::is_available())
        throw Error("device cuda: this LibTorch build has no CUDA support or no CUDA device is visible");
}

void checkCancel(const AnalysisOptions& o) {
    if (o.cancel && o.cancel->load()) throw Cancelled();
}

void report(const AnalysisOptions& o, double fraction, const std::string& stage) {
    if (o.progress) o.progress(fraction, stage);
}

// ‖Φ(s+k, s)‖ for k = 0..maxLag: (B, H, S, T) norms → (H, S, maxLag + 1), mean over the batch, NaN past T.
std::vector<double> impulseCurves(const torch::Tensor& norms, const std::vector<int64_t>& sources, int64_t maxLag) {
    const auto mean = norms.to(torch::kCPU, torch::kFloat64).mean(0);  // (H, S, T)
    const int64_t H = mean.size(0), T = mean.size(2), S = int64_t(sources.size());
    auto out = torch::full({H, S, maxLag + 1}, std::numeric_limits<double>::quiet_NaN(), torch::kFloat64);
    for (int64_t i = 0; i < S; ++i) {
        const int64_t len = std::min(maxLag + 1, T - sources[size_t(i)]);
        out.select(1, i).narrow(1, 0, len).copy_(mean.select(1, i).narrow(1, sources[size_t(i)], len));
    }
    return spectra::toDoubles(out);
}

}  // namespace

std::vector<double> binPercentages(const LayerSpectrum& layer, const std::vector<double>& edges, bool closed, bool phase) {
    const int64_t B = layer.batch, T = layer.steps, H = layer.heads, K = layer.modes;
    const int64_t nbins = int64_t(edges.size()) - 1;
    std::vector<double> out(size_t(B * H * nbins), 0.0);
    if (T * K == 0) return out;
    // Each mode counts as often as its multiplicity (the one case where they differ is the delta rule).
    std::vector<double> scale(size_t(K), 100.0 / double(T * K));
    const auto& multiplicity = layer.multiplicity;
    if (spectra::multiplicitiesDiffer(multiplicity, K)) {
        const double total = double(std::accumulate(multiplicity.begin(), multiplicity.end(), int64_t(0)));
        for (int64_t k = 0; k < K; ++k) scale[size_t(k)] = 100.0 * double(multiplicity[size_t(k)]) / (double(T) * total);
    }
    for (int64_t b = 0; b < B; ++b) {
        for (int64_t t = 0; t < T; ++t) {
            for (int64_t h = 0; h < H; ++h) {
                for (int64_t k = 0; k < K; ++k) {
                    const auto& z = layer.eig[size_t(((b * T + t) * H + h) * K + k)];
                    // Phase in degrees; the corrected mode folds conjugates onto [0, 180], the reference
                    // code keeps arctan2's sign (negative angles fall in no bin).
                    const double v = phase ? (closed ? std::arg(z) : std::abs(std::arg(z))) * 180.0 / M_PI : std::abs(z);
                    for (int64_t i = 0; i < nbins; ++i) {
                        const double lo = edges[size_t(i)], hi = edges[size_t(i + 1)];
                        const bool last = i == nbins - 1;
                        const bool inside = closed ? (last ? (v > lo && v <= hi) : (v >= lo && v <= hi))
                                                   : (v >= lo && (v < hi || (last && std::isinf(hi) && v == hi)));
                        if (inside) {
                            out[size_t((b * H + h) * nbins + i)] += scale[size_t(k)];
                            if (!closed) break;
                        }
                    }
                }
            }
        }
    }
    return out;
}

std::string binLabel(const std::vector<double>& edges, size_t i, const std::string& mode) {
    const auto edge = [](double v) {
        if (std::isinf(v)) return std::string(v > 0 ? "∞" : "-∞");
        char text[32];
        std::snprintf(text, sizeof text, "%g", v);
        return std::string(text);
    };
    const bool closed = mode == "paper", last = i + 2 == edges.size();
    const double hi = edges[i + 1];
    return std::string(closed && last ? "(" : "[") + edge(edges[i]) + "," + edge(hi) +
           (closed && !std::isinf(hi) ? "]" : ")");
}

std::vector<std::vector<double>> binMassDifference(const AnalysisResult& a, const AnalysisResult& b) {
    if (a.layers.size() != b.layers.size()) throw Error("compare: the two results have different numbers of layers");
    std::vector<std::vector<double>> out;
    for (size_t l = 0; l < a.layers.size(); ++l) {
        if (a.layers[l].binsMean.size() != b.layers[l].binsMean.size())
            throw Error("compare: layer " + std::to_string(l) + " has different heads or bins in the two results");
        std::vector<double> diff(a.layers[l].binsMean.size());
        for (size_t i = 0; i < diff.size(); ++i) diff[i] = b.layers[l].binsMean[i] - a.layers[l].binsMean[i];
        out.push_back(diff);
    }
    return out;
}

namespace {

// Puts a module on the analysis device and dtype (half-precision vocabulary matrices stay so: they are widened on use)
// in evaluation mode, and back as it was when it goes out of scope
// (also when the analysis throws): every parameter and buffer gets its original tensor back, every submodule its
// mode, so the caller's model (the trainer's live one, say) is the same object afterwards.
class ModuleStateGuard {
public:
    ModuleStateGuard(SequenceModel module, const torch::Device& device, torch::Dtype dtype) : module_(std::move(module)) {
        for (const auto& t : module_->parameters(true)) tensors_.push_back(t.data());
        for (const auto& t : module_->buffers(true)) tensors_.push_back(t.data());
        for (const auto& m : module_->modules(true)) training_.push_back(m->is_training());
        const auto move = [&](torch::Tensor t) {
            const bool widen = t.is_floating_point() && !keepsStoredPrecision(t);
            t.set_data(widen ? t.data().to(device, dtype) : t.data().to(device));
        };
        for (auto& t : module_->parameters(true)) move(t);
        for (auto& t : module_->buffers(true)) move(t);
        module_->eval();
    }
    ~ModuleStateGuard() {
        size_t i = 0;
        for (auto& t : module_->parameters(true)) t.set_data(tensors_[i++]);
        for (auto& t : module_->buffers(true)) t.set_data(tensors_[i++]);
        size_t j = 0;
        for (const auto& m : module_->modules(true)) m->train(training_[j++]);
    }
    ModuleStateGuard(const ModuleStateGuard&) = delete;
    ModuleStateGuard& operator=(const ModuleStateGuard&) = delete;

private:
    SequenceModel module_;
    std::vector<torch::Tensor> tensors_;
    std::vector<bool> training_;
};

}  // namespace

AnalysisResult analyze(const Model& model, const InputSpec& input, const AnalysisOptions& o) {
    checkOptions(o);
    const auto started = std::chrono::steady_clock::now();
    const ModelSpec& spec = model.spec();
    auto& module = model.impl->module;
    const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);
    const auto dtype = o.float64 ? torch::kFloat64 : torch::kFloat32;
    const ModuleStateGuard restore(module, device, dtype);

    auto built = spectra::buildInput(spec, input, model.source().tokenizer);
    AnalysisResult result;
    result.model = spec.name;
    result.input = describeInput(input);
    result.mode = o.mode;
    result.binEdges = o.binEdges;
    result.phaseEdges = o.phaseEdges;
    result.impulseSources = o.impulseSources;
    result.taskGaps = built.gaps;
    result.tokens = built.tokenText;
    result.inputNote = built.note;

    torch::Tensor x;
    {
        torch::NoGradGuard noGrad;
        x = built.embeddings.defined() ? built.embeddings.to(device, dtype) : module->encode(built.tokens.to(device));
    }
    const torch::Tensor embeddings = x;
    result.batch = x.size(0);
    result.seqLen = x.size(1);
    const int64_t T = x.size(1);
    result.maxLag = o.maxLag > 0 ? o.maxLag : std::max<int64_t>(T - 1, 1);
    for (int64_t s : o.impulseSources)
        if (s < 0 || s >= T) throw Error("impulse source " + std::to_string(s) + " is outside [0, " + std::to_string(T) + ")");

    const auto& blocks = module->blocks();
    for (int64_t l : o.layers) {
        if (l < 0 || l >= int64_t(blocks.size()))
            throw Error("layers: " + std::to_string(l) + " is outside the model's " + std::to_string(blocks.size()) + " layers");
        if (!blocks[size_t(l)]->hasMixer())
            throw Error("layers: layer " + std::to_string(l) + " has no sequence mixer (" + blocks[size_t(l)]->describe() +
                        ")");
    }
    // Blocks without a mixer have no spectrum: they run and are passed by.
    const auto selected = [&](size_t l) {
        return blocks[l]->hasMixer() && (o.layers.empty() || std::count(o.layers.begin(), o.layers.end(), int64_t(l)));
    };
    // Without the influence map, the blocks after the last selected layer need not run.
    size_t lastBlock = blocks.size();
    if (!o.layers.empty() && !o.influence) lastBlock = size_t(*std::max_element(o.layers.begin(), o.layers.end())) + 1;
    const double steps = double(lastBlock) + (o.influence ? 1.0 : 0.0);
    for (size_t l = 0; l < lastBlock; ++l) {
        report(o, double(l) / steps, "layer " + std::to_string(l + 1) + "/" + std::to_string(blocks.size()));
        checkCancel(o);
        torch::NoGradGuard noGrad;
        auto block = blocks[l];
        if (!selected(l)) {
            if (!block->hasMixer() && o.layers.empty()) result.mixerlessLayers.push_back(int64_t(l));
            x = block->forward(x);
            continue;
        }
        const auto mixerInput = block->mixerInput(x);
        dsf::TransitionTrace trace;
        torch::Tensor next;
        if (o.mode == "corrected") {
            next = block->forward(x, &trace);
        } else {
            next = block->forward(x);
            trace = block->mixer().paperTrace(next);  // the reference reads layer l's output (eval_eig.py)
        }
        checkCancel(o);
        torch::Tensor heads;  // the kept heads as an index, when a selection is asked for
        if (!o.heads.empty()) {
            for (int64_t h : o.heads)
                if (h < 0 || h >= trace.eig.size(2))
                    throw Error("heads: " + std::to_string(h) + " is outside the " + std::to_string(trace.eig.size(2)) +
                                " heads of layer " + std::to_string(l));
            heads = torch::tensor(o.heads, torch::kLong).to(trace.eig.device());
            trace.eig = trace.eig.index_select(2, heads);
        }
        LayerSpectrum layer = spectra::summarizeTrace(spec.blocks[l].mixer.type, trace, o, result.maxLag, built.gaps);
        layer.index = int64_t(l);
        layer.headIndex = o.heads;
        const auto keptHeads = [&](const torch::Tensor& norms) {  // (B, H, …) → the selected heads
            return heads.defined() ? norms.index_select(1, heads.to(norms.device())) : norms;
        };
        checkCancel(o);
        if (!o.impulseSources.empty())
            layer.impulse = impulseCurves(keptHeads(block->mixer().transferNorms(mixerInput, o.impulseSources)),
                                          o.impulseSources, result.maxLag);
        if (o.impulseMap) {
            std::vector<int64_t> all(static_cast<size_t>(T));
            for (int64_t t = 0; t < T; ++t) all[size_t(t)] = t;
            // transferNorms is indexed [source s][step t]; the map is [t][s], zero above the diagonal.
            const auto norms = keptHeads(block->mixer().transferNorms(mixerInput.narrow(0, 0, 1), all)).select(0, 0);
            layer.impulseMap = spectra::toDoubles(norms.transpose(1, 2).contiguous());
        }
        result.layers.push_back(std::move(layer));
        x = next;
    }
    if (o.influence) {
        report(o, double(lastBlock) / steps, "influence");
        checkCancel(o);
        const auto f = [&](const torch::Tensor& e) { return module->forwardFromEmbeddings(e); };
        result.influence = spectra::toDoubles(spectra::influenceMap(f, embeddings.select(0, 0), o.influenceProbes, input.seed));
    }
    int64_t longest = 0;
    for (const auto& layer : result.layers) longest = spectra::longestHorizon(layer.metrics, longest);
    result.modelAlignment = spectra::alignment(built.gaps, longest);
    report(o, 1.0, "done");
    result.elapsedMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace eigenscope
