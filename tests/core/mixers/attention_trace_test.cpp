// Attention eigenvalues against brute-force float64 normalizers computed from the weights by explicit loops.
#include "mixers/registry.h"
#include "mixers/softmax_attention.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <cmath>

namespace eigenscope {
namespace {

constexpr int64_t kBatch = 2, kSteps = 13, kWidth = 8, kHeads = 2;

struct Attention {
    std::shared_ptr<MixerImpl> mixer;
    torch::Tensor q, k;  // (B, T, H, head_dim), from the weights directly
};

Attention makeAttention(const std::string& type, const torch::Tensor& u) {
    ModelSpec spec;
    spec.dModel = kWidth;
    torch::manual_seed(11);
    Attention a;
    a.mixer = makeMixer(spec, {type, {{"num_heads", kHeads}}});
    a.mixer->to(torch::kFloat64);
    const auto params = a.mixer->named_parameters();
    const auto qkv = torch::matmul(u, params["Wqkv.weight"].t()) + params["Wqkv.bias"];
    a.q = qkv.narrow(2, 0, kWidth).reshape({kBatch, kSteps, kHeads, kWidth / kHeads});
    a.k = qkv.narrow(2, kWidth, kWidth).reshape({kBatch, kSteps, kHeads, kWidth / kHeads});
    return a;
}

double explicitDot(const torch::Tensor& a, const torch::Tensor& b) {
    double sum = 0.0;
    for (int64_t i = 0; i < a.size(0); ++i) sum += a[i].item<double>() * b[i].item<double>();
    return sum;
}

// η[b][h][t] by explicit loops.
using Normalizers = std::vector<std::vector<std::vector<double>>>;

Normalizers bruteForceEta(const Attention& a, bool softmax) {
    const double scale = 1.0 / std::sqrt(double(kWidth / kHeads));
    const auto phi = [](const torch::Tensor& x) { return torch::elu(x) + 1.0; };
    Normalizers eta(kBatch, std::vector<std::vector<double>>(kHeads, std::vector<double>(kSteps, 0.0)));
    for (int64_t b = 0; b < kBatch; ++b)
        for (int64_t h = 0; h < kHeads; ++h)
            for (int64_t t = 0; t < kSteps; ++t)
                for (int64_t j = 0; j <= t; ++j)
                    eta[b][h][t] += softmax ? std::exp(scale * explicitDot(a.q[b][t][h], a.k[b][j][h]))
                                            : explicitDot(phi(a.q[b][t][h]), phi(a.k[b][j][h]));
    return eta;
}

void checkTraceAgainstNormalizers(const std::string& type, bool softmax) {
    torch::manual_seed(12);
    const auto u = torch::randn({kBatch, kSteps, kWidth}, torch::kFloat64);
    auto a = makeAttention(type, u);
    dsf::TransitionTrace trace;
    a.mixer->forwardWithTrace(u, trace);
    ASSERT_EQ(trace.eig.sizes(), (std::vector<int64_t>{kBatch, kSteps - 1, kHeads, 1}));
    EXPECT_EQ(trace.firstStep, 1);
    const auto eta = bruteForceEta(a, softmax);
    const auto lambda = torch::real(trace.eig).squeeze(-1);
    EXPECT_LE(torch::imag(trace.eig).abs().max().item<double>(), 0.0);
    for (int64_t b = 0; b < kBatch; ++b) {
        for (int64_t h = 0; h < kHeads; ++h) {
            for (int64_t t = 1; t < kSteps; ++t) {
                const double expected = eta[b][h][t - 1] / eta[b][h][t];
                EXPECT_NEAR(lambda[b][t - 1][h].item<double>(), expected, 1e-12 * expected);
            }
            // Π_{i=s+1..t} λ_i telescopes to η_s/η_t.
            for (int64_t s = 0; s < kSteps; ++s) {
                double product = 1.0;
                for (int64_t t = s + 1; t < kSteps; ++t) {
                    product *= lambda[b][t - 1][h].item<double>();
                    const double ratio = eta[b][h][s] / eta[b][h][t];
                    EXPECT_NEAR(product, ratio, 1e-11 * ratio) << "s=" << s << " t=" << t;
                }
            }
        }
    }
}

TEST(AttentionTrace, SoftmaxMatchesBruteForceNormalizers) { checkTraceAgainstNormalizers("softmax_attention", true); }

TEST(AttentionTrace, LinearMatchesBruteForceNormalizers) { checkTraceAgainstNormalizers("linear_attention", false); }

TEST(AttentionTrace, StreamingLogNormalizerEqualsDense) {
    torch::manual_seed(13);
    for (int64_t T : {1, 2, 37, 300}) {
        const auto q = torch::randn({2, 3, T, 8}, torch::kFloat64) * 2.0;
        const auto k = torch::randn({2, 3, T, 8}, torch::kFloat64);
        const auto future = torch::ones({T, T}, torch::kBool).triu(1);
        const auto dense = torch::matmul(q, k.transpose(-1, -2)).masked_fill(future, -INFINITY).logsumexp(-1);
        for (int64_t block : {1, 7, 64, 256}) {
            const auto streamed = mixers::streamingLogNormalizer(q, k, block);
            EXPECT_LE(testing::relativeError(streamed.exp(), dense.exp()), 1e-12) << "T=" << T << " block=" << block;
        }
    }
}

TEST(AttentionTrace, StreamingWindowedSoftmaxEqualsDense) {
    // Key blocks that only some queries' windows reach, and queries whose window starts inside a later block.
    torch::manual_seed(14);
    const int64_t T = 41;
    const auto q = torch::randn({2, 3, T, 8}, torch::kFloat64) * 2.0;
    const auto k = torch::randn({2, 3, T, 8}, torch::kFloat64);
    const auto v = torch::randn({2, 3, T, 5}, torch::kFloat64);
    for (int64_t window : {1, 4, 9, 40, 100}) {
        const auto lag = torch::arange(T).unsqueeze(1) - torch::arange(T).unsqueeze(0);
        const auto scores = torch::matmul(q, k.transpose(-1, -2)).masked_fill((lag < 0) | (lag >= window), -INFINITY);
        const auto denseOut = torch::matmul(torch::softmax(scores, -1), v);
        EXPECT_TRUE(mixers::hiddenKeys(T, window, torch::kCPU).equal((lag < 0) | (lag >= window)));
        for (int64_t block : {1, 3, 16, 256}) {
            const auto streamed = mixers::streamingSoftmax(q, k, v, block, true, window);
            EXPECT_LE(testing::relativeError(streamed.logNormalizer.exp(), scores.logsumexp(-1).exp()), 1e-12)
                << "window=" << window << " block=" << block;
            EXPECT_LE(testing::relativeError(streamed.output, denseOut), 1e-12) << "window=" << window << " block=" << block;
        }
    }
}

TEST(AttentionTrace, DsfNormAttentionIsTheRatioOfExpNormalizers) {
    // The DSF paper's layout: η_t = exp(W_n u_t + b_n), so λ_t = exp(n_{t-1} − n_t) per head.
    ModelSpec spec;
    spec.dModel = kWidth;
    torch::manual_seed(15);
    auto mixer = makeMixer(spec, {"norm_attention", {{"num_heads", kHeads}, {"layout", "dsf"}}});
    mixer->to(torch::kFloat64);
    auto params = mixer->named_parameters();
    ASSERT_TRUE(params.contains("Wqk.weight") && params.contains("Wv.bias") && !params.contains("Wvqkn.weight"));
    const auto u = torch::randn({kBatch, kSteps, kWidth}, torch::kFloat64);
    const auto n = torch::matmul(u, params["Wn.weight"].t()) + params["Wn.bias"];  // (B, T, H)
    dsf::TransitionTrace trace;
    mixer->forwardWithTrace(u, trace);
    const auto expected = (n.narrow(1, 0, kSteps - 1) - n.narrow(1, 1, kSteps - 1)).exp();
    EXPECT_LE(testing::relativeError(torch::real(trace.eig).squeeze(-1), expected), 1e-13);
    spec.blocks = {{{"norm_attention", {{"layout", "dsf"}, {"conv_kernel", 4}}}}};
    EXPECT_NE(testing::errorOf([&] { validateSpec(spec); }).find("no short convolution"), std::string::npos);
}

TEST(AttentionTrace, SoftmaxEigenvaluesCanExceedOne) {
    // λ_t = η_{t-1}/η_t uses two different queries, so it is not bounded by 1 (SPEC §1).
    torch::manual_seed(14);
    const auto u = torch::randn({4, 64, kWidth}, torch::kFloat64) * 3.0;
    ModelSpec spec;
    spec.dModel = kWidth;
    auto mixer = makeMixer(spec, {"softmax_attention", {{"num_heads", 1}}});
    mixer->to(torch::kFloat64);
    dsf::TransitionTrace trace;
    mixer->forwardWithTrace(u, trace);
    EXPECT_GT(torch::real(trace.eig).max().item<double>(), 1.0);
    EXPECT_GT(torch::real(trace.eig).min().item<double>(), 0.0);
}

}  // namespace
}  // namespace eigenscope
