// The CPU selective-scan kernel against the tensor-op recurrence and a direct float64 loop: outputs, all five
// gradients, the chunked no-gradient path across chunk borders, and float32.
#include "mixers/selective_scan.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace eigenscope::mixers {
namespace {

struct Inputs {
    torch::Tensor delta, A, x, B, C;
};

Inputs randomInputs(int64_t batch, int64_t T, int64_t D, int64_t N, torch::Dtype dtype, uint64_t seed) {
    torch::manual_seed(seed);
    const auto opts = torch::TensorOptions().dtype(dtype);
    return {torch::softplus(torch::randn({batch, T, D}, opts) - 1.0), -torch::rand({D, N}, opts) * 4 - 0.05,
            torch::randn({batch, T, D}, opts), torch::randn({batch, T, N}, opts), torch::randn({batch, T, N}, opts)};
}

torch::Tensor directLoop(const Inputs& in) {  // h_t = exp(Δ_t A) h_{t-1} + Δ_t B_t x_t, y_t = C_t·h_t
    const int64_t batch = in.x.size(0), T = in.x.size(1), D = in.x.size(2), N = in.A.size(1);
    auto y = torch::zeros({batch, T, D}, torch::kFloat64);
    const auto delta = in.delta.to(torch::kFloat64), A = in.A.to(torch::kFloat64), x = in.x.to(torch::kFloat64),
               B = in.B.to(torch::kFloat64), C = in.C.to(torch::kFloat64);
    auto dl = delta.accessor<double, 3>(), xa = x.accessor<double, 3>(), ya = y.accessor<double, 3>();
    auto aa = A.accessor<double, 2>();
    auto ba = B.accessor<double, 3>(), ca = C.accessor<double, 3>();
    for (int64_t b = 0; b < batch; ++b)
        for (int64_t d = 0; d < D; ++d) {
            std::vector<double> h(size_t(N), 0.0);
            for (int64_t t = 0; t < T; ++t) {
                double acc = 0;
                for (int64_t n = 0; n < N; ++n) {
                    h[size_t(n)] = std::exp(dl[b][t][d] * aa[d][n]) * h[size_t(n)] + dl[b][t][d] * ba[b][t][n] * xa[b][t][d];
                    acc += ca[b][t][n] * h[size_t(n)];
                }
                ya[b][t][d] = acc;
            }
        }
    return y;
}

double maxRelativeError(const torch::Tensor& got, const torch::Tensor& want) {
    return ((got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs().max() /
            want.to(torch::kFloat64).abs().max().clamp_min(1e-300)).item<double>();
}

TEST(SelectiveScan, OutputMatchesDirectLoopWithAndWithoutGradient) {
    const auto in = randomInputs(3, 150, 5, 7, torch::kFloat64, 1);
    const auto want = directLoop(in);
    {
        torch::NoGradGuard noGrad;
        EXPECT_LT(maxRelativeError(selectiveScan(in.delta, in.A, in.x, in.B, in.C), want), 1e-12);
        const auto decay = (in.delta.unsqueeze(-1) * in.A).exp();  // as a trace builds it
        EXPECT_LT(maxRelativeError(selectiveScan(in.delta, in.A, in.x, in.B, in.C, decay), want), 1e-12);
    }
    auto x = in.x.clone().requires_grad_(true);
    EXPECT_LT(maxRelativeError(selectiveScan(in.delta, in.A, x, in.B, in.C), want), 1e-12);
    EXPECT_LT(maxRelativeError(selectiveScanOps(in.delta, in.A, in.x, in.B, in.C), want), 1e-12);
}

TEST(SelectiveScan, LongSequencesAreScannedInTimeBlocksWithTheStateCarried) {
    // T·D·N = 300·128·64 exceeds one exp(ΔA) block (2^21 elements), so the no-gradient scan runs in two time
    // blocks per sequence.
    const auto in = randomInputs(2, 300, 128, 64, torch::kFloat64, 4);
    torch::NoGradGuard noGrad;
    EXPECT_LT(maxRelativeError(selectiveScan(in.delta, in.A, in.x, in.B, in.C), directLoop(in)), 1e-12);
}

TEST(SelectiveScan, GradientsMatchTheTensorOpRecurrence) {
    const auto in = randomInputs(4, 70, 6, 5, torch::kFloat64, 2);
    const auto weights = torch::randn({4, 70, 6}, torch::kFloat64);
    auto grads = [&](bool kernel) {
        std::vector<torch::Tensor> leaves = {in.delta.clone().requires_grad_(true), in.A.clone().requires_grad_(true),
                                             in.x.clone().requires_grad_(true), in.B.clone().requires_grad_(true),
                                             in.C.clone().requires_grad_(true)};
        const auto y = kernel ? selectiveScan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4])
                              : selectiveScanOps(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4]);
        (y * weights).sum().backward();
        std::vector<torch::Tensor> out;
        for (auto& leaf : leaves) out.push_back(leaf.grad());
        return out;
    };
    const auto got = grads(true), want = grads(false);
    const char* names[] = {"delta", "A", "x", "B", "C"};
    for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_TRUE(got[i].defined()) << names[i];
        EXPECT_LT(maxRelativeError(got[i], want[i]), 1e-11) << names[i];
    }
}

TEST(SelectiveScan, Float32StaysCloseToFloat64) {
    const auto in = randomInputs(2, 40, 4, 16, torch::kFloat32, 3);
    EXPECT_EQ(selectiveScan(in.delta, in.A, in.x, in.B, in.C).scalar_type(), torch::kFloat32);
    EXPECT_LT(maxRelativeError(selectiveScan(in.delta, in.A, in.x, in.B, in.C), directLoop(in)), 1e-5);
}

}  // namespace
}  // namespace eigenscope::mixers
