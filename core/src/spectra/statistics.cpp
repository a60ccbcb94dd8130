#include "spectra/statistics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <limits>
#include <mutex>

namespace eigenscope::spectra {

torch::Tensor decayCurves(const torch::Tensor& eigAbs, bool timeInvariant, int64_t maxLag,
                          const std::atomic<bool>* cancel) {
    const int64_t H = eigAbs.size(2), steps = eigAbs.size(1);
    auto curves = torch::full({H, maxLag + 1}, std::numeric_limits<double>::quiet_NaN(), torch::kFloat64);
    if (eigAbs.numel() == 0) return curves;
    if (timeInvariant) {
        // log|λ| clamped so that a zero eigenvalue gives a vanishing power rather than −∞·0.
        const auto logs = eigAbs.to(torch::kFloat64).clamp_min(1e-300).log();
        const auto maxLog = std::get<0>(logs.amax(3).max(1)).mean(0);  // (H): log of the largest |λ|
        const auto lags = torch::arange(maxLag + 1, torch::kFloat64);
        return (maxLog.unsqueeze(1) * lags.unsqueeze(0)).exp();
    }
    // R(k) = mean over samples and windows [t, t+k) of max over modes of Π|λ|. Running products from each
    // start t, all heads and modes of a step at once (contiguous, so the inner loop vectorizes): O(T²·H·K)
    // multiplies, no exp or temporaries. Products below 1e-290 are flushed to zero (no denormals), and a start
    // whose products all vanished adds nothing more.
    const auto a = eigAbs.to(torch::kCPU, torch::kFloat64).contiguous();  // (B, T, H, K)
    const double* values = a.data_ptr<double>();
    const int64_t B = a.size(0), K = a.size(3), lags = std::min(maxLag, steps);
    const int64_t stepStride = H * K, sampleStride = steps * stepStride;
    constexpr double kUnderflow = 1e-290;
    std::vector<double> sums(static_cast<size_t>((lags + 1) * H), 0.0);  // [k][h]
    std::mutex merge;
    // Index i alternates early and late starts so that both threads get equal work.
    at::parallel_for(0, B * steps, 16, [&](int64_t begin, int64_t end) {
        std::vector<double> local(sums.size(), 0.0), products(static_cast<size_t>(stepStride));
        double* p = products.data();
        for (int64_t i = begin; i < end; ++i) {
            if (cancel && cancel->load(std::memory_order_relaxed)) return;
            const int64_t b = i / steps, j = i % steps, t = j % 2 == 0 ? j / 2 : steps - 1 - j / 2;
            std::fill(products.begin(), products.end(), 1.0);
            const double* row = values + b * sampleStride + t * stepStride;
            for (int64_t k = 1; k <= std::min(lags, steps - t); ++k, row += stepStride) {
                double* out = local.data() + k * H;
                double alive = 0.0;
                if (K == 1) {
                    for (int64_t h = 0; h < H; ++h) {
                        const double v = p[h] * row[h];
                        p[h] = v < kUnderflow ? 0.0 : v;
                        out[h] += p[h];
                        alive = std::max(alive, p[h]);
                    }
                } else {
                    for (int64_t h = 0; h < H; ++h) {
                        double slowest = 0.0;
                        for (int64_t m = h * K; m < (h + 1) * K; ++m) {
                            const double v = p[m] * row[m];
                            p[m] = v < kUnderflow ? 0.0 : v;
                            slowest = std::max(slowest, p[m]);
                        }
                        out[h] += slowest;
                        alive = std::max(alive, slowest);
                    }
                }
                if (alive == 0.0) break;
            }
        }
        std::lock_guard lock(merge);
        for (size_t n = 0; n < sums.size(); ++n) sums[n] += local[n];
    });
    if (cancel && cancel->load()) throw Cancelled();
    auto acc = curves.accessor<double, 2>();
    for (int64_t h = 0; h < H; ++h) {
        acc[h][0] = 1.0;
        for (int64_t k = 1; k <= lags; ++k) acc[h][k] = sums[size_t(k * H + h)] / double(B * (steps + 1 - k));
    }
    return curves;
}

std::vector<int64_t> horizons(const torch::Tensor& decay, double epsilon) {
    const auto curves = decay.to(torch::kCPU, torch::kFloat64).contiguous();
    const auto acc = curves.accessor<double, 2>();
    std::vector<int64_t> out;
    for (int64_t h = 0; h < curves.size(0); ++h) {
        int64_t found = -1;
        for (int64_t k = 1; k < curves.size(1) && found < 0; ++k)
            if (acc[h][k] < epsilon) found = k;
        out.push_back(found);
    }
    return out;
}

std::vector<HeadMetrics> headMetrics(const torch::Tensor& eigAbs, double nearCircle) {
    const int64_t H = eigAbs.size(2);
    std::vector<HeadMetrics> out(static_cast<size_t>(H));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // (N, H): every |λ| of a head in its column; all heads at once, medians as torch's (the lower middle).
    const auto values = eigAbs.to(torch::kCPU, torch::kFloat64).transpose(2, 3).reshape({-1, H});
    if (values.size(0) == 0) {
        for (auto& m : out) m.spectralRadius = m.meanAbs = m.medianAbs = m.nearCircleFraction = m.medianTau = nan;
        return out;
    }
    const auto decaying = (values < 1.0) & (values > 0.0);
    const auto tau = torch::where(decaying, -1.0 / values.log(), torch::full({}, nan, torch::kFloat64));
    const auto columns = torch::stack({std::get<0>(values.max(0)), values.mean(0), std::get<0>(values.median(0)),
                                       ((values - 1.0).abs() <= nearCircle).to(torch::kFloat64).mean(0),
                                       std::get<0>(tau.nanmedian(0))})
                             .contiguous();
    const auto acc = columns.accessor<double, 2>();
    for (int64_t h = 0; h < H; ++h) {
        HeadMetrics& m = out[size_t(h)];
        m.spectralRadius = acc[0][h];
        m.meanAbs = acc[1][h];
        m.medianAbs = acc[2][h];
        m.nearCircleFraction = acc[3][h];
        m.medianTau = acc[4][h];
    }
    return out;
}

int64_t longestHorizon(const std::vector<HeadMetrics>& metrics, int64_t longest) {
    for (const auto& m : metrics) longest = (longest < 0 || m.horizon < 0) ? -1 : std::max(longest, m.horizon);
    return longest;
}

double alignment(const std::vector<int64_t>& gaps, int64_t horizon) {
    if (gaps.empty()) return std::numeric_limits<double>::quiet_NaN();
    int64_t within = 0;
    for (int64_t g : gaps) within += (horizon < 0 || g <= horizon);
    return double(within) / double(gaps.size());
}

std::vector<std::complex<double>> toVector(const torch::Tensor& eig) {
    const auto c = eig.to(torch::kCPU, torch::kComplexDouble).contiguous();
    const auto* data = c.data_ptr<c10::complex<double>>();
    std::vector<std::complex<double>> out(size_t(c.numel()));
    for (size_t i = 0; i < out.size(); ++i) out[i] = {data[i].real(), data[i].imag()};
    return out;
}

std::vector<double> toDoubles(const torch::Tensor& t) {
    const auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// Mean and population std over the batch of (B, H, n) percentages.
namespace {

void batchMoments(const std::vector<double>& values, int64_t B, int64_t H, int64_t n, std::vector<double>& mean,
                  std::vector<double>& stddev) {
    mean.assign(size_t(H * n), 0.0);
    stddev.assign(size_t(H * n), 0.0);
    for (int64_t i = 0; i < H * n; ++i) {
        double sum = 0, sumSq = 0;
        for (int64_t b = 0; b < B; ++b) {
            const double v = values[size_t(b * H * n + i)];
            sum += v;
            sumSq += v * v;
        }
        mean[size_t(i)] = sum / double(B);
        stddev[size_t(i)] = std::sqrt(std::max(0.0, sumSq / double(B) - mean[size_t(i)] * mean[size_t(i)]));
    }
}

// (B, T, H, K) → each mode repeated in proportion to its multiplicity, where the multiplicities differ.
torch::Tensor repeatByMultiplicity(const torch::Tensor& values, const std::vector<int64_t>& multiplicity) {
    if (!multiplicitiesDiffer(multiplicity, values.size(3))) return values;
    int64_t divisor = 0;
    for (int64_t m : multiplicity) divisor = std::gcd(divisor, m);
    std::vector<int64_t> counts;
    for (int64_t m : multiplicity) counts.push_back(m / divisor);
    return values.repeat_interleave(torch::tensor(counts, torch::kLong), 3);
}

}  // namespace

bool multiplicitiesDiffer(const std::vector<int64_t>& multiplicity, int64_t modes) {
    return int64_t(multiplicity.size()) == modes &&
           std::adjacent_find(multiplicity.begin(), multiplicity.end(), std::not_equal_to<>()) != multiplicity.end();
}

LayerSpectrum summarizeTrace(const std::string& mixer, const dsf::TransitionTrace& trace, const AnalysisOptions& o,
                        int64_t maxLag, const std::vector<int64_t>& gaps) {
    LayerSpectrum layer;
    layer.mixer = mixer;
    layer.batch = trace.eig.size(0);
    layer.steps = trace.eig.size(1);
    layer.heads = trace.eig.size(2);
    layer.modes = trace.eig.size(3);
    layer.firstStep = trace.firstStep;
    layer.timeInvariant = trace.timeInvariant;
    layer.multiplicity = trace.multiplicity;
    layer.eig = toVector(trace.eig);
    const bool closed = o.mode == "paper";
    layer.bins = binPercentages(layer, o.binEdges, closed);
    batchMoments(layer.bins, layer.batch, layer.heads, int64_t(o.binEdges.size()) - 1, layer.binsMean, layer.binsStd);
    if (o.phaseEdges.size() >= 2) {
        const auto phase = binPercentages(layer, o.phaseEdges, closed, true);
        batchMoments(phase, layer.batch, layer.heads, int64_t(o.phaseEdges.size()) - 1, layer.phaseBinsMean,
                     layer.phaseBinsStd);
    }
    const auto eigAbs = trace.eig.abs().to(torch::kCPU, torch::kFloat64);
    const auto decay = decayCurves(eigAbs, trace.timeInvariant, maxLag, o.cancel);
    layer.decay = toDoubles(decay);
    layer.metrics = headMetrics(repeatByMultiplicity(eigAbs, trace.multiplicity), o.nearCircle);
    const auto horizon = horizons(decay, o.epsilon);
    for (int64_t h = 0; h < layer.heads; ++h) {
        layer.metrics[size_t(h)].horizon = horizon[size_t(h)];
        layer.metrics[size_t(h)].alignment = alignment(gaps, horizon[size_t(h)]);
    }
    layer.alignment = alignment(gaps, longestHorizon(layer.metrics));
    return layer;
}

}  // namespace eigenscope::spectra
