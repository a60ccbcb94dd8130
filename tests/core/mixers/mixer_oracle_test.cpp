// Every mixer against an independent float64 oracle: tests/fixtures/oracles/ implements each forward pass and its
// Λ_t from the reference code (mamba_ssm, the LRU and S4 code of the paper, recurrentgemma, fla, the DSF code) and
// writes parameters, an input, the output and the eigenvalues of every Λ_t; here the eigenscope mixer gets the same
// parameters and must reproduce both.
#include "io/safetensors.h"
#include "mixers/mixer.h"
#include "mixers/registry.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace eigenscope {
namespace {

constexpr double kOutputTolerance = 1e-10;  // max relative error of y, float64
constexpr double kEigTolerance = 1e-10;     // largest eigenvalue distance after multiset matching

std::vector<std::string> fixtureFiles() {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(EIGENSCOPE_FIXTURES "/mixers"))
        if (entry.path().extension() == ".safetensors") out.push_back(entry.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

class MixerOracleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MixerOracleTest, OutputAndEigenvaluesMatchTheOracle) {
    const auto file = io::SafetensorsFile::open(GetParam());
    const auto& meta = file.header().metadata;
    ModelSpec spec;
    spec.dModel = std::stoll(meta.at("d_model"));
    spec.seqLen = std::stoll(meta.at("seq_len"));
    const MixerSpec mixerSpec{meta.at("mixer"), nlohmann::json::parse(meta.at("options"))};
    auto mixer = makeMixer(spec, mixerSpec);
    mixer->to(torch::kFloat64);
    mixer->eval();
    {
        torch::NoGradGuard noGrad;
        std::set<std::string> unused;
        for (const auto& e : file.header().tensors)
            if (e.name.rfind("param.", 0) == 0) unused.insert(e.name);
        auto load = [&](const std::string& name, torch::Tensor& target) {
            const std::string key = "param." + name;
            ASSERT_TRUE(file.contains(key)) << "the oracle has no " << name;
            const auto source = file.tensor(key);
            ASSERT_EQ(source.sizes(), target.sizes()) << name;
            target.copy_(source);
            unused.erase(key);
        };
        for (auto& p : mixer->named_parameters(true)) load(p.key(), p.value());
        for (auto& b : mixer->named_buffers(true)) load(b.key(), b.value());
        EXPECT_TRUE(unused.empty()) << "the oracle has parameters the mixer lacks, e.g. " << *unused.begin();
    }
    const auto u = file.tensor("u");
    dsf::TransitionTrace trace;
    torch::Tensor y;
    {
        torch::NoGradGuard noGrad;
        y = mixer->forwardWithTrace(u, trace);
    }
    const auto expected = file.tensor("y");
    ASSERT_EQ(y.sizes(), expected.sizes());
    EXPECT_LE(testing::relativeError(y, expected), kOutputTolerance) << meta.at("reference");
    EXPECT_GT(expected.abs().max().item<double>(), 1e-6) << "degenerate oracle output";

    const auto eig = torch::complex(file.tensor("eig_re"), file.tensor("eig_im"));
    EXPECT_EQ(trace.timeInvariant, meta.at("time_invariant") == "1");
    EXPECT_EQ(trace.firstStep, std::stoll(meta.at("first_step")));
    ASSERT_EQ(trace.eig.size(0), eig.size(0));
    ASSERT_EQ(trace.eig.size(1), eig.size(1));
    ASSERT_EQ(trace.eig.size(2), eig.size(2));
    double worst = 0;
    for (int64_t b = 0; b < eig.size(0); ++b)
        for (int64_t t = 0; t < eig.size(1); ++t)
            for (int64_t h = 0; h < eig.size(2); ++h) {
                std::vector<std::complex<double>> traced;
                const auto values = testing::toComplexVector(trace.eig[b][t][h]);
                for (size_t k = 0; k < values.size(); ++k) traced.insert(traced.end(), size_t(trace.multiplicity[k]), values[k]);
                worst = std::max(worst, testing::multisetDistance(traced, testing::toComplexVector(eig[b][t][h])));
            }
    EXPECT_LE(worst, kEigTolerance) << meta.at("reference");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MixerOracleTest, ::testing::ValuesIn(fixtureFiles()), [](const auto& info) {
    return std::filesystem::path(info.param).stem().string();
});

TEST(MixerOracle, EveryRecurrentMixerHasAnOracle) {
    std::set<std::string> covered;
    for (const auto& path : fixtureFiles()) covered.insert(io::SafetensorsFile::open(path).header().metadata.at("mixer"));
    for (const char* mixer : {"s4", "lru", "s6", "mamba2", "rglru", "qlstm", "gla", "retnet", "deltanet", "gated_deltanet"})
        EXPECT_TRUE(covered.count(mixer)) << mixer << " has no oracle fixture in tests/fixtures/mixers";
}

}  // namespace
}  // namespace eigenscope
