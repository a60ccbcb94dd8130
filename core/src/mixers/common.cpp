#include "mixers/common.h"

#include <cmath>

namespace eigenscope::mixers {

torch::nn::Conv1d makeCausalConv(int64_t channels, int64_t kernel, bool bias) {
    return torch::nn::Conv1d(
        torch::nn::Conv1dOptions(channels, channels, kernel).groups(channels).padding(kernel - 1).bias(bias));
}

torch::Tensor causalConv(torch::nn::Conv1d& conv, const torch::Tensor& x) {
    // The depthwise conv as kernel-many shifted multiply-adds in (B, T, C): the same cross-correlation as
    // Conv1d with K−1 left padding, y_t = Σ_j w_j x_{t−(K−1−j)}, without the two transposes to (B, C, T).
    const int64_t T = x.size(1), K = conv->weight.size(2);
    const auto w = conv->weight.select(1, 0);  // (C, K)
    auto y = x * w.select(1, K - 1);
    for (int64_t j = 0; j + 1 < K; ++j) {
        const int64_t shift = K - 1 - j;
        if (shift < T) y.narrow(1, shift, T - shift).add_(x.narrow(1, 0, T - shift) * w.select(1, j));
    }
    return conv->options.bias() ? y + conv->bias : y;
}

torch::Tensor splitHeads(const torch::Tensor& x, int64_t heads) {
    return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor mergeHeads(const torch::Tensor& x) {
    return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

torch::Tensor chunkedDecayAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                    const torch::Tensor& logDecay, int64_t chunk) {
    const int64_t T = q.size(2);
    const bool decays = logDecay.defined();
    auto state = torch::zeros({q.size(0), q.size(1), k.size(3), v.size(3)}, v.options());
    std::vector<torch::Tensor> outputs;
    for (int64_t start = 0; start < T; start += chunk) {
        const int64_t len = std::min(chunk, T - start);
        const auto qc = q.narrow(2, start, len);
        const auto kc = k.narrow(2, start, len);
        const auto vc = v.narrow(2, start, len);
        const auto future = torch::ones({len, len}, q.options().dtype(torch::kBool)).triu(1);
        auto scores = torch::matmul(qc, kc.transpose(-1, -2));
        if (decays) {
            const auto cum = logDecay.narrow(2, start, len).cumsum(-1);                   // (B, H, len)
            const auto gaps = (cum.unsqueeze(-1) - cum.unsqueeze(-2)).masked_fill(future, -INFINITY);
            scores = scores * gaps.exp();
            const auto carried = cum.exp().unsqueeze(-1) * torch::matmul(qc, state);
            outputs.push_back(torch::matmul(scores, vc) + carried);
            const auto last = cum.narrow(-1, len - 1, 1);                                 // (B, H, 1)
            const auto weightedK = kc * (last - cum).exp().unsqueeze(-1);
            state = last.exp().unsqueeze(-1) * state + torch::matmul(weightedK.transpose(-1, -2), vc);
        } else {
            scores = scores.masked_fill(future, 0.0);
            outputs.push_back(torch::matmul(scores, vc) + torch::matmul(qc, state));
            state = state + torch::matmul(kc.transpose(-1, -2), vc);
        }
    }
    return torch::cat(outputs, 2);
}

torch::Tensor channelScan(const torch::Tensor& logDecay, const torch::Tensor& x) {
    // Recursive doubling: after the step with offset d, h_t sums the inputs of the last 2d steps and decay_t is the
    // product of the last 2d decays; log2 T whole-tensor steps instead of one tiny matmul per channel and chunk.
    const int64_t T = x.size(1);
    auto h = x;
    auto decay = logDecay.exp();
    for (int64_t d = 1; d < T; d *= 2) {
        const auto later = decay.narrow(1, d, T - d);
        h = torch::cat({h.narrow(1, 0, d), h.narrow(1, d, T - d) + later * h.narrow(1, 0, T - d)}, 1);
        if (2 * d < T) decay = torch::cat({decay.narrow(1, 0, d), later * decay.narrow(1, 0, T - d)}, 1);
    }
    return h;
}

torch::Tensor channelTransferNorms(const torch::Tensor& logDecay, const torch::Tensor& inScale,
                                   const torch::Tensor& outScale, const std::vector<int64_t>& sources) {
    const int64_t T = logDecay.size(1);
    const auto cum = logDecay.cumsum(1);
    auto out = torch::zeros({logDecay.size(0), logDecay.size(2), int64_t(sources.size()), T}, logDecay.options());
    checkSources(sources, T);
    for (size_t i = 0; i < sources.size(); ++i) {
        const int64_t src = sources[i];
        const int64_t len = T - src;
        const auto phi = outScale.narrow(1, src, len) * (cum.narrow(1, src, len) - cum.select(1, src).unsqueeze(1)).exp() *
                         inScale.select(1, src).unsqueeze(1);  // (B, len, C)
        out.select(2, int64_t(i)).narrow(2, src, len).copy_(phi.abs().transpose(1, 2));
    }
    return out;
}

torch::Tensor fftCausalConv(const torch::Tensor& x, const torch::Tensor& kernel) {
    const int64_t T = x.size(1);
    int64_t n = 1;
    while (n < 2 * T) n *= 2;
    const auto signal = x.transpose(1, 2);  // (B, C, T)
    if (!x.is_complex() && !kernel.is_complex()) {
        const auto product = torch::fft::rfft(signal, n) * torch::fft::rfft(kernel, n);
        return torch::fft::irfft(product, n).narrow(-1, 0, T).transpose(1, 2);
    }
    const auto product = torch::fft::fft(signal, n) * torch::fft::fft(kernel, n);
    return torch::fft::ifft(product, n).narrow(-1, 0, T).transpose(1, 2);
}

void checkSources(const std::vector<int64_t>& sources, int64_t T) {
    for (int64_t s : sources)
        if (s < 0 || s >= T) throw std::out_of_range("impulse source " + std::to_string(s) + " outside [0, T)");
}

torch::Tensor sourceIndex(const std::vector<int64_t>& sources, int64_t T, const torch::Device& device) {
    checkSources(sources, T);
    return torch::tensor(sources, torch::kLong).to(device);
}

torch::Tensor beforeSourceMask(const torch::Tensor& sourceIndex, int64_t T) {
    return torch::arange(T, sourceIndex.options()).unsqueeze(0) < sourceIndex.unsqueeze(1);
}

torch::Tensor lagTransferNorms(const torch::Tensor& lagNorms, int64_t batch, const std::vector<int64_t>& sources) {
    const int64_t H = lagNorms.size(0), T = lagNorms.size(1);
    auto out = torch::zeros({H, int64_t(sources.size()), T}, lagNorms.options());
    checkSources(sources, T);
    for (size_t i = 0; i < sources.size(); ++i) {
        const int64_t s = sources[i];
        out.select(1, int64_t(i)).narrow(1, s, T - s).copy_(lagNorms.narrow(1, 0, T - s));
    }
    return out.unsqueeze(0).expand({batch, H, int64_t(sources.size()), T});
}

torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
    return x * torch::rsqrt(x.pow(2).mean(-1, true) + eps) * weight;
}

torch::Tensor inverseSoftplus(const torch::Tensor& y) { return y + torch::log(-torch::expm1(-y)); }

torch::Tensor sampleLogUniformDt(int64_t n, double dtMin, double dtMax, double floor) {
    const double lo = std::log(dtMin), hi = std::log(dtMax);
    return torch::exp(torch::rand({n}, torch::kFloat64) * (hi - lo) + lo).clamp_min(floor);
}

torch::Tensor asComplex(const torch::Tensor& pairs) { return torch::view_as_complex(pairs.contiguous()); }

torch::ScalarType complexTypeOf(torch::ScalarType real) {
    return real == torch::kFloat64 ? torch::kComplexDouble : torch::kComplexFloat;
}

}  // namespace eigenscope::mixers
