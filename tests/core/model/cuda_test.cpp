// CUDA: the same model on CPU and GPU agrees. Skips visibly where this LibTorch has no CUDA device.
#include "eigenscope/analysis.h"
#include "eigenscope/presets.h"
#include "model/sequence_model.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace eigenscope {
namespace {

// The largest distance between the eigenvalues of two devices, matched as multisets within each run of `modes`
// values (one head at one step), relative to the largest |λ|: LAPACK and cuSOLVER need not list modes alike.
double spectrumDistance(const std::vector<std::complex<double>>& a, const std::vector<std::complex<double>>& b,
                        size_t modes) {
    if (a.size() != b.size() || modes == 0) return INFINITY;
    double worst = 0, scale = 0;
    for (size_t i = 0; i < a.size(); i += modes) {
        const std::vector<std::complex<double>> x(a.begin() + long(i), a.begin() + long(i + modes));
        const std::vector<std::complex<double>> y(b.begin() + long(i), b.begin() + long(i + modes));
        worst = std::max(worst, testing::multisetDistance(x, y));
    }
    for (const auto& v : a) scale = std::max(scale, std::abs(v));
    return worst / (scale > 0 ? scale : 1.0);
}

TEST(Cuda, PresetsAgreeWithCpu) {
    if (!torch::cuda::is_available())
        GTEST_SKIP() << "no CUDA device: this LibTorch build or machine has none (run scripts/gpu-check.sh on a GPU)";
    torch::NoGradGuard noGrad;
    for (const std::string name : {"cpu-paper-mqar-softmax", "cpu-paper-mqar-norm", "cpu-paper-mqar-mamba2",
                                   "cpu-paper-mqar-s4", "cpu-paper-mqar-lru", "s6", "mamba2_lti"}) {
        auto model = buildModel(presetSpec(name));
        const auto tokens = torch::randint(256, {2, 64}, torch::kLong);
        std::vector<dsf::TransitionTrace> cpuTraces, gpuTraces;
        const auto cpu = model->forwardWithTraces(tokens, cpuTraces);
        model->to(torch::kCUDA);
        const auto gpu = model->forwardWithTraces(tokens.to(torch::kCUDA), gpuTraces).cpu();
        EXPECT_LE(testing::relativeError(gpu, cpu), 1e-4) << name;
        for (size_t l = 0; l < cpuTraces.size(); ++l)
            EXPECT_LE(spectrumDistance(testing::toComplexVector(gpuTraces[l].eig.cpu()),
                                       testing::toComplexVector(cpuTraces[l].eig), size_t(cpuTraces[l].eig.size(3))),
                      1e-4)
                << name << " layer " << l;
    }
}

TEST(Cuda, AnalysisAgreesWithCpu) {
    if (!torch::cuda::is_available())
        GTEST_SKIP() << "no CUDA device: this LibTorch build or machine has none (run scripts/gpu-check.sh on a GPU)";
    for (const auto& preset : listPresets()) {
        InputSpec input = parseInputSpec("task:mqar");
        input.batch = 4;
        input.seqLen = 64;
        AnalysisOptions options;
        options.impulseSources = {0, 7};
        const auto cpu = analyze(Model::open("preset:" + preset.name), input, options);
        options.device = "cuda";
        const auto gpu = analyze(Model::open("preset:" + preset.name), input, options);
        ASSERT_EQ(cpu.layers.size(), gpu.layers.size());
        for (size_t l = 0; l < cpu.layers.size(); ++l)
            EXPECT_LE(spectrumDistance(gpu.layers[l].eig, cpu.layers[l].eig, size_t(cpu.layers[l].modes)), 1e-5)
                << preset.name << " layer " << l;
    }
}

}  // namespace
}  // namespace eigenscope
