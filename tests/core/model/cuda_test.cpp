// CUDA: the same model on CPU and GPU agrees. Skips visibly where this LibTorch has no CUDA device.
#include "eigenscope/analysis.h"
#include "eigenscope/presets.h"
#include "model/sequence_model.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace eigenscope {
namespace {

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
            EXPECT_LE(testing::relativeError(gpuTraces[l].eig.cpu(), cpuTraces[l].eig), 1e-4) << name << " layer " << l;
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
        for (size_t l = 0; l < cpu.layers.size(); ++l) {
            const auto& a = cpu.layers[l].eig;
            const auto& b = gpu.layers[l].eig;
            ASSERT_EQ(a.size(), b.size());
            double worst = 0, scale = 0;
            for (size_t i = 0; i < a.size(); ++i) {
                worst = std::max(worst, std::abs(a[i] - b[i]));
                scale = std::max(scale, std::abs(a[i]));
            }
            EXPECT_LE(worst / scale, 1e-5) << preset.name << " layer " << l;
        }
    }
}

}  // namespace
}  // namespace eigenscope
