// For every mixer: the explicit DSF recurrence of its realization reproduces forward (float64), and the
// transition trace recorded by forward equals the eigenvalues of the realization's Λ_t.
#include "mixers/mixer.h"
#include "mixers/registry.h"
#include "test_util.h"

#include <Eigen/Eigenvalues>
#include <gtest/gtest.h>

namespace eigenscope {
namespace {

struct MixerCase {
    std::string name;
    std::string type;
    nlohmann::json options;
};

std::ostream& operator<<(std::ostream& os, const MixerCase& c) { return os << c.name; }

constexpr int64_t kBatch = 2, kSteps = 17, kWidth = 8;
constexpr double kForwardTolerance = 1e-9;  // max relative error, float64
constexpr double kEigTolerance = 1e-9;      // max eigenvalue distance (dense Λ: Eigen's QR, see below)

std::shared_ptr<MixerImpl> makeTestMixer(const MixerCase& c) {
    ModelSpec spec;
    spec.dModel = kWidth;
    spec.seqLen = 24;  // S4's kernel length, longer than the input to exercise truncation
    torch::manual_seed(7);
    auto mixer = makeMixer(spec, {c.type, c.options});
    mixer->to(torch::kFloat64);
    // Move every parameter off its structured init so no term is trivially zero or one.
    torch::NoGradGuard noGrad;
    for (auto& p : mixer->parameters()) p.add_(0.05 * torch::randn_like(p));
    mixer->eval();
    return mixer;
}

std::vector<std::complex<double>> realizationEigenvalues(const dsf::Realization& r, int64_t b, int64_t t, int64_t h) {
    const auto pick = [](const torch::Tensor& x, int64_t i) { return x.select(0, x.size(0) == 1 ? 0 : i); };
    auto lambda = pick(pick(r.lambda, b), t).select(0, h).to(torch::kComplexDouble).contiguous();
    if (r.diagonal) return testing::toComplexVector(lambda);
    const int64_t n = lambda.size(0);
    Eigen::MatrixXcd dense(n, n);
    const auto* data = lambda.data_ptr<c10::complex<double>>();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) dense(i, j) = {data[i * n + j].real(), data[i * n + j].imag()};
    Eigen::ComplexEigenSolver<Eigen::MatrixXcd> solver(dense, false);
    const auto& values = solver.eigenvalues();
    return std::vector<std::complex<double>>(values.data(), values.data() + n);
}

class MixerRealizationTest : public ::testing::TestWithParam<MixerCase> {};

TEST_P(MixerRealizationTest, RecurrenceReproducesForward) {
    auto mixer = makeTestMixer(GetParam());
    const auto u = torch::randn({kBatch, kSteps, kWidth}, torch::kFloat64);
    const auto y = mixer->forward(u);
    const auto r = mixer->realize(u);
    const auto yRecurrence = r.readout(torch::real(dsf::runRecurrence(r)));
    ASSERT_EQ(y.sizes(), yRecurrence.sizes());
    EXPECT_LE(testing::relativeError(yRecurrence, y), kForwardTolerance);
    EXPECT_GT(y.abs().max().item<double>(), 1e-6) << "degenerate output";
}

TEST_P(MixerRealizationTest, TraceEqualsEigenvaluesOfRealization) {
    auto mixer = makeTestMixer(GetParam());
    const auto u = torch::randn({kBatch, kSteps, kWidth}, torch::kFloat64);
    dsf::TransitionTrace trace;
    const auto y = mixer->forwardWithTrace(u, trace);
    EXPECT_LE(testing::relativeError(y, mixer->forward(u)), 1e-14) << "tracing changed the forward pass";

    const auto r = mixer->realize(u);
    ASSERT_EQ(trace.eig.dim(), 4);
    ASSERT_TRUE(trace.eig.is_complex());
    ASSERT_EQ(int64_t(trace.multiplicity.size()), trace.eig.size(3));
    const int64_t steps = trace.eig.size(1);
    if (trace.timeInvariant) EXPECT_EQ(steps, 1);
    else EXPECT_EQ(steps + trace.firstStep, kSteps);

    const int64_t heads = trace.eig.size(2);
    ASSERT_EQ(heads, r.input.size(2));
    double worst = 0.0;
    for (int64_t b = 0; b < kBatch; ++b) {
        for (int64_t i = 0; i < steps; ++i) {
            for (int64_t h = 0; h < heads; ++h) {
                std::vector<std::complex<double>> traced;
                const auto values = testing::toComplexVector(trace.eig[b][i][h]);
                for (size_t k = 0; k < values.size(); ++k)
                    traced.insert(traced.end(), size_t(trace.multiplicity[k]), values[k]);
                // Time-invariant: the one traced spectrum must hold at every step of the realization.
                const std::vector<int64_t> times =
                    trace.timeInvariant ? std::vector<int64_t>{0, kSteps - 1} : std::vector<int64_t>{i + trace.firstStep};
                for (int64_t t : times)
                    worst = std::max(worst, testing::multisetDistance(traced, realizationEigenvalues(r, b, t, h)));
            }
        }
    }
    EXPECT_LE(worst, kEigTolerance);
}

std::vector<MixerCase> mixerCases() {
    std::vector<MixerCase> cases = {
        {"softmax_h2_conv_full", "softmax_attention", {{"num_heads", 2}, {"conv_kernel", 3}}},
        {"softmax_h1_qk12_conv_partial", "softmax_attention",
         {{"num_heads", 1}, {"state_dim", 12}, {"conv_kernel", 4}, {"conv_type", "partial"}}},
        {"linear_h2_qk12", "linear_attention", {{"num_heads", 2}, {"state_dim", 12}}},
        {"linear_h1_conv_partial", "linear_attention", {{"conv_kernel", 2}, {"conv_type", "partial"}}},
        {"norm_uniform_offset_h4_full_conv", "norm_attention",
         {{"num_heads", 4}, {"offset_init", "uniform"}, {"conv_kernel", 4}}},
        {"norm_no_offset_no_scale_partial", "norm_attention",
         {{"num_heads", 2}, {"offset", false}, {"scale_B", false}, {"conv_kernel", 3}, {"conv_type", "partial"}}},
        {"s4", "s4", {{"d_state", 6}}},
        {"lru", "lru", {{"d_state", 5}, {"r_min", 0.5}, {"r_max", 0.95}}},
        {"s6", "s6", {{"d_state", 4}, {"expand", 2}, {"dt_rank", 2}, {"d_conv", 3}}},
        {"mamba2_gated", "mamba2", {{"d_state", 4}, {"expand", 2}, {"headdim", 4}, {"d_conv", 4}}},
        {"mamba2_paper", "mamba2", {{"d_state", 4}, {"expand", 1}, {"num_heads", 2}, {"gated_norm", false}}},
        {"mamba2_no_conv", "mamba2", {{"d_state", 3}, {"expand", 1}, {"headdim", 8}, {"d_conv", 0}}},
        {"mamba2_lti", "mamba2_lti", {{"d_state", 4}, {"expand", 1}, {"num_heads", 2}}},
    };
    for (const char* fn : {"exp", "elu", "softplus", "sigmoid"})
        for (const char* approx : {"none", "elu"})
            // ν = exp with the default offsets 4..9 drives g = exp(−e^{n+o}) below the float64 range (the
            // reference has the same underflow); without the offset every term stays representable.
            cases.push_back({std::string("norm_") + fn + "_" + approx, "norm_attention",
                             {{"num_heads", 2}, {"norm_fn", fn}, {"approx_fn", approx}, {"offset", std::string(fn) != "exp"}}});
    for (const char* init : {"lin", "inv", "real", "legs"})
        cases.push_back({std::string("s4d_") + init, "s4d", {{"d_state", 6}, {"init", init}}});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(AllMixers, MixerRealizationTest, ::testing::ValuesIn(mixerCases()),
                         [](const auto& info) { return info.param.name; });

TEST(MixerRegistry, EveryRegisteredMixerHasARealizationCase) {
    const auto cases = mixerCases();
    for (const auto& entry : mixerRegistry()) {
        const bool covered = std::any_of(cases.begin(), cases.end(), [&](const MixerCase& c) { return c.type == entry.key; });
        EXPECT_TRUE(covered) << entry.key << " has no realization test case";
    }
}

}  // namespace
}  // namespace eigenscope
