// Impulse responses: each mixer's closed-form ‖Φ(t, s)‖ equals the one its DSF realization gives (C Λ⋯Λ B), and
// the autograd influence of a linear mixer equals its Φ.
#include "mixer_cases.h"
#include "spectra/influence.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace eigenscope {
namespace {

using testing::MixerCase;

class TransferNormsTest : public ::testing::TestWithParam<MixerCase> {};

TEST_P(TransferNormsTest, ClosedFormEqualsRealization) {
    auto mixer = testing::makeTestMixer(GetParam());
    torch::NoGradGuard noGrad;
    const auto u = torch::randn({testing::kBatch, testing::kSteps, testing::kWidth}, torch::kFloat64);
    const std::vector<int64_t> sources = {0, 3, testing::kSteps - 1};
    const auto fast = mixer->transferNorms(u, sources);
    const auto reference = dsf::transferNorms(mixer->realize(u), sources);
    ASSERT_EQ(fast.sizes(), reference.sizes());
    EXPECT_LE(testing::relativeError(fast, reference), 1e-9);
    EXPECT_EQ(fast.select(2, 1).narrow(2, 0, 3).abs().max().item<double>(), 0.0) << "response before its source";
}

INSTANTIATE_TEST_SUITE_P(AllMixers, TransferNormsTest, ::testing::ValuesIn(testing::mixerCases()),
                         [](const auto& info) { return info.param.name; });

TEST(Influence, AutogradOfALinearMixerEqualsItsKernel) {
    // The LRU is linear in u with one MIMO head and no readout: ∂y_t/∂u_s = Φ(t, s) exactly.
    auto mixer = testing::makeTestMixer({"lru", "lru", {{"d_state", 5}}});
    const auto u = torch::randn({testing::kSteps, testing::kWidth}, torch::kFloat64);
    const auto influence = spectra::influenceMap([&](const torch::Tensor& x) { return mixer->forward(x); }, u, 0);
    std::vector<int64_t> all(testing::kSteps);
    for (int64_t t = 0; t < testing::kSteps; ++t) all[size_t(t)] = t;
    torch::NoGradGuard noGrad;
    const auto phi = mixer->transferNorms(u.unsqueeze(0), all)[0][0];  // (S, T): [s][t]
    EXPECT_LE(testing::relativeError(influence, phi.t()), 1e-10);
}

TEST(Influence, ProbesEstimateTheExactNorm) {
    auto mixer = testing::makeTestMixer({"lru", "lru", {{"d_state", 5}}});
    const auto u = torch::randn({testing::kSteps, testing::kWidth}, torch::kFloat64);
    const auto f = [&](const torch::Tensor& x) { return mixer->forward(x); };
    const auto exact = spectra::influenceMap(f, u, 0);
    const auto estimate = spectra::influenceMap(f, u, 400, 3);
    // Each entry is a √(mean of 400 χ²-like terms): about ±5 % relative; compare the whole map.
    EXPECT_LE((estimate - exact).norm().item<double>() / exact.norm().item<double>(), 0.1);
}

}  // namespace
}  // namespace eigenscope
