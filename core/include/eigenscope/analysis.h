// The spectral analysis of a model on an input batch (SPEC §3): eigenvalue traces, |λ| bins, metrics,
// memory decay, impulse responses, influence, task alignment. Plain C++ results; no torch types.
#pragma once

#include "eigenscope/error.h"
#include "eigenscope/model.h"

#include <atomic>
#include <complex>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace eigenscope {

// What the model is run on. Parsed from "randn", "impulse", "tokens:FILE.npy", "embed:FILE.npy",
// "text:TEXT" and "text-file:FILE" (one sample, tokenized with the model's tokenizer.json, its UTF-8 bytes as tokens
// when it has none) or "task:NAME[:key=value,...]"
// (e.g. "task:mqar:seq_len=64,kv_pairs=4,vocab=64").
struct InputSpec {
    std::string kind = "randn";  // randn | impulse | tokens | embed | text | task
    std::string path;            // tokens, embed, text (text-file:FILE)
    std::string text;            // text
    std::string task;            // task
    std::map<std::string, std::string> params;
    int64_t batch = 8;
    int64_t seqLen = 0;  // 0: the model's seq_len (generated inputs)
    uint64_t seed = 0;
};

InputSpec parseInputSpec(const std::string& text);
std::string describeInput(const InputSpec& input);

struct Cancelled : Error {
    Cancelled() : Error("cancelled") {}
};

// fraction in [0, 1] and the current stage ("layer 2/4").
using ProgressFn = std::function<void(double fraction, const std::string& stage)>;

struct AnalysisOptions {
    std::string mode = "corrected";  // corrected | paper (the reference code's quirks; see README)
    std::vector<double> binEdges = {0.0, 0.1, 0.5, 0.9, 1.0, 10.0, 100.0, std::numeric_limits<double>::infinity()};
    std::vector<double> phaseEdges;       // degrees, e.g. {0, 1, 10, 45, 90, 180}; empty: no phase bins
    double nearCircle = 0.1;              // |λ| within 1 ± nearCircle counts as near the unit circle
    double epsilon = 0.01;                // memory horizon: the first k with R(k) < epsilon
    int64_t maxLag = 0;                   // K_max of the decay and impulse curves; 0: T − 1
    std::vector<int64_t> impulseSources;  // s of ‖Φ(s+k, s)‖; empty: none
    bool impulseMap = false;              // the T×T map ‖Φ(t, s)‖ per head (sample 0)
    bool influence = false;               // ‖∂y_t/∂u_s‖ of the whole model by autograd (sample 0)
    int64_t influenceProbes = 16;         // random probes per output position; 0: exact
    std::vector<int64_t> layers;          // the layers analysed (0-based); empty: all
    std::vector<int64_t> heads;           // the heads kept in each analysed layer; empty: all
    std::string device = "cpu";           // cpu | cuda
    bool float64 = false;
    ProgressFn progress;
    const std::atomic<bool>* cancel = nullptr;
};

struct HeadMetrics {
    double spectralRadius = 0, meanAbs = 0, medianAbs = 0, nearCircleFraction = 0;
    double medianTau = 0;   // −1/ln|λ| over the values with |λ| < 1; NaN if there are none
    int64_t horizon = -1;   // first k with R(k) < ε; −1 when R stays above ε up to K_max
    double alignment = std::numeric_limits<double>::quiet_NaN();  // fraction of task gaps within the horizon
};

struct LayerSpectrum {
    std::string mixer;
    int64_t index = 0;               // the layer's place in the model (results may hold a selection of layers)
    std::vector<int64_t> headIndex;  // the model's number of each head held; empty: 0 … heads − 1
    int64_t batch = 0, steps = 0, heads = 0, modes = 0;  // eig shape (B, T_eff, H, K)
    int64_t firstStep = 0;
    bool timeInvariant = false;
    std::vector<std::complex<double>> eig;  // row-major (B, T_eff, H, K)
    std::vector<int64_t> multiplicity;      // (K)
    std::vector<double> bins;               // percentages (B, H, nbins)
    std::vector<double> binsMean, binsStd;  // (H, nbins): mean and population std over the batch
    std::vector<double> phaseBinsMean, phaseBinsStd;  // (H, nphase)
    std::vector<HeadMetrics> metrics;       // (H)
    std::vector<double> decay;              // (H, K_max + 1): R(k)
    std::vector<double> impulse;            // (H, S, K_max + 1): ‖Φ(s+k, s)‖, mean over the batch
    std::vector<double> impulseMap;         // (H, T, T): ‖Φ(t, s)‖ of sample 0, zero above the diagonal
    double alignment = std::numeric_limits<double>::quiet_NaN();  // gaps within the longest head horizon
};

struct AnalysisResult {
    std::string model, input, mode;
    int64_t batch = 0, seqLen = 0, maxLag = 0;
    std::vector<double> binEdges, phaseEdges;
    std::vector<int64_t> impulseSources;
    std::vector<int64_t> taskGaps;          // dependency distances the task published (MQAR: query − key)
    std::vector<std::string> tokens;        // sample 0's tokens as text, one per step, when the input is text
    std::string inputNote;                  // how a text input became tokens (the tokenizer, or raw bytes)
    std::vector<double> influence;          // (T, T): ‖∂y_t/∂u_s‖ of sample 0, when asked
    std::vector<LayerSpectrum> layers;
    std::vector<int64_t> mixerlessLayers;   // the model's layers without a sequence mixer that the analysis passed by
    double modelAlignment = std::numeric_limits<double>::quiet_NaN();
    double elapsedMs = 0;
};

// The model's number of head h of a layer spectrum.
inline int64_t headNumber(const LayerSpectrum& layer, int64_t h) {
    return layer.headIndex.empty() ? h : layer.headIndex[size_t(h)];
}

AnalysisResult analyze(const Model& model, const InputSpec& input, const AnalysisOptions& options);

// Bin percentages of |λ| (or of the phase in degrees): per (b, h), 100·count/(T_eff·K). `closed`: every bin
// is [lo, hi] (the reference code: a value on an edge counts twice); otherwise [lo, hi).
std::vector<double> binPercentages(const LayerSpectrum& layer, const std::vector<double>& edges, bool closed,
                                   bool phase = false);

// Bin i of `edges` as an interval, e.g. "[0.1,0.5)". In paper mode the bins are closed, as the reference counts them:
// "[0.1,0.5]", and the last one "(100,∞)".
std::string binLabel(const std::vector<double>& edges, size_t i, const std::string& mode);

// The difference of two results (b − a) in bin means, per layer and head: (H, nbins) per layer.
std::vector<std::vector<double>> binMassDifference(const AnalysisResult& a, const AnalysisResult& b);

}  // namespace eigenscope
