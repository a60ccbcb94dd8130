// S4's transition eigenvalues come from eig(A) through the bilinear map; here they are checked against a dense
// solve of Ā at the paper's size, and their order against a second computation.
#include "eigenscope/presets.h"
#include "mixers/mixer.h"
#include "mixers/registry.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace eigenscope {
namespace {

std::shared_ptr<MixerImpl> paperS4(int64_t width) {
    ModelSpec spec;
    spec.dModel = width;
    spec.seqLen = 512;
    torch::manual_seed(3);
    auto mixer = makeMixer(spec, {"s4", {{"d_state", 64}}});
    torch::NoGradGuard noGrad;
    for (auto& p : mixer->parameters()) p.add_(0.02 * torch::randn_like(p));  // channels differ, as after training
    return mixer;
}

TEST(S4, EigenvaluesEqualADenseSolveOfAbarAtPaperSize) {
    auto mixer = paperS4(4);
    dsf::TransitionTrace trace;
    const auto u = torch::randn({1, 8, 4});
    mixer->forwardWithTrace(u, trace);
    mixer->to(torch::kFloat64);
    const auto r = mixer->realize(u.to(torch::kFloat64));
    const auto dense = torch::linalg_eigvals(r.lambda.select(0, 0).select(0, 0).to(torch::kComplexDouble));  // (d, N)
    ASSERT_EQ(trace.eig.size(2), 4);
    for (int64_t c = 0; c < 4; ++c) {
        const auto traced = testing::toComplexVector(trace.eig[0][0][c]);
        // A = diag(Λ) − PPᴴ of HiPPO is far from normal: the two float64 routes differ by up to 3e-8 here.
        EXPECT_LE(testing::multisetDistance(traced, testing::toComplexVector(dense[c])), 1e-7) << "channel " << c;
    }
}

TEST(S4, EigenvalueOrderIsFixed) {
    auto mixer = paperS4(3);
    const auto u = torch::randn({2, 5, 3});
    dsf::TransitionTrace first, second;
    mixer->forwardWithTrace(u, first);
    {
        torch::NoGradGuard noGrad;
        for (auto& p : mixer->parameters()) p.mul_(1.0);  // a new parameter version: the cache is rebuilt
    }
    mixer->forwardWithTrace(u, second);
    EXPECT_TRUE(torch::equal(first.eig, second.eig));
    // In float64 the same modes come in the same order (element by element, not only as a multiset).
    mixer->to(torch::kFloat64);
    dsf::TransitionTrace wide;
    mixer->forwardWithTrace(u.to(torch::kFloat64), wide);
    EXPECT_LE(testing::relativeError(wide.eig.to(torch::kComplexFloat), first.eig), 1e-5);
}

}  // namespace
}  // namespace eigenscope
