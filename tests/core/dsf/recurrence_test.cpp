// The numerical building blocks against direct float64 computations: the explicit recurrence on a
// hand-made system, the chunked decayed scan, the FFT convolution and the causal conv.
#include "dsf/realization.h"
#include "mixers/common.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace eigenscope {
namespace {

TEST(Recurrence, ScalarSystemMatchesClosedForm) {
    // h_t = 0.5 h_{t-1} + u_t, y_t = 2 h_t + 3 u_t with u = (1, 0, 0, 1): y = (5, 1, 0.5, 5.25).
    dsf::Realization r;
    const auto c = torch::kComplexDouble;
    r.lambda = torch::full({1, 1, 1, 1}, 0.5).to(c);
    r.input = torch::tensor({1.0, 0.0, 0.0, 1.0}).view({1, 4, 1, 1}).to(c);
    r.B = torch::ones({1, 1, 1, 1, 1}).to(c);
    r.C = torch::full({1, 1, 1, 1, 1}, 2.0).to(c);
    r.D = torch::full({1, 1, 1, 1, 1}, 3.0).to(c);
    const auto y = torch::real(dsf::runRecurrence(r)).view({4});
    const auto expected = torch::tensor({5.0, 1.0, 0.5, 5.25}, torch::kFloat64);
    EXPECT_LE((y - expected).abs().max().item<double>(), 1e-15);
}

TEST(Recurrence, DenseAndDiagonalFormsAgree) {
    torch::manual_seed(1);
    const auto c = torch::kComplexDouble;
    dsf::Realization r;
    r.lambda = torch::rand({2, 5, 3, 4}, torch::kFloat64).to(c);
    r.input = torch::randn({2, 5, 3, 2}, torch::kFloat64).to(c);
    r.B = torch::randn({2, 5, 3, 4, 2}, torch::kFloat64).to(c);
    r.C = torch::randn({2, 5, 3, 1, 4}, torch::kFloat64).to(c);
    r.D = torch::randn({1, 1, 3, 1, 2}, torch::kFloat64).to(c);
    const auto diagonal = dsf::runRecurrence(r);
    r.lambda = dsf::denseLambda(r);
    r.diagonal = false;
    EXPECT_LE(testing::relativeError(dsf::runRecurrence(r), diagonal), 1e-15);
}

// y_t = Σ_{j≤t} exp(Σ_{i=j+1..t} a_i) (q_t·k_j) v_j by a double loop.
torch::Tensor directDecayAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                   const torch::Tensor& a) {
    const int64_t T = q.size(2);
    auto y = torch::zeros({q.size(0), q.size(1), T, v.size(3)}, q.options());
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t j = 0; j <= t; ++j) {
            auto weight = (q.select(2, t) * k.select(2, j)).sum(-1);  // (B, H)
            if (a.defined() && t > j) weight = weight * a.narrow(2, j + 1, t - j).sum(-1).exp();
            y.select(2, t).add_(weight.unsqueeze(-1) * v.select(2, j));
        }
    }
    return y;
}

TEST(ChunkedDecayAttention, MatchesDirectSumForEveryChunkSize) {
    torch::manual_seed(2);
    const auto q = torch::randn({2, 3, 23, 4}, torch::kFloat64);
    const auto k = torch::randn({2, 3, 23, 4}, torch::kFloat64);
    const auto v = torch::randn({2, 3, 23, 5}, torch::kFloat64);
    const auto a = -torch::rand({2, 3, 23}, torch::kFloat64) * 2.0;
    const auto withDecay = directDecayAttention(q, k, v, a);
    const auto withoutDecay = directDecayAttention(q, k, v, torch::Tensor());
    for (int64_t chunk : {1, 5, 8, 23, 64}) {
        EXPECT_LE(testing::relativeError(mixers::chunkedDecayAttention(q, k, v, a, chunk), withDecay), 1e-12)
            << "chunk " << chunk;
        EXPECT_LE(testing::relativeError(mixers::chunkedDecayAttention(q, k, v, torch::Tensor(), chunk), withoutDecay),
                  1e-12)
            << "chunk " << chunk;
    }
}

TEST(ChannelScan, MatchesTheSequentialRecurrence) {
    // Lengths around powers of two, decays from 1 to exp(-60) (products underflow to 0) and exactly 0.
    torch::manual_seed(4);
    for (int64_t T : {1, 2, 7, 64, 129, 300}) {
        const auto x = torch::randn({2, T, 5}, torch::kFloat64);
        auto logDecay = -torch::rand({2, T, 5}, torch::kFloat64) * torch::tensor({0.0, 0.01, 1.0, 60.0, 1e300},
                                                                                 torch::kFloat64);
        auto expected = torch::zeros_like(x);
        auto h = torch::zeros({2, 5}, torch::kFloat64);
        for (int64_t t = 0; t < T; ++t) {
            h = logDecay.select(1, t).exp() * h + x.select(1, t);
            expected.select(1, t).copy_(h);
        }
        EXPECT_LE(testing::relativeError(mixers::channelScan(logDecay, x), expected), 1e-14) << "T=" << T;
    }
}

TEST(FftCausalConv, MatchesDirectConvolution) {
    torch::manual_seed(3);
    const auto x = torch::randn({2, 19, 3}, torch::kFloat64);
    const auto kernel = torch::randn({3, 19}, torch::kFloat64);
    auto direct = torch::zeros_like(x);
    for (int64_t t = 0; t < 19; ++t)
        for (int64_t j = 0; j <= t; ++j) direct.select(1, t).add_(kernel.select(1, t - j) * x.select(1, j));
    EXPECT_LE(testing::relativeError(mixers::fftCausalConv(x, kernel), direct), 1e-12);
    const auto complexKernel = torch::complex(kernel, torch::randn_like(kernel));
    auto directComplex = torch::zeros_like(x).to(torch::kComplexDouble);
    for (int64_t t = 0; t < 19; ++t)
        for (int64_t j = 0; j <= t; ++j) directComplex.select(1, t).add_(complexKernel.select(1, t - j) * x.select(1, j));
    EXPECT_LE(testing::relativeError(mixers::fftCausalConv(x.to(torch::kComplexDouble), complexKernel), directComplex),
              1e-12);
}

TEST(CausalConv, CurrentTokenUsesTheLastTap) {
    auto conv = mixers::makeCausalConv(1, 3);
    torch::NoGradGuard noGrad;
    conv->weight.copy_(torch::tensor({1.0f, 10.0f, 100.0f}).view({1, 1, 3}));
    conv->bias.zero_();
    const auto x = torch::tensor({1.0f, 2.0f, 3.0f}).view({1, 3, 1});
    // y_t = w0 u_{t-2} + w1 u_{t-1} + w2 u_t (paper-models.md §1).
    const auto y = mixers::causalConv(conv, x).view({3});
    EXPECT_FLOAT_EQ(y[0].item<float>(), 100.0f);
    EXPECT_FLOAT_EQ(y[1].item<float>(), 210.0f);
    EXPECT_FLOAT_EQ(y[2].item<float>(), 321.0f);
}

}  // namespace
}  // namespace eigenscope
