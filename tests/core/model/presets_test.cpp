// Every preset builds and runs; the paper presets reproduce the reference architectures key for key.
#include "eigenscope/error.h"
#include "eigenscope/model_info.h"
#include "eigenscope/presets.h"
#include "model/sequence_model.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace eigenscope {
namespace {

int64_t parameterCount(const std::string& preset) { return describeModel(presetSpec(preset)).totalParameters; }

TEST(Presets, PaperParameterCountsEqualTheReference) {
    // paper-models.md §3.2, §4.2 (printed from the reference modules) and §6.1 (JAX, by hand).
    EXPECT_EQ(parameterCount("paper-mqar-softmax"), 2295552);
    EXPECT_EQ(parameterCount("paper-mqar-linear"), 2295552);
    EXPECT_EQ(parameterCount("paper-mqar-norm"), 2234116);
    EXPECT_EQ(parameterCount("paper-mqar-mamba2"), 2307078);
    EXPECT_EQ(parameterCount("paper-mqar-lru"), 2304128);
    EXPECT_EQ(parameterCount("paper-mqar-s4"), 2434688);
}

std::map<std::string, std::vector<int64_t>> shapes(const std::string& preset) {
    std::map<std::string, std::vector<int64_t>> out;
    auto model = buildModel(presetSpec(preset));
    for (const auto& item : model->named_parameters()) out[item.key()] = item.value().sizes().vec();
    for (const auto& item : model->named_buffers()) out[item.key()] = item.value().sizes().vec();
    return out;
}

TEST(Presets, TransformerKeysFollowTheReference) {
    const auto s = shapes("paper-mqar-softmax");
    EXPECT_EQ(s.at("encoder.word_embeddings.weight"), (std::vector<int64_t>{8192, 128}));
    EXPECT_EQ(s.at("encoder.position_embeddings.weight"), (std::vector<int64_t>{512, 128}));
    EXPECT_EQ(s.at("layers.1.attention.Wqkv.weight"), (std::vector<int64_t>{384, 128}));
    EXPECT_EQ(s.at("layers.1.attention.out_proj.bias"), (std::vector<int64_t>{128}));
    EXPECT_EQ(s.at("layers.0.norm.weight"), (std::vector<int64_t>{128}));
    EXPECT_EQ(s.at("decoder.weight"), (std::vector<int64_t>{8192, 128}));
    EXPECT_EQ(s.count("decoder.bias"), 0u);
    EXPECT_EQ(s.at("norm.bias"), (std::vector<int64_t>{128}));
    EXPECT_EQ(s.size(), 17u);  // 2 encoder + 2 × 6 per layer + decoder + final norm (2)

    const auto n = shapes("paper-mqar-norm");
    EXPECT_EQ(n.at("layers.0.attention.Wvqkn.weight"), (std::vector<int64_t>{385, 128}));
    EXPECT_EQ(n.at("layers.0.attention.inner_attn.offset"), (std::vector<int64_t>{1}));
    EXPECT_EQ(n.at("layers.0.attention.conv1d.weight"), (std::vector<int64_t>{384, 1, 4}));
    EXPECT_EQ(n.count("encoder.position_embeddings.weight"), 0u);
}

TEST(Presets, MambaKeysFollowTheReference) {
    const auto s = shapes("paper-mqar-mamba2");
    EXPECT_EQ(s.at("blocks.0.mamba.in_proj.weight"), (std::vector<int64_t>{385, 128}));
    EXPECT_EQ(s.at("blocks.0.mamba.conv1d.weight"), (std::vector<int64_t>{384, 1, 4}));
    EXPECT_EQ(s.at("blocks.0.mamba.dt_bias"), (std::vector<int64_t>{1}));
    EXPECT_EQ(s.at("blocks.0.mamba.A_log"), (std::vector<int64_t>{1}));
    EXPECT_EQ(s.at("blocks.1.mamba.out_proj.weight"), (std::vector<int64_t>{128, 128}));
    EXPECT_EQ(s.at("blocks.1.glu.linear.weight"), (std::vector<int64_t>{256, 128}));
    EXPECT_EQ(s.at("decoder.bias"), (std::vector<int64_t>{8192}));
    EXPECT_EQ(s.count("norm.weight"), 0u);  // no final norm in the reference Mamba model
    const auto lti = shapes("mamba2_lti");
    EXPECT_EQ(lti.at("blocks.0.mamba.in_proj.weight"), (std::vector<int64_t>{64 + 128 + 1, 64}));
    EXPECT_EQ(lti.at("blocks.0.mamba.beta"), (std::vector<int64_t>{1}));
    EXPECT_EQ(lti.at("blocks.0.mamba.A"), (std::vector<int64_t>{1}));
}

TEST(Presets, EveryPresetRunsForwardWithTraces) {
    torch::NoGradGuard noGrad;
    for (const auto& preset : listPresets()) {
        const ModelSpec spec = presetSpec(preset.name);
        auto model = buildModel(spec);
        const int64_t T = std::min<int64_t>(spec.seqLen, 24);
        torch::manual_seed(5);
        const auto tokens = torch::randint(spec.vocabSize, {2, T}, torch::kLong);
        std::vector<dsf::TransitionTrace> traces;
        const auto logits = model->forwardWithTraces(tokens, traces);
        EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, T, outputWidth(spec)})) << preset.name;
        EXPECT_TRUE(torch::isfinite(logits).all().item<bool>()) << preset.name;
        EXPECT_LE(testing::relativeError(model->forward(tokens), logits), 0.0) << preset.name;
        ASSERT_EQ(traces.size(), spec.blocks.size()) << preset.name;
        for (const auto& trace : traces) {
            EXPECT_EQ(trace.eig.size(0), 2) << preset.name;
            EXPECT_EQ(trace.eig.size(1), trace.timeInvariant ? 1 : T - trace.firstStep) << preset.name;
            EXPECT_EQ(int64_t(trace.multiplicity.size()), trace.eig.size(3)) << preset.name;
            EXPECT_TRUE(torch::isfinite(torch::view_as_real(trace.eig)).all().item<bool>()) << preset.name;
        }
    }
}

TEST(Presets, InputsOutsideTheModelAreClearErrors) {
    auto model = buildModel(presetSpec("cpu-paper-mqar-softmax"));
    EXPECT_THROW(model->forward(torch::full({1, 4}, 256, torch::kLong)), Error);        // token outside the vocabulary
    EXPECT_THROW(model->forward(torch::zeros({1, 129}, torch::kLong)), Error);          // more steps than positions
    EXPECT_THROW(model->forward(torch::zeros({1, 4, 64}, torch::kFloat32)), Error);     // floats for a token model
}

}  // namespace
}  // namespace eigenscope
