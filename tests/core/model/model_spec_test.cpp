// The JSON model spec: round trips, shorthand, and clear errors for bad specs.
#include "eigenscope/error.h"
#include "eigenscope/model_spec.h"
#include "eigenscope/presets.h"

#include "test_util.h"

#include <gtest/gtest.h>

namespace eigenscope {
namespace {

using testing::errorOf;

ModelSpec smallSpec() {
    return specFromJsonText(R"({"d_model": 16, "vocab_size": 32, "num_layers": 2,
                               "mixer": {"type": "mamba2", "options": {"d_state": 8, "headdim": 8}}})",
                            "test");
}

// The exported field schemas are what validation checks: every offered choice of a plain field passes through a
// JSON spec, and a value outside them is refused naming the field.
TEST(ModelSpec, FieldSchemasAreWhatValidationAccepts) {
    const auto check = [&](const std::vector<OptionSpec>& schema, bool block) {
        for (const auto& f : schema) {
            if (f.kind != OptionSpec::Kind::Choice || f.name == "style" || f.name == "encoder") continue;
            for (const auto& choice : f.choices) {
                auto json = specToJson(smallSpec());
                (block ? json["blocks"][0][f.name] : json[f.name]) = choice;
                EXPECT_EQ(errorOf([&] { validateSpec(specFromJson(json, "schema")); }), "") << f.name << " = " << choice;
            }
            auto json = specToJson(smallSpec());
            (block ? json["blocks"][0][f.name] : json[f.name]) = "bogus";
            EXPECT_NE(errorOf([&] { validateSpec(specFromJson(json, "schema")); }).find(f.name + ": \"bogus\" is not one of"),
                      std::string::npos)
                << f.name;
        }
    };
    check(modelFieldSchema(), false);
    check(blockFieldSchema(), true);
    for (const auto& f : modelFieldSchema()) EXPECT_TRUE(specToJson(smallSpec()).contains(f.name)) << f.name;
    for (const auto& f : blockFieldSchema()) EXPECT_TRUE(specToJson(smallSpec())["blocks"][0].contains(f.name)) << f.name;
}

TEST(ModelSpec, EveryPresetRoundTripsThroughJson) {
    for (const auto& preset : listPresets()) {
        const ModelSpec spec = presetSpec(preset.name);
        const auto json = specToJson(spec);
        const ModelSpec again = specFromJsonText(json.dump(), "round trip");
        EXPECT_EQ(specToJson(again), json) << preset.name;
    }
}

TEST(ModelSpec, ShorthandExpandsToIdenticalBlocks) {
    const ModelSpec spec = smallSpec();
    ASSERT_EQ(spec.blocks.size(), 2u);
    EXPECT_EQ(spec.blocks[1].mixer.type, "mamba2");
    EXPECT_EQ(spec.blocks[1].mixer.options.at("d_state"), 8);
    EXPECT_NO_THROW(validateSpec(spec));
}

TEST(ModelSpec, UnknownMixerIsAClearError) {
    ModelSpec spec = smallSpec();
    spec.blocks[1].mixer.type = "transformerxl";
    const std::string message = errorOf([&] { validateSpec(spec); });
    EXPECT_NE(message.find("blocks[1].mixer.type"), std::string::npos) << message;
    EXPECT_NE(message.find("unknown mixer \"transformerxl\""), std::string::npos) << message;
}

// A block without a sequence mixer is its channel mixer alone: x + channel(norm(x)), and nothing else is allowed.
TEST(ModelSpec, ABlockWithoutAMixerIsItsChannelMixerAlone) {
    ModelSpec spec = smallSpec();
    spec.blocks[1].mixer = MixerSpec{kNoMixer, nlohmann::json::object()};
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("blocks[1].mixer.type: a block without a mixer needs a channel mixer"),
              std::string::npos);
    spec.blocks[1].channelMixer = "relu2";
    spec.blocks[1].channelMixerDim = 24;
    EXPECT_EQ(errorOf([&] { validateSpec(spec); }), "");
    EXPECT_EQ(specToJson(specFromJsonText(specToJson(spec).dump(), "round trip")), specToJson(spec));
    spec.blocks[1].outputGate = true;
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("output_gate"), std::string::npos);
    spec.blocks[1].outputGate = false;
    spec.blocks[1].mixer.options = {{"d_state", 8}};
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("blocks[1].mixer.options"), std::string::npos);
    spec.blocks[1].mixer.options = nlohmann::json::object();
    spec.style = "paper_mamba";
    spec.blocks[0].channelMixer = spec.blocks[1].channelMixer = "glu";
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("only the standard block may have no mixer"), std::string::npos);
}

TEST(ModelSpec, EmbeddingScaleAndLogitSoftCapAreCheckedAndRoundTrip) {
    ModelSpec spec = smallSpec();
    spec.embedScale = 4.90625;
    spec.logitSoftCap = 30.0;
    EXPECT_EQ(errorOf([&] { validateSpec(spec); }), "");
    const ModelSpec again = specFromJsonText(specToJson(spec).dump(), "round trip");
    EXPECT_DOUBLE_EQ(again.embedScale, 4.90625);
    EXPECT_DOUBLE_EQ(again.logitSoftCap, 30.0);
    spec.logitSoftCap = -1;
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("logit_soft_cap"), std::string::npos);
    spec.logitSoftCap = 0;
    spec.encoder = "onehot";
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("embed_scale: scales the \"tokens\" encoder's embeddings only"),
              std::string::npos);
}

TEST(ModelSpec, NegativeSizeIsAClearError) {
    ModelSpec spec = smallSpec();
    spec.dModel = -4;
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("d_model: -4 is outside"), std::string::npos);
    spec = smallSpec();
    spec.blocks[0].mixer.options["d_state"] = -1;
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("blocks[0].mixer.options.d_state"), std::string::npos);
}

TEST(ModelSpec, HeadsNotDividingWidthIsAClearError) {
    ModelSpec spec = smallSpec();
    spec.blocks[0].mixer = {"softmax_attention", {{"num_heads", 3}}};
    const std::string message = errorOf([&] { validateSpec(spec); });
    EXPECT_NE(message.find("num_heads: 3 does not divide d_model=16"), std::string::npos) << message;
    spec.blocks[0].mixer = {"mamba2", {{"headdim", 6}}};
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("does not divide d_inner=32"), std::string::npos);
}

TEST(ModelSpec, OptionTyposAndTypesAreClearErrors) {
    ModelSpec spec = smallSpec();
    spec.blocks[0].mixer.options["dstate"] = 4;
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("unknown option \"dstate\""), std::string::npos);
    spec = smallSpec();
    spec.blocks[0].mixer.options["gated_norm"] = "yes";
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("expected true or false"), std::string::npos);
    spec = smallSpec();
    spec.blocks[0].mixer = {"norm_attention", {{"norm_fn", "tanh"}}};
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("is not one of: exp, elu, softplus, sigmoid"), std::string::npos);
}

TEST(ModelSpec, BadJsonNamesTheOrigin) {
    EXPECT_NE(errorOf([] { specFromJsonText("{\"d_model\": ", "my_model.json"); }).find("my_model.json: not valid JSON"),
              std::string::npos);
    EXPECT_NE(errorOf([] { specFromJsonText("{\"d_modle\": 3}", "my_model.json"); }).find("unknown field \"d_modle\""),
              std::string::npos);
    EXPECT_NE(errorOf([] { specFromJsonText("{\"d_model\": \"wide\"}", "x.json"); }).find("wrong type"), std::string::npos);
    EXPECT_NE(errorOf([] { loadModelSpec("/nonexistent/model.json"); }).find("/nonexistent/model.json: cannot open"),
              std::string::npos);
    EXPECT_NE(errorOf([] { loadModelSpec("preset:nope"); }).find("no such preset"), std::string::npos);
}

TEST(ModelSpec, EmptyModelIsAnError) {
    ModelSpec spec = smallSpec();
    spec.blocks.clear();
    EXPECT_NE(errorOf([&] { validateSpec(spec); }).find("at least one block"), std::string::npos);
}

}  // namespace
}  // namespace eigenscope
