// Helpers shared by the core tests: error measures and eigenvalue multiset matching.
#pragma once

#include "eigenscope/error.h"

#include <torch/torch.h>

#include <complex>
#include <string>
#include <vector>

namespace eigenscope::testing {

// max |a − b| / max |b|: the relative error of a against the reference b.
inline double relativeError(const torch::Tensor& a, const torch::Tensor& b) {
    const double scale = b.abs().max().item<double>();
    return (a - b).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
}

inline std::vector<std::complex<double>> toComplexVector(const torch::Tensor& t) {
    const auto c = t.to(torch::kComplexDouble).contiguous().view({-1});
    std::vector<std::complex<double>> out(size_t(c.numel()));
    const auto* data = c.data_ptr<c10::complex<double>>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = {data[i].real(), data[i].imag()};
    return out;
}

// Largest distance in a greedy nearest-neighbour matching of two equally sized multisets (∞ on size mismatch).
inline double multisetDistance(std::vector<std::complex<double>> a, std::vector<std::complex<double>> b) {
    if (a.size() != b.size()) return INFINITY;
    double worst = 0.0;
    for (const auto& x : a) {
        size_t best = 0;
        for (size_t j = 1; j < b.size(); ++j)
            if (std::abs(b[j] - x) < std::abs(b[best] - x)) best = j;
        worst = std::max(worst, std::abs(b[best] - x));
        b.erase(b.begin() + long(best));
    }
    return worst;
}

// The message of the eigenscope::Error that `f` throws, or "" when it throws none.
template <typename F>
std::string errorOf(F f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace eigenscope::testing
