// CUDA: the same model on CPU and GPU agrees. Skips visibly where this LibTorch has no CUDA device.
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

}  // namespace
}  // namespace eigenscope
