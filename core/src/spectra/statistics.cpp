#include "spectra/statistics.h"

#include <cmath>
#include <limits>

namespace eigenscope::spectra {

torch::Tensor decayCurves(const torch::Tensor& eigAbs, bool timeInvariant, int64_t maxLag) {
    const int64_t H = eigAbs.size(2), steps = eigAbs.size(1);
    auto curves = torch::full({H, maxLag + 1}, std::numeric_limits<double>::quiet_NaN(), torch::kFloat64);
    if (eigAbs.numel() == 0) return curves;
    // log|λ| clamped so that a zero eigenvalue gives a vanishing product rather than −∞ − (−∞).
    const auto logs = eigAbs.to(torch::kFloat64).clamp_min(1e-300).log();
    if (timeInvariant) {
        const auto maxLog = std::get<0>(logs.amax(3).max(1)).mean(0);  // (H): log of the largest |λ|
        const auto lags = torch::arange(maxLag + 1, torch::kFloat64);
        return (maxLog.unsqueeze(1) * lags.unsqueeze(0)).exp();
    }
    const auto cumulative = torch::cat({torch::zeros_like(logs.narrow(1, 0, 1)), logs.cumsum(1)}, 1);  // (B, T+1, H, K)
    curves.select(1, 0).fill_(1.0);
    for (int64_t k = 1; k <= std::min(maxLag, steps); ++k) {
        const auto windows = cumulative.narrow(1, k, steps + 1 - k) - cumulative.narrow(1, 0, steps + 1 - k);
        curves.select(1, k).copy_(windows.amax(3).exp().mean(std::vector<int64_t>{0, 1}));
    }
    return curves;
}

std::vector<int64_t> horizons(const torch::Tensor& decay, double epsilon) {
    std::vector<int64_t> out;
    const auto curves = decay.contiguous();
    for (int64_t h = 0; h < curves.size(0); ++h) {
        int64_t found = -1;
        for (int64_t k = 1; k < curves.size(1); ++k) {
            if (curves[h][k].item<double>() < epsilon) {
                found = k;
                break;
            }
        }
        out.push_back(found);
    }
    return out;
}

std::vector<HeadMetrics> headMetrics(const torch::Tensor& eigAbs, double nearCircle) {
    const int64_t H = eigAbs.size(2);
    std::vector<HeadMetrics> out(static_cast<size_t>(H));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int64_t h = 0; h < H; ++h) {
        const auto values = eigAbs.select(2, h).reshape({-1}).to(torch::kFloat64);
        HeadMetrics& m = out[size_t(h)];
        if (values.numel() == 0) {
            m.spectralRadius = m.meanAbs = m.medianAbs = m.nearCircleFraction = m.medianTau = nan;
            continue;
        }
        m.spectralRadius = values.max().item<double>();
        m.meanAbs = values.mean().item<double>();
        m.medianAbs = values.median().item<double>();
        m.nearCircleFraction = ((values - 1.0).abs() <= nearCircle).to(torch::kFloat64).mean().item<double>();
        const auto decaying = values.masked_select((values < 1.0) & (values > 0.0));
        m.medianTau = decaying.numel() ? (-1.0 / decaying.log()).median().item<double>() : nan;
    }
    return out;
}

double alignment(const std::vector<int64_t>& gaps, int64_t horizon) {
    if (gaps.empty()) return std::numeric_limits<double>::quiet_NaN();
    int64_t within = 0;
    for (int64_t g : gaps) within += (horizon < 0 || g <= horizon);
    return double(within) / double(gaps.size());
}

}  // namespace eigenscope::spectra
