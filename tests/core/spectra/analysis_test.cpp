// The analysis engine end to end: paper-mode deviations on hand-checked fixtures, NPZ output read back,
// clear errors for bad inputs, cancellation.
#include "eigenscope/analysis.h"
#include "eigenscope/analysis_export.h"
#include "eigenscope/presets.h"
#include "io/npy.h"
#include "mixers/registry.h"
#include "mixers/softmax_attention.h"
#include "model/model_handle.h"
#include "tasks/mqar.h"
#include "test_util.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace eigenscope {
namespace {

using testing::errorOf;

std::string tempPath(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("eigenscope_test_" + std::to_string(::getpid()) + "_" + name)).string();
}


// q = k = v = u for a one-head softmax attention of width 2.
std::shared_ptr<MixerImpl> identitySoftmax() {
    ModelSpec spec;
    spec.dModel = 2;
    auto mixer = makeMixer(spec, {"softmax_attention", {{"num_heads", 1}}});
    mixer->to(torch::kFloat64);
    torch::NoGradGuard noGrad;
    auto params = mixer->named_parameters();
    params["Wqkv.weight"].copy_(torch::cat({torch::eye(2), torch::eye(2), torch::eye(2)}, 0));
    params["Wqkv.bias"].zero_();
    return mixer;
}

const torch::Tensor kFixture = torch::tensor({1.0, 0.0, 0.0, 1.0, 1.0, 1.0}, torch::kFloat64).view({1, 3, 2});

TEST(PaperMode, SoftmaxZeroMaskedUnscaledScores) {
    // Scores q_t·k_j: row 0 (1 | 0 0), row 1 (0 1 | 0), row 2 (1 1 2), the entries after "|" zero-masked.
    // ν_0 = e^0 + 1 + 1 = 3, m_0 = 1; ν_1 = e^{-1} + e^0 + 1, m_1 = 1; ν_2 = 2e^{-1} + 1, m_2 = 2.
    // λ_t = ν_{t-1}/ν_t · exp(m_{t-1} − m_t).
    const double e = std::exp(-1.0);
    const double lambda1 = 3.0 / (2.0 + e), lambda2 = (2.0 + e) / (1.0 + 2.0 * e) * e;
    const auto trace = identitySoftmax()->paperTrace(kFixture);
    EXPECT_NEAR(torch::real(trace.eig)[0][0][0][0].item<double>(), lambda1, 1e-14);
    EXPECT_NEAR(torch::real(trace.eig)[0][1][0][0].item<double>(), lambda2, 1e-14);
}

TEST(PaperMode, HuggingFaceAttentionReadsItsOwnQueriesAndKeysAsTheReferenceDoes) {
    // gqa_attention without rotation, q/k = x: the same hand-computed λ_t as the reference layout; with the 1/√D
    // scale of its forward pass left out, and the scale back in corrected mode.
    ModelSpec spec;
    spec.dModel = 2;
    auto mixer = makeMixer(spec, {"gqa_attention", {{"num_heads", 1}, {"rope_theta", 0.0}}});
    mixer->to(torch::kFloat64);
    {
        torch::NoGradGuard noGrad;
        for (auto& p : mixer->named_parameters()) p.value().copy_(torch::eye(2, torch::kFloat64));
    }
    const double e = std::exp(-1.0);
    const auto paper = torch::real(mixer->paperTrace(kFixture).eig);
    EXPECT_NEAR(paper[0][0][0][0].item<double>(), 3.0 / (2.0 + e), 1e-14);
    EXPECT_NEAR(paper[0][1][0][0].item<double>(), (2.0 + e) / (1.0 + 2.0 * e) * e, 1e-14);
    dsf::TransitionTrace trace;
    mixer->forwardWithTrace(kFixture, trace);
    const double c = 1.0 / std::sqrt(2.0);
    EXPECT_NEAR(torch::real(trace.eig)[0][0][0][0].item<double>(), std::exp(c) / (1.0 + std::exp(c)), 1e-14);
}

TEST(PaperMode, CorrectedModeHasTheScaleAndExcludesTheFuture) {
    // η_t = Σ_{j≤t} exp(q_t·k_j/√2): η_0 = e^c, η_1 = 1 + e^c, η_2 = 2e^c + e^{2c}, c = 1/√2.
    const double c = 1.0 / std::sqrt(2.0);
    const double eta0 = std::exp(c), eta1 = 1.0 + std::exp(c), eta2 = 2.0 * std::exp(c) + std::exp(2.0 * c);
    dsf::TransitionTrace trace;
    identitySoftmax()->forwardWithTrace(kFixture, trace);
    EXPECT_NEAR(torch::real(trace.eig)[0][0][0][0].item<double>(), eta0 / eta1, 1e-14);
    EXPECT_NEAR(torch::real(trace.eig)[0][1][0][0].item<double>(), eta1 / eta2, 1e-14);
}

ModelSpec tinyNormAttentionModel() {
    return specFromJsonText(R"({"name": "tiny", "style": "paper_transformer", "d_model": 4, "vocab_size": 8,
        "seq_len": 6, "dropout": 0.0, "num_layers": 1,
        "mixer": {"type": "norm_attention", "options": {"num_heads": 2, "conv_kernel": 2}}})", "test");
}

TEST(PaperMode, EigenvaluesComeFromTheLayerOutputWithoutNormOrConv) {
    const Model model = Model::fromSpec(tinyNormAttentionModel());
    InputSpec input;
    input.kind = "task";
    input.task = "mqar";
    input.params = {{"kv_pairs", "1"}};
    input.batch = 2;
    AnalysisOptions options;
    options.mode = "paper";
    options.float64 = true;
    const auto paper = analyze(model, input, options);
    options.mode = "corrected";
    const auto corrected = analyze(model, input, options);

    // Direct: g = exp(−softplus(n + offset)) with n the last H columns of Wvqkn applied to the block output.
    torch::NoGradGuard noGrad;
    auto& module = model.impl->module;
    module->to(torch::kFloat64);  // analyze() left the model in float32, as it found it
    const auto tokens = tasks::sampleMqar(tasks::mqarConfig(input.params, 6, 8), 2, 0).inputs;
    const auto out = module->blocks()[0]->forward(module->encode(tokens));
    auto params = module->named_parameters();
    const auto n = torch::matmul(out, params["layers.0.attention.Wvqkn.weight"].t()) +
                   params["layers.0.attention.Wvqkn.bias"];
    const auto nu = torch::softplus(n.narrow(2, n.size(2) - 2, 2) + params["layers.0.attention.inner_attn.offset"]);
    const auto expected = (nu.narrow(1, 0, 5) - nu.narrow(1, 1, 5)).exp();  // g_t/g_{t-1}, (B, T-1, H)
    const auto& layer = paper.layers[0];
    ASSERT_EQ(layer.steps, 5);
    double worst = 0, difference = 0;
    for (int64_t b = 0; b < 2; ++b)
        for (int64_t t = 0; t < 5; ++t)
            for (int64_t h = 0; h < 2; ++h) {
                const size_t i = size_t((b * 5 + t) * 2 + h);
                worst = std::max(worst, std::abs(layer.eig[i].real() - expected[b][t][h].item<double>()));
                difference = std::max(difference, std::abs(layer.eig[i] - corrected.layers[0].eig[i]));
            }
    EXPECT_LE(worst, 1e-12);
    EXPECT_GT(difference, 1e-6) << "paper and corrected modes should differ on this model";
}

TEST(Analysis, NpzOutputReadsBack) {
    const Model model = Model::open("preset:cpu-paper-mqar-mamba2");
    InputSpec input = parseInputSpec("task:mqar:seq_len=16,kv_pairs=2,vocab=64");
    input.batch = 3;
    input.seqLen = 16;
    AnalysisOptions options;
    options.impulseSources = {0, 5};
    const auto result = analyze(model, input, options);
    const std::string path = tempPath("out.npz");
    writeAnalysisNpz(path, result, &result);

    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
    ASSERT_NE(archive, nullptr);
    const auto readArray = [&](const std::string& name) {
        zip_stat_t stat;
        EXPECT_EQ(zip_stat(archive, (name + ".npy").c_str(), 0, &stat), 0) << name;
        std::string bytes(stat.size, '\0');
        zip_file_t* file = zip_fopen(archive, (name + ".npy").c_str(), 0);
        EXPECT_EQ(zip_fread(file, bytes.data(), stat.size), zip_int64_t(stat.size));
        zip_fclose(file);
        return io::parseNpy(bytes, name);
    };
    const auto eig = readArray("layer1_eig");
    EXPECT_EQ(eig.scalar_type(), torch::kComplexDouble);
    EXPECT_EQ(eig.sizes(), (std::vector<int64_t>{3, 16, 1, 1}));
    EXPECT_EQ(eig[2][7][0][0].item<c10::complex<double>>().real(), result.layers[1].eig[2 * 16 + 7].real());
    EXPECT_EQ(readArray("layer0_mult")[0].item<int64_t>(), 64 * 64);
    EXPECT_EQ(readArray("layer0_bins_mean").sizes(), (std::vector<int64_t>{1, 7}));
    EXPECT_NEAR(readArray("layer0_bins_mean").sum().item<double>(), 100.0, 1e-9);
    EXPECT_EQ(readArray("layer0_decay").sizes(), (std::vector<int64_t>{1, 16}));
    EXPECT_EQ(readArray("layer0_horizon").scalar_type(), torch::kLong);
    EXPECT_EQ(readArray("layer0_impulse").sizes(), (std::vector<int64_t>{1, 2, 16}));
    EXPECT_TRUE(std::isinf(readArray("bin_edges")[7].item<double>()));
    EXPECT_EQ(readArray("init_layer1_eig").sizes(), eig.sizes());
    EXPECT_EQ(readArray("task_gaps").size(0), 3 * 2);
    zip_close(archive);
    std::filesystem::remove(path);
}

// Every field of a result, compared exactly (NaN equals NaN).
void expectSameResult(const AnalysisResult& a, const AnalysisResult& b) {
    const auto same = [](const std::vector<double>& x, const std::vector<double>& y) {
        if (x.size() != y.size()) return false;
        for (size_t i = 0; i < x.size(); ++i)
            if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
        return true;
    };
    EXPECT_EQ(a.model, b.model);
    EXPECT_EQ(a.input, b.input);
    EXPECT_EQ(a.mode, b.mode);
    EXPECT_EQ(a.batch, b.batch);
    EXPECT_EQ(a.seqLen, b.seqLen);
    EXPECT_EQ(a.maxLag, b.maxLag);
    EXPECT_EQ(a.binEdges, b.binEdges);
    EXPECT_EQ(a.phaseEdges, b.phaseEdges);
    EXPECT_EQ(a.impulseSources, b.impulseSources);
    EXPECT_EQ(a.taskGaps, b.taskGaps);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_TRUE(same(a.influence, b.influence));
    EXPECT_TRUE(same({a.modelAlignment}, {b.modelAlignment}));
    ASSERT_EQ(a.layers.size(), b.layers.size());
    for (size_t l = 0; l < a.layers.size(); ++l) {
        const auto &x = a.layers[l], &y = b.layers[l];
        EXPECT_EQ(x.mixer, y.mixer);
        EXPECT_EQ(std::vector<int64_t>({x.batch, x.steps, x.heads, x.modes, x.firstStep}),
                  std::vector<int64_t>({y.batch, y.steps, y.heads, y.modes, y.firstStep}));
        EXPECT_EQ(x.timeInvariant, y.timeInvariant);
        EXPECT_EQ(x.eig, y.eig);
        EXPECT_EQ(x.multiplicity, y.multiplicity);
        for (const auto& [u, v] : {std::pair{&x.bins, &y.bins}, {&x.binsMean, &y.binsMean}, {&x.binsStd, &y.binsStd},
                                   {&x.phaseBinsMean, &y.phaseBinsMean}, {&x.phaseBinsStd, &y.phaseBinsStd},
                                   {&x.decay, &y.decay}, {&x.impulse, &y.impulse}, {&x.impulseMap, &y.impulseMap}})
            EXPECT_TRUE(same(*u, *v)) << "layer " << l;
        ASSERT_EQ(x.metrics.size(), y.metrics.size());
        for (size_t h = 0; h < x.metrics.size(); ++h) {
            const auto &m = x.metrics[h], &n = y.metrics[h];
            EXPECT_TRUE(same({m.spectralRadius, m.meanAbs, m.medianAbs, m.nearCircleFraction, m.medianTau, m.alignment},
                             {n.spectralRadius, n.meanAbs, n.medianAbs, n.nearCircleFraction, n.medianTau, n.alignment}));
            EXPECT_EQ(m.horizon, n.horizon);
        }
        EXPECT_TRUE(same({x.alignment}, {y.alignment}));
    }
}

TEST(Analysis, NpzReopensAsTheSameResult) {
    for (const std::string preset : {"cpu-paper-mqar-softmax", "cpu-paper-mqar-s4", "cpu-rglru"}) {
        const Model model = Model::open("preset:" + preset);
        InputSpec input = parseInputSpec("task:mqar:seq_len=16,kv_pairs=2,vocab=64");
        input.batch = 2;
        AnalysisOptions options;
        options.impulseSources = {0, 5};
        options.impulseMap = true;
        options.influence = true;
        options.influenceProbes = 2;
        options.phaseEdges = {0, 10, 90, 180};
        const auto result = analyze(model, input, options);
        options.mode = "paper";
        const auto init = analyze(model.freshlyInitialized(), input, options);
        const std::string path = tempPath(preset + ".npz");
        writeAnalysisNpz(path, result, &init);
        AnalysisResult reopenedInit;
        const auto reopened = readAnalysisNpz(path, &reopenedInit);
        expectSameResult(reopened, result);
        expectSameResult(reopenedInit, init);
        std::filesystem::remove(path);
    }
    EXPECT_NE(errorOf([] { readAnalysisNpz(tempPath("missing.npz")); }).find("missing.npz"), std::string::npos);
}

std::string writeNpy(const std::string& name, const io::NpyArray& array) {
    const std::string path = tempPath(name);
    std::ofstream(path, std::ios::binary) << array.bytes;
    return path;
}

TEST(Analysis, LeavesTheModelAsItWas) {
    // The trainer's live model in training mode: analysing it in float64 must not change device, dtype, mode or
    // the tensors themselves, also when the analysis fails.
    const Model model = Model::open("preset:cpu-paper-mqar-norm");
    auto& module = model.impl->module;
    module->train();
    std::vector<torch::Tensor> before;
    for (const auto& p : module->parameters()) before.push_back(p.clone());
    const void* firstData = module->parameters().front().data_ptr();
    InputSpec input = parseInputSpec("task:mqar");
    input.batch = 2;
    input.seqLen = 32;
    AnalysisOptions options;
    options.float64 = true;
    analyze(model, input, options);
    EXPECT_TRUE(module->is_training());
    for (const auto& m : module->modules()) EXPECT_TRUE(m->is_training()) << m->name();
    const auto after = module->parameters();
    ASSERT_EQ(after.size(), before.size());
    for (size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].scalar_type(), torch::kFloat32);
        EXPECT_TRUE(torch::equal(after[i], before[i]));
    }
    EXPECT_EQ(module->parameters().front().data_ptr(), firstData) << "the same storage, not a copy";
    options.impulseSources = {input.seqLen};  // past the input: the analysis throws once the model has moved
    EXPECT_NE(errorOf([&] { analyze(model, input, options); }).find("impulse source"), std::string::npos);
    EXPECT_TRUE(module->is_training());
    EXPECT_EQ(module->parameters().front().scalar_type(), torch::kFloat32);
}

TEST(Analysis, AnInputLongerThanThePositionTableIsRefusedBeforeItIsBuilt) {
    const Model model = Model::open("preset:cpu-paper-mqar-softmax");
    InputSpec input = parseInputSpec("task:mqar");
    input.seqLen = 1 << 20;
    const auto error = errorOf([&] { analyze(model, input, AnalysisOptions()); });
    EXPECT_NE(error.find("exceeds the 128 learned positions"), std::string::npos) << error;
}

TEST(Analysis, ALayerAndHeadSelectionIsTheSameNumbersAsTheWholeResult) {
    const Model model = Model::open("preset:cpu-gla");
    InputSpec input = parseInputSpec("task:mqar");
    input.batch = 2;
    input.seqLen = 32;
    AnalysisOptions options;
    options.impulseSources = {0, 4};
    const auto whole = analyze(model, input, options);
    ASSERT_EQ(whole.layers.size(), 2u);
    ASSERT_GE(whole.layers[1].heads, 2);
    options.layers = {1};
    options.heads = {1};
    const auto picked = analyze(model, input, options);
    ASSERT_EQ(picked.layers.size(), 1u);
    const auto& layer = picked.layers[0];
    const auto& full = whole.layers[1];
    EXPECT_EQ(layer.index, 1);
    EXPECT_EQ(layer.heads, 1);
    EXPECT_EQ(headNumber(layer, 0), 1);
    const size_t nbins = whole.binEdges.size() - 1, lags = size_t(whole.maxLag + 1);
    for (size_t i = 0; i < nbins; ++i) EXPECT_DOUBLE_EQ(layer.binsMean[i], full.binsMean[nbins + i]) << "bin " << i;
    EXPECT_DOUBLE_EQ(layer.metrics[0].spectralRadius, full.metrics[1].spectralRadius);
    for (size_t k = 0; k < lags; ++k) EXPECT_DOUBLE_EQ(layer.decay[k], full.decay[lags + k]);
    ASSERT_EQ(layer.impulse.size() * size_t(full.heads), full.impulse.size());
    for (size_t i = 0; i < layer.impulse.size(); ++i) {  // NaN past the end of the input, in both
        const double a = layer.impulse[i], b = full.impulse[layer.impulse.size() + i];
        EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << i << ": " << a << " vs " << b;
    }

    const auto npz = tempPath("selection.npz");
    writeAnalysisNpz(npz, picked);
    const auto back = readAnalysisNpz(npz);
    ASSERT_EQ(back.layers.size(), 1u);
    EXPECT_EQ(back.layers[0].index, 1);
    EXPECT_EQ(back.layers[0].headIndex, std::vector<int64_t>{1});
    EXPECT_EQ(analysisJson(picked)["layers"][0]["layer"], 1);

    options.layers = {2};
    EXPECT_NE(errorOf([&] { analyze(model, input, options); }).find("layers: 2 is outside the model's 2 layers"),
              std::string::npos);
    options.layers = {};
    options.heads = {99};
    EXPECT_NE(errorOf([&] { analyze(model, input, options); }).find("heads: 99 is outside the"), std::string::npos);
}

TEST(Analysis, BadInputsAreClearErrors) {
    const Model model = Model::open("preset:cpu-paper-mqar-softmax");
    AnalysisOptions options;
    const auto run = [&](const std::string& input) { return errorOf([&] { analyze(model, parseInputSpec(input), options); }); };
    const auto floats = writeNpy("floats.npy", io::npyArray("x", std::vector<double>(8, 1.0), {2, 4}));
    EXPECT_NE(run("tokens:" + floats).find("token ids must be integers"), std::string::npos);
    const auto rank3 = writeNpy("rank3.npy", io::npyArray("x", std::vector<int64_t>(8, 1), {2, 4, 1}));
    EXPECT_NE(run("tokens:" + rank3).find("shape (B, T)"), std::string::npos);
    const auto empty = writeNpy("empty.npy", io::npyArray("x", std::vector<int64_t>{}, {2, 0}));
    EXPECT_NE(run("tokens:" + empty).find("empty"), std::string::npos);
    std::vector<double> nan(2 * 4 * 64, 0.5);
    nan[17] = NAN;
    const auto nanFile = writeNpy("nan.npy", io::npyArray("x", nan, {2, 4, 64}));
    EXPECT_NE(run("embed:" + nanFile).find("NaN"), std::string::npos);
    const auto wrongWidth = writeNpy("wide.npy", io::npyArray("x", std::vector<double>(2 * 4 * 3, 0.5), {2, 4, 3}));
    EXPECT_NE(run("embed:" + wrongWidth).find("(B, T, 64)"), std::string::npos);
    const auto tooLarge = writeNpy("large.npy", io::npyArray("x", std::vector<int64_t>(8, 300), {2, 4}));
    EXPECT_NE(run("tokens:" + tooLarge).find("outside the vocabulary"), std::string::npos);
    EXPECT_NE(run("tokens:/nonexistent.npy").find("/nonexistent.npy: cannot open"), std::string::npos);
    EXPECT_NE(run("task:copying").find("unknown task"), std::string::npos);
    EXPECT_NE(run("task:mqar:kv_pairs=100").find("kv_pairs"), std::string::npos);
    std::ofstream(tempPath("garbage.npy"), std::ios::binary) << "not numpy";
    EXPECT_NE(run("tokens:" + tempPath("garbage.npy")).find("bad magic"), std::string::npos);
    for (const auto& f : {floats, rank3, empty, nanFile, wrongWidth, tooLarge, tempPath("garbage.npy")})
        std::filesystem::remove(f);
}

TEST(Analysis, ImpulseMapIsIndexedByStepThenSourceAndMatchesTheCurves) {
    for (const std::string preset : {"cpu-paper-mqar-softmax", "cpu-paper-mqar-mamba2", "cpu-paper-mqar-lru"}) {
        const Model model = Model::open("preset:" + preset);
        InputSpec input = parseInputSpec("task:mqar");
        input.batch = 1;  // the curves are a batch mean, the map is sample 0
        input.seqLen = 24;
        AnalysisOptions options;
        options.impulseSources = {0, 5};
        options.impulseMap = true;
        const auto result = analyze(model, input, options);
        const int64_t T = result.seqLen, K = result.maxLag + 1;
        for (const auto& layer : result.layers) {
            ASSERT_EQ(layer.impulseMap.size(), size_t(layer.heads * T * T)) << preset;
            for (int64_t h = 0; h < layer.heads; ++h) {
                const auto map = [&](int64_t t, int64_t s) { return layer.impulseMap[size_t((h * T + t) * T + s)]; };
                EXPECT_EQ(map(3, 7), 0.0) << preset << ": s > t is not causal";
                for (size_t i = 0; i < 2; ++i) {
                    const int64_t s = options.impulseSources[i];
                    for (int64_t k = 0; s + k < T; ++k) {
                        const double curve = layer.impulse[size_t((h * 2 + int64_t(i)) * K + k)];
                        EXPECT_NEAR(map(s + k, s), curve, 1e-6 * (1 + curve)) << preset << " h=" << h << " s=" << s << " k=" << k;
                    }
                }
            }
        }
    }
}

TEST(Analysis, TextInputRunsItsBytesAsOneSample) {
    const Model model = Model::open("preset:cpu-paper-mqar-mamba2");
    InputSpec input = parseInputSpec("text:key a, value b; key a?");
    input.batch = 8;  // ignored: typed text is one sample
    const auto result = analyze(model, input, AnalysisOptions{});
    EXPECT_EQ(result.batch, 1);
    EXPECT_EQ(result.seqLen, 22);
    EXPECT_EQ(result.input, "text:key a, value b; key a?");
    ASSERT_EQ(result.tokens.size(), 22u) << "the tokens travel with the result";
    EXPECT_EQ(result.tokens[4], "a");
    EXPECT_EQ(analyze(model, parseInputSpec("text:é"), AnalysisOptions{}).tokens,
              (std::vector<std::string>{"<0xC3>", "<0xA9>"}))
        << "bytes of a multi-byte character are named, so the JSON stays UTF-8";
    ModelSpec small = presetSpec("cpu-paper-mqar-mamba2");
    small.vocabSize = 64;
    const auto error = errorOf([&] { analyze(Model::fromSpec(small), parseInputSpec("text:ab"), AnalysisOptions{}); });
    EXPECT_NE(error.find("token 97 (\"a\") at step 0 is outside the model's vocabulary of 64"), std::string::npos) << error;
    EXPECT_NE(errorOf([] { parseInputSpec("text:"); }).find("expected text:"), std::string::npos);
}

TEST(Analysis, CancellationStopsAndReportsProgress) {
    const Model model = Model::open("preset:cpu-paper-mqar-norm");
    std::atomic<bool> cancel{false};
    std::vector<double> fractions;
    AnalysisOptions options;
    options.progress = [&](double fraction, const std::string&) {
        fractions.push_back(fraction);
        if (fraction >= 0.5) cancel = true;
    };
    options.cancel = &cancel;
    InputSpec input;
    input.batch = 2;
    EXPECT_THROW(analyze(model, input, options), Cancelled);
    EXPECT_EQ(fractions, (std::vector<double>{0.0, 0.5}));
}

TEST(Analysis, EveryPresetInBothModes) {
    for (const auto& preset : listPresets()) {
        const Model model = Model::open("preset:" + preset.name);
        InputSpec input = parseInputSpec("task:mqar");
        input.batch = 2;
        input.seqLen = 32;
        for (const std::string mode : {"corrected", "paper"}) {
            AnalysisOptions options;
            options.mode = mode;
            const auto result = analyze(model, input, options);
            ASSERT_EQ(result.layers.size(), 2u) << preset.name;
            for (const auto& layer : result.layers) {
                for (int64_t h = 0; h < layer.heads; ++h) {
                    double total = 0;
                    for (size_t i = 0; i < 7; ++i) total += layer.binsMean[size_t(h) * 7 + i];
                    if (mode == "corrected") EXPECT_NEAR(total, 100.0, 1e-9) << preset.name;
                    else EXPECT_GE(total, 100.0 - 1e-9) << preset.name;  // closed bins may count twice
                }
                EXPECT_FALSE(std::isnan(layer.alignment)) << preset.name;
            }
        }
    }
}

}  // namespace
}  // namespace eigenscope
