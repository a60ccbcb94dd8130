// Bins, metrics, decay curves, horizons and alignment against direct float64 computations on small cases.
#include "spectra/statistics.h"
#include "eigenscope/analysis.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace eigenscope {
namespace {

LayerSpectrum scalarTrace(const std::vector<double>& values) {
    LayerSpectrum layer;
    layer.batch = 1;
    layer.steps = int64_t(values.size());
    layer.heads = 1;
    layer.modes = 1;
    layer.multiplicity = {1};
    for (double v : values) layer.eig.emplace_back(v, 0.0);
    return layer;
}

const std::vector<double> kEdges = {0.0, 0.1, 0.5, 0.9, 1.0, 10.0, 100.0, INFINITY};

TEST(Bins, ValuesOnEdgesHalfOpenInCorrectedMode) {
    const auto layer = scalarTrace({0.05, 0.1, 0.5, 1.0, 100.0, 200.0});
    const auto bins = binPercentages(layer, kEdges, false);
    const double one = 100.0 / 6;
    const std::vector<double> expected = {one, one, one, 0, one, 0, 2 * one};
    ASSERT_EQ(bins.size(), expected.size());
    for (size_t i = 0; i < bins.size(); ++i) EXPECT_NEAR(bins[i], expected[i], 1e-12) << "bin " << i;
}

TEST(Bins, ValuesOnEdgesCountTwiceInPaperMode) {
    // analysis/eval_eig.py threshold_analysis: [0, .1], [.1, .5], …, [10, 100] closed, then (100, ∞).
    const auto layer = scalarTrace({0.05, 0.1, 0.5, 1.0, 100.0, 200.0});
    const auto bins = binPercentages(layer, kEdges, true);
    const double one = 100.0 / 6;
    const std::vector<double> expected = {2 * one, 2 * one, one, one, one, one, one};
    for (size_t i = 0; i < bins.size(); ++i) EXPECT_NEAR(bins[i], expected[i], 1e-12) << "bin " << i;
}

TEST(Bins, PhaseBinsFoldConjugatesOnlyInCorrectedMode) {
    LayerSpectrum layer = scalarTrace({1, 1});
    layer.eig = {std::polar(0.9, 0.5), std::polar(0.9, -0.5)};  // ±28.6°
    const std::vector<double> edges = {0, 10, 45, 180};
    const auto corrected = binPercentages(layer, edges, false, true);
    EXPECT_NEAR(corrected[1], 100.0, 1e-12);
    const auto paper = binPercentages(layer, edges, true, true);
    EXPECT_NEAR(paper[1], 50.0, 1e-12);  // the negative angle falls in no bin
}

TEST(Bins, ModesCountAsOftenAsTheirMultiplicity) {
    // A delta-rule head with d_k = 4: α = 1 three times per value channel, α(1 − β‖k‖²) = 0.3 once.
    dsf::TransitionTrace trace;
    trace.eig = torch::complex(torch::tensor({1.0, 0.3}, torch::kFloat64).view({1, 1, 1, 2}),
                               torch::zeros({1, 1, 1, 2}, torch::kFloat64));
    trace.multiplicity = {3 * 5, 5};
    trace.timeInvariant = false;
    AnalysisOptions options;
    options.binEdges = kEdges;
    const auto layer = spectra::summarizeTrace("deltanet", trace, options, 4, {});
    EXPECT_NEAR(layer.binsMean[1], 25.0, 1e-12);
    EXPECT_NEAR(layer.binsMean[4], 75.0, 1e-12);
    EXPECT_NEAR(layer.metrics[0].meanAbs, (3 * 1.0 + 0.3) / 4, 1e-12);
    EXPECT_NEAR(layer.metrics[0].nearCircleFraction, 0.75, 1e-12);
}

TEST(Decay, TimeInvariantDiagonalSystemIsMaxModulusToTheK) {
    const auto eigAbs = torch::tensor({0.9, 0.5, 0.3}, torch::kFloat64).view({1, 1, 1, 3});
    const auto curve = spectra::decayCurves(eigAbs, true, 50);
    for (int64_t k = 0; k <= 50; ++k)
        EXPECT_NEAR(curve[0][k].item<double>(), std::pow(0.9, double(k)), 1e-13);
    EXPECT_EQ(spectra::horizons(curve, 0.01)[0], 44);  // 0.9^43 = 0.0108, 0.9^44 = 0.0097
}

TEST(Decay, TimeVaryingWindowsAverageProducts) {
    // One head, λ = (0.5, 1, 0.25): R(1) = mean(0.5, 1, 0.25), R(2) = mean(0.5, 0.25), R(3) = 0.125.
    const auto eigAbs = torch::tensor({0.5, 1.0, 0.25}, torch::kFloat64).view({1, 3, 1, 1});
    const auto curve = spectra::decayCurves(eigAbs, false, 4);
    EXPECT_DOUBLE_EQ(curve[0][0].item<double>(), 1.0);
    EXPECT_NEAR(curve[0][1].item<double>(), 1.75 / 3, 1e-15);
    EXPECT_NEAR(curve[0][2].item<double>(), 0.375, 1e-15);
    EXPECT_NEAR(curve[0][3].item<double>(), 0.125, 1e-15);
    EXPECT_TRUE(std::isnan(curve[0][4].item<double>()));
}

TEST(Decay, ManyModesTakeTheSlowestPerWindow) {
    // Two modes: R(k) follows the larger running product.
    const auto eigAbs = torch::tensor({0.9, 0.1, 0.2, 0.8}, torch::kFloat64).view({1, 2, 1, 2});
    const auto curve = spectra::decayCurves(eigAbs, false, 2);
    EXPECT_NEAR(curve[0][1].item<double>(), (0.9 + 0.8) / 2, 1e-15);
    EXPECT_NEAR(curve[0][2].item<double>(), std::max(0.9 * 0.2, 0.1 * 0.8), 1e-15);
}

TEST(Decay, MatchesDirectProductsOnARandomTrace) {
    for (const int64_t K : {1, 3}) {  // one mode per head (diagonal SSMs) has a path of its own
        const int64_t B = 3, T = 40, H = 4, maxLag = 45;
        auto eigAbs = torch::rand({B, T, H, K}, torch::kFloat64) * 1.2;
        eigAbs[1][7][0].fill_(0.0);  // a zero eigenvalue ends every window through it
        const auto curve = spectra::decayCurves(eigAbs, false, maxLag);
        const auto a = eigAbs.accessor<double, 4>();
        for (int64_t h = 0; h < H; ++h) {
            for (int64_t k = 1; k <= maxLag; ++k) {
                if (k > T) {
                    EXPECT_TRUE(std::isnan(curve[h][k].item<double>()));
                    continue;
                }
                double sum = 0;
                for (int64_t b = 0; b < B; ++b)
                    for (int64_t t = 0; t + k <= T; ++t) {
                        double slowest = 0;
                        for (int64_t m = 0; m < K; ++m) {
                            double p = 1;
                            for (int64_t j = t; j < t + k; ++j) p *= a[b][j][h][m];
                            slowest = std::max(slowest, p);
                        }
                        sum += slowest;
                    }
                const double expected = sum / double(B * (T + 1 - k));
                EXPECT_NEAR(curve[h][k].item<double>(), expected, 1e-12 * (1 + expected))
                    << "K=" << K << " h=" << h << " k=" << k;
            }
        }
    }
}

TEST(Decay, CancelFlagStopsTheComputation) {
    const auto eigAbs = torch::full({2, 300, 1, 1}, 0.99, torch::kFloat64);
    std::atomic<bool> cancel{true};
    EXPECT_THROW(spectra::decayCurves(eigAbs, false, 299, &cancel), Cancelled);
    cancel = false;
    EXPECT_NEAR(spectra::decayCurves(eigAbs, false, 299, &cancel)[0][10].item<double>(), std::pow(0.99, 10),
                1e-12);
}

TEST(Metrics, MatchDirectComputation) {
    const std::vector<double> values = {0.2, 0.95, 1.05, 3.0, 0.5};
    const auto eigAbs = torch::tensor(values, torch::kFloat64).view({1, 5, 1, 1});
    const auto m = spectra::headMetrics(eigAbs, 0.1)[0];
    EXPECT_DOUBLE_EQ(m.spectralRadius, 3.0);
    EXPECT_NEAR(m.meanAbs, 5.7 / 5, 1e-15);
    EXPECT_DOUBLE_EQ(m.medianAbs, 0.95);
    EXPECT_NEAR(m.nearCircleFraction, 0.4, 1e-15);
    // τ over |λ| < 1: −1/ln 0.2 = 0.621, −1/ln 0.5 = 1.443, −1/ln 0.95 = 19.5; torch's median is the lower
    // middle.
    EXPECT_NEAR(m.medianTau, -1.0 / std::log(0.5), 1e-12);
}

TEST(Metrics, EachHeadFromItsOwnValues) {
    // Heads of different scales and modes, one with nothing below 1: every metric must come from its own
    // head.
    const int64_t B = 2, T = 5, H = 3, K = 2;
    auto eigAbs = torch::rand({B, T, H, K}, torch::kFloat64);
    eigAbs.select(2, 1).mul_(3.0);
    eigAbs.select(2, 2).add_(1.0);
    const auto metrics = spectra::headMetrics(eigAbs, 0.1);
    const auto a = eigAbs.accessor<double, 4>();
    for (int64_t h = 0; h < H; ++h) {
        std::vector<double> values, taus;
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                for (int64_t m = 0; m < K; ++m) values.push_back(a[b][t][h][m]);
        for (double v : values)
            if (v > 0 && v < 1) taus.push_back(-1.0 / std::log(v));
        const auto lowerMedian = [](std::vector<double> v) {
            std::sort(v.begin(), v.end());
            return v[(v.size() - 1) / 2];
        };
        double near = 0;
        for (double v : values) near += std::abs(v - 1.0) <= 0.1;
        const auto& m = metrics[size_t(h)];
        EXPECT_DOUBLE_EQ(m.spectralRadius, *std::max_element(values.begin(), values.end())) << h;
        EXPECT_NEAR(m.meanAbs, std::accumulate(values.begin(), values.end(), 0.0) / double(values.size()),
                    1e-14)
            << h;
        EXPECT_DOUBLE_EQ(m.medianAbs, lowerMedian(values)) << h;
        EXPECT_NEAR(m.nearCircleFraction, near / double(values.size()), 1e-15) << h;
        if (taus.empty())
            EXPECT_TRUE(std::isnan(m.medianTau)) << h;
        else
            EXPECT_NEAR(m.medianTau, lowerMedian(taus), 1e-12 * lowerMedian(taus)) << h;
    }
}

TEST(Alignment, FractionOfGapsWithinTheHorizon) {
    EXPECT_NEAR(spectra::alignment({1, 5, 10}, 5), 2.0 / 3, 1e-15);
    EXPECT_DOUBLE_EQ(spectra::alignment({1, 5, 10}, -1), 1.0);
    EXPECT_TRUE(std::isnan(spectra::alignment({}, 5)));
}

}  // namespace
}  // namespace eigenscope
