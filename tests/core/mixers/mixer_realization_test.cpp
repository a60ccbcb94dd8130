// For every mixer: the explicit DSF recurrence of its realization reproduces forward (float64), and the
// transition trace recorded by forward equals the eigenvalues of the realization's Λ_t.
#include "eigenscope/model.h"
#include "mixers/mixer.h"
#include "model/model_handle.h"
#include "mixers/registry.h"
#include "mixer_cases.h"
#include "test_util.h"

#include <Eigen/Eigenvalues>
#include <gtest/gtest.h>

namespace eigenscope {
namespace {

using testing::kBatch;
using testing::kSteps;
using testing::kWidth;
using testing::makeTestMixer;
using testing::mixerCases;
using testing::MixerCase;

constexpr double kForwardTolerance = 1e-9;  // max relative error, float64
constexpr double kEigTolerance = 1e-9;      // max eigenvalue distance

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

void expectRecurrenceReproducesForward(MixerImpl& mixer, const torch::Tensor& u) {
    const auto y = mixer.forward(u);
    const auto r = mixer.realize(u);
    const auto yRecurrence = r.readout(torch::real(dsf::runRecurrence(r)));
    ASSERT_EQ(y.sizes(), yRecurrence.sizes());
    EXPECT_LE(testing::relativeError(yRecurrence, y), kForwardTolerance);
    EXPECT_GT(y.abs().max().item<double>(), 1e-6) << "degenerate output";
}

void expectTraceEqualsEigenvaluesOfRealization(MixerImpl& mixer, const torch::Tensor& u) {
    const int64_t batch = u.size(0), T = u.size(1);
    dsf::TransitionTrace trace;
    const auto y = mixer.forwardWithTrace(u, trace);
    EXPECT_LE(testing::relativeError(y, mixer.forward(u)), 1e-14) << "tracing changed the forward pass";

    const auto r = mixer.realize(u);
    ASSERT_EQ(trace.eig.dim(), 4);
    ASSERT_TRUE(trace.eig.is_complex());
    ASSERT_EQ(int64_t(trace.multiplicity.size()), trace.eig.size(3));
    const int64_t steps = trace.eig.size(1);
    if (trace.timeInvariant) EXPECT_EQ(steps, 1);
    else EXPECT_EQ(steps + trace.firstStep, T);

    const int64_t heads = trace.eig.size(2);
    ASSERT_EQ(heads, r.input.size(2));
    double worst = 0.0;
    for (int64_t b = 0; b < batch; ++b) {
        for (int64_t i = 0; i < steps; ++i) {
            for (int64_t h = 0; h < heads; ++h) {
                std::vector<std::complex<double>> traced;
                const auto values = testing::toComplexVector(trace.eig[b][i][h]);
                for (size_t k = 0; k < values.size(); ++k)
                    traced.insert(traced.end(), size_t(trace.multiplicity[k]), values[k]);
                // Time-invariant: the one traced spectrum must hold at every step of the realization.
                const std::vector<int64_t> times =
                    trace.timeInvariant ? std::vector<int64_t>{0, T - 1} : std::vector<int64_t>{i + trace.firstStep};
                for (int64_t t : times)
                    worst = std::max(worst, testing::multisetDistance(traced, realizationEigenvalues(r, b, t, h)));
            }
        }
    }
    EXPECT_LE(worst, kEigTolerance);
}

class MixerRealizationTest : public ::testing::TestWithParam<MixerCase> {};

TEST_P(MixerRealizationTest, RecurrenceReproducesForward) {
    auto mixer = makeTestMixer(GetParam());
    expectRecurrenceReproducesForward(*mixer, torch::randn({kBatch, kSteps, kWidth}, torch::kFloat64));
}

TEST_P(MixerRealizationTest, TraceEqualsEigenvaluesOfRealization) {
    auto mixer = makeTestMixer(GetParam());
    expectTraceEqualsEigenvaluesOfRealization(*mixer, torch::randn({kBatch, kSteps, kWidth}, torch::kFloat64));
}

INSTANTIATE_TEST_SUITE_P(AllMixers, MixerRealizationTest, ::testing::ValuesIn(mixerCases()),
                         [](const auto& info) { return info.param.name; });

// The same two checks on every layer of the models opened from the Hugging Face and fla fixture folders: the
// published layouts, loaded with their own weights, in float64.
class LoadedModelRealizationTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LoadedModelRealizationTest, EveryLayerRealizesItsForwardAndTrace) {
    Model model = Model::open(std::string(EIGENSCOPE_FIXTURES) + "/" + GetParam());
    auto& module = model.impl->module;
    module->to(torch::kFloat64);
    module->eval();
    torch::NoGradGuard noGrad;
    torch::manual_seed(11);
    const auto u = torch::randn({2, 10, model.spec().dModel}, torch::kFloat64);
    int64_t checked = 0;
    for (size_t layer = 0; layer < module->blocks().size(); ++layer) {
        SCOPED_TRACE("layer " + std::to_string(layer));
        if (!module->blocks()[layer]->hasMixer()) continue;
        ++checked;
        auto& mixer = module->blocks()[layer]->mixer();
        expectRecurrenceReproducesForward(mixer, u);
        expectTraceEqualsEigenvaluesOfRealization(mixer, u);
    }
    EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LoadedModelRealizationTest,
                         ::testing::Values("mamba_ssm", "mamba2_hf", "falcon_mamba_hf", "mamba2_groups_hf", "gla_fla",
                                           "retnet_fla", "deltanet_fla", "gated_deltanet_fla", "llama_hf",
                                           "mistral_hf", "qwen2_hf", "qwen3_hf", "gpt2_hf",
                                           "llama31_hf", "nemotron_h_hf", "recurrent_gemma_hf"),
                         [](const auto& info) { return info.param; });

TEST(MixerRegistry, EveryRegisteredMixerHasARealizationCase) {
    const auto cases = mixerCases();
    for (const auto& entry : mixerRegistry()) {
        const bool covered = std::any_of(cases.begin(), cases.end(), [&](const MixerCase& c) { return c.type == entry.key; });
        EXPECT_TRUE(covered) << entry.key << " has no realization test case";
    }
}

}  // namespace
}  // namespace eigenscope
