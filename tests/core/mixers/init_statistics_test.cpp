// Initializations against their references (mamba_ssm, minimal-LRU, HiPPO-LegS, S4D, the paper's MHNA).
#include "mixers/hippo.h"
#include "mixers/mixer.h"
#include "mixers/norm_attention.h"
#include "mixers/registry.h"

#include <Eigen/Eigenvalues>
#include <gtest/gtest.h>

#include <cmath>

namespace eigenscope {
namespace {

torch::OrderedDict<std::string, torch::Tensor> initParameters(const std::string& type, const nlohmann::json& options,
                                                              int64_t dModel = 64) {
    ModelSpec spec;
    spec.dModel = dModel;
    torch::manual_seed(21);
    return makeMixer(spec, {type, options})->named_parameters();
}

double minOf(const torch::Tensor& t) { return t.min().item<double>(); }
double maxOf(const torch::Tensor& t) { return t.max().item<double>(); }

TEST(InitStatistics, Mamba2AAndDtRanges) {
    const auto p = initParameters("mamba2", {{"expand", 2}, {"headdim", 1}, {"d_state", 4}});
    const auto A = p["A_log"].to(torch::kFloat64).exp();  // −A ~ U(1, 16)
    ASSERT_EQ(A.numel(), 128);
    EXPECT_GE(minOf(A), 1.0 - 1e-6);
    EXPECT_LE(maxOf(A), 16.0 + 1e-5);
    EXPECT_LT(minOf(A), 3.0);   // spread over the range, not one value
    EXPECT_GT(maxOf(A), 14.0);
    const auto dt = torch::softplus(p["dt_bias"].to(torch::kFloat64));
    EXPECT_GE(minOf(dt), 1e-3 * (1 - 1e-5));
    EXPECT_LE(maxOf(dt), 1e-1 * (1 + 1e-5));
    // log-uniform: the median of log dt sits near the middle of [log 1e-3, log 1e-1].
    EXPECT_NEAR(dt.log().median().item<double>(), std::log(1e-2), 0.6);
    EXPECT_TRUE(torch::all(p["D"] == 1).item<bool>());
}

TEST(InitStatistics, S6IsS4DRealWithLogUniformDt) {
    const auto p = initParameters("s6", {{"d_state", 16}});
    const auto A = -p["A_log"].to(torch::kFloat64).exp();  // (d_inner, N)
    const auto expected = -torch::arange(1, 17, torch::kFloat64).expand({128, 16});
    EXPECT_LE((A - expected).abs().max().item<double>(), 1e-5);
    const auto dt = torch::softplus(p["dt_proj.bias"].to(torch::kFloat64));
    EXPECT_GE(minOf(dt), 1e-3 * (1 - 1e-5));
    EXPECT_LE(maxOf(dt), 1e-1 * (1 + 1e-5));
    const double bound = 1.0 / std::sqrt(4.0);  // dt_rank = ceil(64/16) = 4
    EXPECT_LE(p["dt_proj.weight"].abs().max().item<double>(), bound + 1e-7);
}

TEST(InitStatistics, LruRingInit) {
    const double rMin = 0.4, rMax = 0.9, maxPhase = 3.14;
    const auto p = initParameters("lru", {{"d_state", 2000}, {"r_min", rMin}, {"r_max", rMax}, {"max_phase", maxPhase}});
    const auto modulus = (-p["nu_log"].to(torch::kFloat64).exp()).exp();
    const auto phase = p["theta_log"].to(torch::kFloat64).exp();
    EXPECT_GE(minOf(modulus), rMin - 1e-6);
    EXPECT_LE(maxOf(modulus), rMax + 1e-6);
    EXPECT_GE(minOf(phase), 0.0);
    EXPECT_LE(maxOf(phase), maxPhase + 1e-6);
    // Uniform by area: E|λ|² = (r_min² + r_max²)/2 (±4σ of the sample mean).
    const double meanSquare = modulus.pow(2).mean().item<double>();
    const double sd = (rMax * rMax - rMin * rMin) / std::sqrt(12.0 * 2000.0);
    EXPECT_NEAR(meanSquare, (rMin * rMin + rMax * rMax) / 2, 4 * sd);
    const auto gamma = p["gamma_log"].to(torch::kFloat64).exp();
    EXPECT_LE((gamma - (1 - modulus.pow(2)).sqrt()).abs().max().item<double>(), 1e-6);
}

TEST(InitStatistics, HippoLegsDplrIsSimilarToLegs) {
    // diag(−½ + iω) − P Pᴴ is unitarily similar to the lower-triangular LegS matrix, eigenvalues −1, …, −N.
    const int64_t n = 8;
    const auto h = mixers::hippoLegsDplr(n);
    const auto A = torch::diag_embed(torch::complex(torch::full({n}, -0.5, torch::kFloat64), h.omega)) -
                   h.P.unsqueeze(-1) * h.P.conj().unsqueeze(0);
    const auto eig = torch::linalg_eigvals(A);
    const auto sorted = std::get<0>(torch::real(eig).sort());
    EXPECT_LE((sorted + torch::arange(n, 0, -1, torch::kFloat64)).abs().max().item<double>(), 1e-6);
    EXPECT_LE(torch::imag(eig).abs().max().item<double>(), 1e-6);
    // B = Vᴴ b keeps the norm of b_n = √(2n+1): Σ(2n+1) = N².
    EXPECT_NEAR(h.B.abs().pow(2).sum().item<double>(), double(n * n), 1e-9);
}

TEST(InitStatistics, S4StartsFromHippo) {
    const auto p = initParameters("s4", {{"d_state", 8}}, 4);
    EXPECT_TRUE(torch::all(p["Lambda_re"] == -0.5).item<bool>());
    EXPECT_EQ(p["P"].sizes(), (std::vector<int64_t>{8, 4, 2}));
    const auto step = p["log_step"].to(torch::kFloat64).exp();
    EXPECT_GE(minOf(step), 1e-3 * (1 - 1e-5));
    EXPECT_LE(maxOf(step), 1e-1 * (1 + 1e-5));
}

TEST(InitStatistics, S4DInits) {
    const auto lin = initParameters("s4d", {{"d_state", 8}, {"init", "lin"}}, 2);
    EXPECT_NEAR(lin["kernel.A_imag"][0][3].item<double>(), 3 * M_PI, 1e-5);
    EXPECT_NEAR(lin["kernel.log_A_real"].exp()[0][0].item<double>(), 0.5, 1e-7);
    const auto real = initParameters("s4d", {{"d_state", 8}, {"init", "real"}}, 2);
    EXPECT_NEAR(real["kernel.log_A_real"].exp()[1][2].item<double>(), 3.0, 1e-5);
    EXPECT_EQ(real["kernel.A_imag"].abs().max().item<double>(), 0.0);
    const auto inv = initParameters("s4d", {{"d_state", 8}, {"init", "inv"}}, 2);
    EXPECT_NEAR(inv["kernel.A_imag"][0][1].item<double>(), 8 / M_PI * (8.0 / 3.0 - 1.0), 1e-5);
}

TEST(InitStatistics, NormAttentionOffsets) {
    const auto exp4 = mixers::initialOffset("exp", 4);
    EXPECT_NEAR(exp4[0].item<double>(), 4.0, 1e-12);
    EXPECT_NEAR(exp4[3].item<double>(), 9.0, 1e-12);
    // The values paper-models.md §3.5 printed from the reference for H = 4.
    const auto uniform = mixers::initialOffset("uniform", 4);
    const double expected[] = {8.0, 11.1301, 12.8229, 14.0};
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(uniform[i].item<double>(), expected[i], 1e-4);
    EXPECT_EQ(mixers::initialOffset("uniform", 1).item<double>(), 3.0);  // the reference's H = 1 quirk
}

TEST(InitStatistics, Mamba2LtiEigenvaluesAtInit) {
    const auto p = initParameters("mamba2_lti", {{"expand", 1}, {"headdim", 1}, {"d_state", 64}});
    const auto lambda = (-torch::softplus(p["A"].to(torch::kFloat64))).exp();
    EXPECT_GT(minOf(lambda), 0.88);    // A ~ U(−8, −2): λ ∈ (0.88, 0.9997)
    EXPECT_LT(maxOf(lambda), 0.9997);
}

}  // namespace
}  // namespace eigenscope
