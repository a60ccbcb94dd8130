// Model files: safetensors, torch.save pickles, Hugging Face / mamba_ssm Mamba and the reference code's
// checkpoints, checked against outputs the fixture script computed with direct float64 implementations.
#include "eigenscope/analysis.h"
#include "eigenscope/model.h"
#include "eigenscope/presets.h"
#include "io/formats/hf_config.h"
#include "io/formats/native.h"
#include "io/npy.h"
#include "io/safetensors.h"
#include "io/torch_pickle.h"
#include "model/model_handle.h"
#include "model/model_tensors.h"
#include "test_util.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

namespace eigenscope {
namespace {

namespace fs = std::filesystem;
using testing::errorOf;
using testing::relativeError;

std::string fixture(const std::string& relative) { return std::string(EIGENSCOPE_FIXTURES) + "/" + relative; }

std::string scratch(const std::string& name) {
    const auto dir = fs::temp_directory_path() / ("eigenscope_io_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return (dir / name).string();
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

torch::Tensor logits(const Model& model, const torch::Tensor& tokens) {
    torch::NoGradGuard noGrad;
    model.impl->module->eval();
    return model.impl->module->forward(tokens);
}

// The model's logits on the fixture's tokens against the float64 reference (relative to the largest logit).
void expectMatchesReference(const Model& model, const std::string& name, double tolerance = 1e-5) {
    const auto tokens = io::readNpy(fixture("expected/" + name + "_tokens.npy"));
    const auto expected = io::readNpy(fixture("expected/" + name + "_logits.npy"));
    const auto got = logits(model, tokens).to(torch::kFloat64);
    ASSERT_EQ(got.sizes(), expected.sizes()) << name;
    EXPECT_LT(relativeError(got, expected), tolerance) << name;
}

std::map<std::string, torch::Tensor> readNpz(const std::string& path) {
    int error = 0;
    zip_t* zip = zip_open(path.c_str(), ZIP_RDONLY, &error);
    std::map<std::string, torch::Tensor> out;
    for (zip_int64_t i = 0; zip && i < zip_get_num_entries(zip, 0); ++i) {
        zip_stat_t stat;
        zip_stat_index(zip, zip_uint64_t(i), 0, &stat);
        std::string bytes(size_t(stat.size), '\0');
        zip_file_t* f = zip_fopen_index(zip, zip_uint64_t(i), 0);
        zip_fread(f, bytes.data(), stat.size);
        zip_fclose(f);
        std::string name = stat.name;
        out[name.substr(0, name.size() - 4)] = io::parseNpy(bytes, path);
    }
    if (zip) zip_discard(zip);
    return out;
}

TEST(Safetensors, RoundTripOfEveryStoredDtype) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors = {
        {"f32", torch::randn({3, 4})},
        {"f64", torch::randn({2, 2}, torch::kFloat64)},
        {"f16", torch::randn({5}).to(torch::kHalf)},
        {"bf16", torch::randn({2, 3}).to(torch::kBFloat16)},
        {"i64", torch::arange(-4, 4)},
        {"i32", torch::arange(0, 6, torch::kInt32).view({2, 3})},
        {"i16", torch::arange(0, 3, torch::kInt16)},
        {"i8", torch::arange(-2, 2, torch::kInt8)},
        {"u8", torch::arange(0, 200, 50, torch::kUInt8)},
        {"flag", torch::tensor({true, false})},
        {"scalar", torch::tensor(3.5f)},
        {"empty", torch::zeros({0, 3})},
        {"strided", torch::randn({4, 3}).t()}};
    const std::string bytes = io::serializeSafetensors(tensors, {{"note", "hello"}}, "mem");
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
    const auto header = io::parseSafetensors(data, bytes.size(), "mem");
    EXPECT_EQ(header.metadata.at("note"), "hello");
    EXPECT_EQ(header.dataOffset % 8, 0u);
    ASSERT_EQ(header.tensors.size(), tensors.size());
    for (const auto& [name, original] : tensors) {
        const auto entry = std::find_if(header.tensors.begin(), header.tensors.end(), [&](const auto& e) { return e.name == name; });
        ASSERT_NE(entry, header.tensors.end()) << name;
        const auto decoded = io::decodeTensor(data + header.dataOffset, *entry, "mem");
        EXPECT_EQ(decoded.sizes(), original.sizes()) << name;
        const bool widened = original.scalar_type() == torch::kHalf || original.scalar_type() == torch::kBFloat16;
        const auto expected = widened ? original.to(torch::kFloat) : original;
        EXPECT_TRUE(torch::equal(decoded, expected)) << name;  // F16, BF16 → float32 exactly as a cast does; F64 kept
    }
}

// Resident kB of this process's mapping of `path` (/proc/self/smaps), −1 when it is not mapped.
int64_t residentKiB(const std::string& path) {
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    int64_t total = -1;
    while (std::getline(smaps, line)) {
        if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') != std::string::npos)
            inside = line.size() >= path.size() && line.compare(line.size() - path.size(), path.size(), path) == 0;
        else if (inside && line.rfind("Rss:", 0) == 0)
            total = std::max<int64_t>(total, 0) + std::stoll(line.substr(4));
    }
    return total;
}

// Once copied into the model, a mapped tensor's pages leave resident memory; its values read back unchanged.
TEST(Safetensors, CopiedTensorsGiveTheirMappedPagesBack) {
    const std::string path = scratch("pages.safetensors");
    const auto original = torch::randn({1024, 1024});  // 4 MiB
    {
        std::ofstream out(path, std::ios::binary);
        out << io::serializeSafetensors({{"w", original}}, {}, path);
    }
    const auto file = io::SafetensorsFile::open(path);
    const auto view = file.tensor("w");
    EXPECT_TRUE(torch::equal(view, original));  // reads every page
    EXPECT_GT(residentKiB(path), 4000);
    io::releaseMappedPages(view);
    EXPECT_LT(residentKiB(path), 64);
    EXPECT_TRUE(torch::equal(view, original)) << "the pages come back from the file";
    const auto heap = original.clone();
    io::releaseMappedPages(heap);  // not a mapping: untouched
    EXPECT_TRUE(torch::equal(heap, original));
}

TEST(Safetensors, UnsignedAndFloat8TypesDecode) {
    // U16 65535, U32 4e9, F8_E5M2 0x3C (1.0), F8_E4M3 0x38 (1.0), 0xB8 (−1.0), 0x7F (NaN)
    const std::string header = R"({"a":{"dtype":"U16","shape":[1],"data_offsets":[0,2]},)"
                               R"("b":{"dtype":"U32","shape":[1],"data_offsets":[2,6]},)"
                               R"("c":{"dtype":"F8_E5M2","shape":[1],"data_offsets":[6,7]},)"
                               R"("d":{"dtype":"F8_E4M3","shape":[3],"data_offsets":[7,10]}})";
    std::string file(8, '\0');
    file[0] = char(header.size());
    file += header;
    const uint32_t big = 4000000000u;
    file += std::string("\xff\xff", 2) + std::string(reinterpret_cast<const char*>(&big), 4) + "\x3c\x38\xb8\x7f";
    const auto* data = reinterpret_cast<const uint8_t*>(file.data());
    const auto h = io::parseSafetensors(data, file.size(), "mem");
    const auto get = [&](const std::string& n) {
        for (const auto& e : h.tensors)
            if (e.name == n) return io::decodeTensor(data + h.dataOffset, e, "mem");
        return torch::Tensor();
    };
    EXPECT_EQ(get("a").item<int64_t>(), 65535);
    EXPECT_EQ(get("b").item<int64_t>(), 4000000000ll);
    EXPECT_EQ(get("c").item<float>(), 1.0f);
    const auto d = get("d");
    EXPECT_EQ(d[0].item<float>(), 1.0f);
    EXPECT_EQ(d[1].item<float>(), -1.0f);
    EXPECT_TRUE(std::isnan(d[2].item<float>()));
}

TEST(NativeFile, SaveThenOpenGivesTheSameOutputsBitForBit) {
    for (const std::string preset : {"cpu-paper-mqar-softmax", "cpu-paper-mqar-mamba2", "cpu-paper-mqar-s4",
                                     "cpu-paper-mqar-norm", "cpu-paper-mqar-lru", "s6", "cpu-deltanet"}) {
        const Model model = Model::open("preset:" + preset);
        const std::string path = scratch(preset + ".safetensors");
        model.save(path);
        const Model reopened = Model::open(path);
        EXPECT_EQ(specToJson(reopened.spec()), specToJson(model.spec())) << preset;
        EXPECT_EQ(reopened.source().format, "eigenscope native (safetensors)");
        const auto tokens = torch::randint(0, model.spec().vocabSize, {2, 24});
        EXPECT_TRUE(torch::equal(logits(reopened, tokens), logits(model, tokens))) << preset;
        fs::remove(path);
    }
}

// Detection reads each format's whole signature: a native file whose header length starts with the byte 0x80 (a
// pickle's PROTO opcode) is still safetensors. Our writer pads the header to 8 bytes, so saving reaches the 32
// multiples of 8 as its first byte; files written without padding (other tools may) cover all 256 values.
TEST(ModelFormats, NativeFilesReopenWhateverTheFirstByteOfTheirHeaderLength) {
    ModelSpec spec = presetSpec("cpu-paper-mqar-s4");
    spec.dModel = 16;
    spec.blocks[0].mixer.options["d_state"] = 10;
    const auto headerLength = [](const std::string& bytes) { return uint8_t(bytes[0]) | (uint64_t(uint8_t(bytes[1])) << 8); };
    std::set<int> reached;
    for (int nameLength = 0; nameLength < 300 && reached.size() < 32; ++nameLength) {
        spec.name = std::string(size_t(nameLength), 'n');
        const Model model = Model::fromSpec(spec);
        const std::string path = scratch("first-byte.safetensors");
        model.save(path);
        const std::string bytes = readFile(path);
        if (!reached.insert(int(headerLength(bytes) & 0xFF)).second) continue;
        const Model reopened = Model::open(path);
        EXPECT_EQ(reopened.source().format, "eigenscope native (safetensors)") << "header length " << headerLength(bytes);
        const auto tokens = torch::randint(0, spec.vocabSize, {1, 12});
        EXPECT_TRUE(torch::equal(logits(reopened, tokens), logits(model, tokens)));
    }
    EXPECT_EQ(reached.size(), 32u);
    EXPECT_TRUE(reached.count(0x80));

    spec.name.clear();
    const std::string padded = scratch("padded.safetensors");
    Model::fromSpec(spec).save(padded);
    const std::string bytes = readFile(padded);
    const uint64_t length = headerLength(bytes);
    const std::string header = bytes.substr(8, length), data = bytes.substr(8 + length);
    const std::string trimmed = header.substr(0, header.find_last_not_of(' ') + 1);
    for (int firstByte = 0; firstByte < 256; ++firstByte) {
        const size_t spaces = size_t((firstByte - int(trimmed.size() % 256) + 256) % 256);
        const std::string text = trimmed + std::string(spaces, ' ');
        std::string file(8, '\0');
        for (int i = 0; i < 8; ++i) file[size_t(i)] = char((uint64_t(text.size()) >> (8 * i)) & 0xFF);
        ASSERT_EQ(uint8_t(file[0]), firstByte);
        const std::string path = scratch("unpadded.safetensors");
        std::ofstream(path, std::ios::binary) << file + text + data;
        EXPECT_EQ(detectModelFormat(path), "eigenscope native (safetensors)") << "first byte " << firstByte;
    }
}

TEST(ModelFormats, EveryFormatIsListedAndStateDictsAskForTheirConfig) {
    const auto formats = listModelFormats();
    std::set<std::string> names;
    for (const auto& f : formats) names.insert(f.name);
    for (const char* name : {"preset", "model spec (JSON)", "eigenscope native (safetensors)", "Hugging Face / mamba_ssm",
                             "reference-code checkpoint + YAML config", "legacy torch.save (refused)"})
        EXPECT_TRUE(names.count(name)) << name;
    EXPECT_TRUE(modelNeedsConfig(fixture("paper_mamba2/checkpoint.pth")));
    EXPECT_FALSE(modelNeedsConfig(fixture("mamba2_hf/model.safetensors"))) << "config.json lies beside it";
    EXPECT_FALSE(modelNeedsConfig(fixture("mamba2_hf")));
    EXPECT_EQ(detectModelFormat(fixture("paper_mamba2/checkpoint.pth"), fixture("paper_mamba2/config.yaml")),
              "reference-code checkpoint + YAML config");
    EXPECT_EQ(detectModelFormat(fixture("mamba2_sharded/model.safetensors.index.json")), "Hugging Face / mamba_ssm");
    EXPECT_EQ(detectModelFormat(fixture("mamba2_hf/config.json")), "Hugging Face / mamba_ssm");
    EXPECT_EQ(detectModelFormat("preset:s6"), "preset");
}

TEST(NativeFile, SavingIsAtomicAndKeepsTheOldFileOnFailure) {
    const std::string path = scratch("keep.safetensors");
    Model::open("preset:cpu-paper-mqar-linear").save(path);
    const auto before = fs::file_size(path);
    EXPECT_NE(errorOf([&] { Model::open("preset:cpu-paper-mqar-linear").save(scratch("no/such/dir/x.safetensors")); }), "");
    EXPECT_EQ(fs::file_size(path), before);
    for (const auto& entry : fs::directory_iterator(fs::path(path).parent_path()))
        EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << "left a temporary file: " << entry.path();
}

TEST(MambaImport, MambaSsmTorchSaveMatchesTheReferenceForward) {
    const Model model = Model::open(fixture("mamba_ssm"));
    EXPECT_EQ(model.spec().blocks[0].mixer.type, "s6");
    EXPECT_EQ(model.spec().vocabSize, 32);  // 30 padded to a multiple of 8
    EXPECT_EQ(model.spec().norm, "rms");
    expectMatchesReference(model, "mamba_ssm");
    // The weights file alone finds config.json beside it.
    expectMatchesReference(Model::open(fixture("mamba_ssm/pytorch_model.bin")), "mamba_ssm");
}

TEST(MambaImport, TransformersMamba2SafetensorsMatchesTheReferenceForward) {
    const Model model = Model::open(fixture("mamba2_hf"));
    EXPECT_EQ(model.spec().blocks[0].mixer.type, "mamba2");
    EXPECT_EQ(model.spec().blocks[0].mixer.options["gated_norm"], true);
    ASSERT_EQ(model.source().warnings.size(), 1u);
    EXPECT_NE(model.source().warnings[0].find("lm_head.weight rebuilt"), std::string::npos);
    expectMatchesReference(model, "mamba2");
}

TEST(MambaImport, FalconMambaBf16MatchesTheReferenceForwardAndEigenvalues) {
    const Model model = Model::open(fixture("falcon_mamba_hf"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: Falcon-Mamba");
    EXPECT_EQ(model.spec().blocks[0].mixer.type, "s6");
    EXPECT_DOUBLE_EQ(model.spec().blocks[0].mixer.options["bcdt_rms_eps"].get<double>(), 1e-6);
    expectMatchesReference(model, "falcon_mamba");
    // Λ_t = exp(Δ_t A) of layer 0 on the first sequence, from the analysis, against the reference's.
    const auto tokens = io::readNpy(fixture("expected/falcon_mamba_tokens.npy"));
    const auto expected = io::readNpy(fixture("expected/falcon_mamba_layer0_eig.npy"));  // (T, d_inner, N)
    AnalysisOptions options;
    options.float64 = true;
    InputSpec input;
    input.kind = "tokens";
    input.path = fixture("expected/falcon_mamba_tokens.npy");
    const auto result = analyze(model, input, options);
    const auto& layer = result.layers[0];
    ASSERT_EQ(layer.steps * layer.heads * layer.modes, expected.numel());
    std::vector<double> got;
    for (size_t i = 0; i < size_t(expected.numel()); ++i) got.push_back(layer.eig[i].real());
    EXPECT_LT(relativeError(torch::tensor(got, torch::kFloat64).view(expected.sizes()), expected), 1e-6);
    for (size_t i = 0; i < size_t(expected.numel()); ++i) ASSERT_EQ(layer.eig[i].imag(), 0.0);
    EXPECT_EQ(tokens.size(0), result.batch);
}

TEST(MambaImport, Mamba2WithGroupsFp16ShardsMatchesTheReferenceForward) {
    const Model model = Model::open(fixture("mamba2_groups_hf"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: Mamba-2");
    EXPECT_EQ(model.spec().blocks[0].mixer.options["ngroups"], 2);
    expectMatchesReference(model, "mamba2_groups");
}

TEST(MambaImport, GroupsThatDoNotDivideTheHeadsAreRefused) {
    const auto dir = scratch("mamba2_bad_groups");
    fs::create_directories(dir);
    fs::copy(fixture("mamba2_groups_hf"), dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    auto config = nlohmann::json::parse(readFile(fixture("mamba2_groups_hf/config.json")));
    config["n_groups"] = 3;
    std::ofstream(dir + "/config.json") << config.dump();
    const auto error = errorOf([&] { Model::open(dir); });
    EXPECT_NE(error.find("ngroups"), std::string::npos) << error;
    EXPECT_NE(error.find("does not divide"), std::string::npos) << error;
}

// Layer l's eigenvalues on the fixture's first sequence (float64 analysis) against the reference's, per step and
// head as multisets (each traced value repeated by its multiplicity).
void expectLayerEigenvalues(const Model& model, const std::string& name, int64_t l) {
    const auto expected = io::readNpy(fixture("expected/" + name + "_layer" + std::to_string(l) + "_eig.npy"));  // (T|1, H, n), real
    AnalysisOptions options;
    options.float64 = true;
    options.layers = {l};
    InputSpec input;
    input.kind = "tokens";
    input.path = fixture("expected/" + name + "_tokens.npy");
    const auto result = analyze(model, input, options);
    ASSERT_EQ(result.layers.size(), 1u);
    const auto& layer = result.layers[0];
    ASSERT_EQ(layer.index, l);
    ASSERT_EQ(layer.steps, expected.size(0)) << name;
    ASSERT_EQ(layer.heads, expected.size(1)) << name;
    double worst = 0;
    for (int64_t t = 0; t < layer.steps; ++t)
        for (int64_t h = 0; h < layer.heads; ++h) {
            std::vector<std::complex<double>> traced, reference;
            for (int64_t k = 0; k < layer.modes; ++k)
                traced.insert(traced.end(), size_t(layer.multiplicity[size_t(k)]),
                              layer.eig[size_t((t * layer.heads + h) * layer.modes + k)]);
            for (int64_t k = 0; k < expected.size(2); ++k) reference.emplace_back(expected[t][h][k].item<double>(), 0.0);
            worst = std::max(worst, testing::multisetDistance(traced, reference));
        }
    EXPECT_LT(worst, 1e-6) << name << " layer " << l;
}

void expectLayer0Eigenvalues(const Model& model, const std::string& name) { expectLayerEigenvalues(model, name, 0); }

// A copy of a fixture folder with config.json changed.
std::string withConfig(const std::string& folder, const std::string& key, const nlohmann::json& value) {
    const auto dir = scratch(folder + "_" + key);
    fs::create_directories(dir);
    fs::copy(fixture(folder), dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    auto config = nlohmann::json::parse(io::hf::withQuotedNonFinite(readFile(fixture(folder + "/config.json"))));
    config[key] = value;
    std::ofstream(dir + "/config.json") << config.dump();
    return dir;
}

TEST(FlaImport, GlaFolderWithTiedHeadMatchesTheReferenceForwardAndEigenvalues) {
    const Model model = Model::open(fixture("gla_fla"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: GLA (fla)");
    EXPECT_EQ(model.spec().blocks[0].channelMixer, "swiglu");
    EXPECT_EQ(model.spec().blocks[0].channelMixerDim, 256);
    EXPECT_DOUBLE_EQ(model.spec().normEps, 1e-6);
    EXPECT_EQ(model.spec().blocks[0].mixer.options["gate_low_rank_dim"], 16);
    expectMatchesReference(model, "gla_fla");
    expectLayer0Eigenvalues(model, "gla_fla");
}

TEST(FlaImport, RetNetFolderWithFusedMlpMatchesTheReferenceForwardAndEigenvalues) {
    const Model model = Model::open(fixture("retnet_fla"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: RetNet (fla)");
    bool toldSplit = false;
    for (const auto& w : model.source().warnings) toldSplit = toldSplit || w.find("fused") != std::string::npos;
    EXPECT_TRUE(toldSplit) << "the fused gate_proj layout is reported";
    expectMatchesReference(model, "retnet_fla");
    expectLayer0Eigenvalues(model, "retnet_fla");
}

TEST(FlaImport, OptionsEigenscopeDoesNotImplementAreRefusedByName) {
    for (const auto& [key, value, named] :
         std::vector<std::tuple<std::string, nlohmann::json, std::string>>{{"num_kv_heads", 1, "num_kv_heads"},
                                                                          {"feature_map", "relu", "feature_map \"relu\""},
                                                                          {"use_output_gate", false, "use_output_gate"},
                                                                          {"use_short_conv", true, "use_short_conv"},
                                                                          {"clamp_min", -5, "clamp_min"},
                                                                          {"attn", {{"layers", {1}}}, "attn"},
                                                                          {"hidden_act", "powlu", "hidden_act"}}) {
        const auto error = errorOf([&] { Model::open(withConfig("gla_fla", key, value)); });
        EXPECT_NE(error.find(named), std::string::npos) << key << ": " << error;
        EXPECT_NE(error.find("not supported"), std::string::npos) << key << ": " << error;
    }
}

TEST(FlaImport, DeltaNetFolderMatchesTheReferenceForwardAndEigenvalues) {
    const Model model = Model::open(fixture("deltanet_fla"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: DeltaNet (fla)");
    const auto& mixer = model.spec().blocks[0].mixer;
    EXPECT_EQ(mixer.type, "deltanet");
    EXPECT_EQ(mixer.options["head_dim"], 4) << "d_model·expand_k / num_heads";
    EXPECT_DOUBLE_EQ(mixer.options["expand_v"].get<double>(), 2.0) << "value heads twice the key heads";
    EXPECT_DOUBLE_EQ(mixer.options["norm_eps"].get<double>(), 1e-6);
    expectMatchesReference(model, "deltanet_fla");
    expectLayer0Eigenvalues(model, "deltanet_fla");
}

TEST(FlaImport, GatedDeltaNetFolderWithNegativeEigenvaluesMatchesTheReference) {
    const Model model = Model::open(fixture("gated_deltanet_fla"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: Gated DeltaNet (fla)");
    const auto& mixer = model.spec().blocks[0].mixer;
    EXPECT_EQ(mixer.type, "gated_deltanet");
    EXPECT_EQ(mixer.options["conv_size"], 3);
    EXPECT_TRUE(mixer.options["allow_neg_eigval"].get<bool>());
    expectMatchesReference(model, "gated_deltanet_fla");
    expectLayer0Eigenvalues(model, "gated_deltanet_fla");
    const auto expected = io::readNpy(fixture("expected/gated_deltanet_fla_layer0_eig.npy"));
    EXPECT_LT(expected.min().item<double>(), 0) << "the fixture exercises β > 1, where α(1 − β‖k‖²) is negative";
}

TEST(FlaImport, DeltaRuleOptionsEigenscopeDoesNotImplementAreRefusedByName) {
    const std::vector<std::tuple<std::string, std::string, nlohmann::json, std::string>> cases{
        {"deltanet_fla", "use_gate", true, "use_gate: true"},
        {"deltanet_fla", "use_beta", false, "use_beta: false"},
        {"deltanet_fla", "qk_norm", "sum", "qk_norm \"sum\""},
        {"deltanet_fla", "qk_activation", "relu", "qk_activation \"relu\""},
        {"gated_deltanet_fla", "use_gate", false, "use_gate: false"},
        {"gated_deltanet_fla", "num_v_heads", 4, "num_v_heads 4"},
        {"gated_deltanet_fla", "attn", {{"layers", {1}}}, "attn"}};
    for (const auto& [folder, key, value, named] : cases) {
        const auto error = errorOf([&] { Model::open(withConfig(folder, key, value)); });
        EXPECT_NE(error.find(named), std::string::npos) << folder << " " << key << ": " << error;
        EXPECT_NE(error.find("not supported"), std::string::npos) << folder << " " << key << ": " << error;
    }
}

TEST(LlamaFamilyImport, LlamaWithGroupedQueryHeadsMatchesTheReference) {
    const Model model = Model::open(fixture("llama_hf"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: Llama");
    const auto& mixer = model.spec().blocks[0].mixer;
    EXPECT_EQ(mixer.type, "gqa_attention");
    EXPECT_EQ(mixer.options["num_kv_heads"], 2);
    EXPECT_EQ(model.spec().blocks[0].channelMixer, "swiglu");
    expectMatchesReference(model, "llama_hf");
    expectLayer0Eigenvalues(model, "llama_hf");  // four query heads, each its own head in the results
}

TEST(LlamaFamilyImport, Llama31RopeScalingMatchesTheReference) {
    const Model model = Model::open(fixture("llama31_hf"));
    const auto& options = model.spec().blocks[0].mixer.options;
    EXPECT_DOUBLE_EQ(options["rope_llama3_factor"].get<double>(), 8.0);
    EXPECT_EQ(options["rope_llama3_original_positions"], 512);
    expectMatchesReference(model, "llama31_hf");
    expectLayer0Eigenvalues(model, "llama31_hf");
    // Without the scaling the rotation differs: the fixture is sensitive to it.
    const Model unscaled = Model::open(withConfig("llama31_hf", "rope_scaling", nullptr));
    const auto tokens = io::readNpy(fixture("expected/llama31_hf_tokens.npy"));
    EXPECT_GT(relativeError(logits(unscaled, tokens).to(torch::kFloat64), io::readNpy(fixture("expected/llama31_hf_logits.npy"))),
              1e-4);
}

TEST(LlamaFamilyImport, MistralFp16WithASlidingWindowMatchesTheReference) {
    const Model model = Model::open(fixture("mistral_hf"));
    EXPECT_EQ(model.spec().blocks[0].mixer.options["sliding_window"], 5);
    expectMatchesReference(model, "mistral_hf");
    expectLayer0Eigenvalues(model, "mistral_hf");
    // The fixture's sequences are longer than the window: without it the logits are another model's.
    const Model unwindowed = Model::open(withConfig("mistral_hf", "sliding_window", nullptr));
    const auto tokens = io::readNpy(fixture("expected/mistral_hf_tokens.npy"));
    const auto expected = io::readNpy(fixture("expected/mistral_hf_logits.npy"));
    EXPECT_GT(relativeError(logits(unwindowed, tokens).to(torch::kFloat64), expected), 1e-3);
}

TEST(LlamaFamilyImport, Qwen2Bf16WithBiasesAndATiedHeadMatchesTheReference) {
    const Model model = Model::open(fixture("qwen2_hf"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: Qwen2");
    const auto& options = model.spec().blocks[0].mixer.options;
    EXPECT_TRUE(options["qkv_bias"].get<bool>());
    EXPECT_FALSE(options["o_bias"].get<bool>());
    EXPECT_EQ(options["sliding_window"], 0) << "Qwen2 ignores sliding_window unless use_sliding_window";
    EXPECT_DOUBLE_EQ(options["rope_theta"].get<double>(), 1e6);
    expectMatchesReference(model, "qwen2_hf");
    expectLayer0Eigenvalues(model, "qwen2_hf");
}

TEST(LlamaFamilyImport, Qwen3WithQkNormAndWiderHeadsMatchesTheReference) {
    const Model model = Model::open(fixture("qwen3_hf"));
    const auto& options = model.spec().blocks[0].mixer.options;
    EXPECT_TRUE(options["qk_norm"].get<bool>());
    EXPECT_EQ(options["head_dim"], 8) << "4 heads of 8 on a width of 24";
    expectMatchesReference(model, "qwen3_hf");
    expectLayer0Eigenvalues(model, "qwen3_hf");
}

TEST(Gpt2Import, Conv1DWeightsFusedQkvAndLearnedPositionsMatchTheReference) {
    const Model model = Model::open(fixture("gpt2_hf"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: GPT-2");
    EXPECT_EQ(model.spec().maxPositions, 32);
    EXPECT_EQ(model.spec().norm, "layer");
    EXPECT_EQ(model.spec().blocks[0].channelMixer, "mlp_tanh");
    EXPECT_DOUBLE_EQ(model.spec().blocks[0].mixer.options["rope_theta"].get<double>(), 0.0);
    expectMatchesReference(model, "gpt2_hf");
    expectLayer0Eigenvalues(model, "gpt2_hf");
    for (const auto& [key, value, named] : std::vector<std::tuple<std::string, nlohmann::json, std::string>>{
             {"activation_function", "relu", "activation_function \"relu\""},
             {"scale_attn_by_inverse_layer_idx", true, "scale_attn_by_inverse_layer_idx"}}) {
        const auto error = errorOf([&] { Model::open(withConfig("gpt2_hf", key, value)); });
        EXPECT_NE(error.find(named), std::string::npos) << error;
        EXPECT_NE(error.find("not supported"), std::string::npos) << error;
    }
}

TEST(LlamaFamilyImport, OptionsEigenscopeDoesNotImplementAreRefusedByName) {
    const nlohmann::json yarn = {{"rope_type", "yarn"}, {"factor", 4.0}};
    const std::vector<std::tuple<std::string, std::string, nlohmann::json, std::string>> cases{
        {"llama_hf", "rope_scaling", yarn, "rope scaling of type \"yarn\""},
        {"llama_hf", "hidden_act", "gelu", "hidden_act \"gelu\""},
        {"llama_hf", "mlp_bias", true, "mlp_bias"},
        {"llama_hf", "quantization_config", {{"quant_method", "gptq"}}, "quantization_config"},
        {"qwen2_hf", "use_sliding_window", true, "use_sliding_window"},
        {"qwen3_hf", "layer_types", {"full_attention", "sliding_attention"}, "sliding_attention"}};
    for (const auto& [folder, key, value, named] : cases) {
        const auto error = errorOf([&] { Model::open(withConfig(folder, key, value)); });
        EXPECT_NE(error.find(named), std::string::npos) << folder << " " << key << ": " << error;
        EXPECT_NE(error.find("not supported"), std::string::npos) << folder << " " << key << ": " << error;
    }
    const auto wrongBias = errorOf([&] { Model::open(withConfig("llama_hf", "attention_bias", true)); });
    EXPECT_NE(wrongBias.find("biases"), std::string::npos) << wrongBias;
}

TEST(NemotronHImport, HybridOfMamba2AttentionAndMlpLayersMatchesTheReference) {
    const Model model = Model::open(fixture("nemotron_h_hf"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: Nemotron-H");
    const auto& blocks = model.spec().blocks;
    ASSERT_EQ(blocks.size(), 5u);  // "M-*M-"
    EXPECT_EQ(blocks[0].mixer.type, "mamba2");
    EXPECT_EQ(blocks[0].mixer.options["d_inner"], 16) << "mamba_num_heads × mamba_head_dim, not expand × hidden_size";
    EXPECT_EQ(blocks[0].mixer.options["ngroups"], 2);
    EXPECT_EQ(blocks[1].mixer.type, kNoMixer);
    EXPECT_EQ(blocks[1].channelMixer, "relu2");
    EXPECT_EQ(blocks[2].mixer.type, "gqa_attention");
    EXPECT_DOUBLE_EQ(blocks[2].mixer.options["rope_theta"].get<double>(), 0.0) << "Nemotron-H attention has no positions";
    EXPECT_EQ(blocks[2].mixer.options["head_dim"], 6);
    expectMatchesReference(model, "nemotron_h_hf");
    expectLayerEigenvalues(model, "nemotron_h_hf", 0);
    expectLayerEigenvalues(model, "nemotron_h_hf", 2);

    // The whole analysis holds the mixer layers in model order; the MLP layers are passed by.
    InputSpec input;
    input.kind = "tokens";
    input.path = fixture("expected/nemotron_h_hf_tokens.npy");
    const auto result = analyze(model, input, AnalysisOptions{});
    std::vector<int64_t> indices;
    std::vector<std::string> mixers;
    for (const auto& layer : result.layers) {
        indices.push_back(layer.index);
        mixers.push_back(layer.mixer);
    }
    EXPECT_EQ(indices, (std::vector<int64_t>{0, 2, 3}));
    EXPECT_EQ(mixers, (std::vector<std::string>{"mamba2", "gqa_attention", "mamba2"}));
    AnalysisOptions mlpOnly;
    mlpOnly.layers = {1};
    const auto error = errorOf([&] { analyze(model, input, mlpOnly); });
    EXPECT_NE(error.find("layer 1 has no sequence mixer"), std::string::npos) << error;
}

TEST(NemotronHImport, OptionsEigenscopeDoesNotImplementAreRefusedByName) {
    const std::vector<std::tuple<std::string, nlohmann::json, std::string>> cases{
        {"hybrid_override_pattern", "ME*M-", "mixture-of-experts"},
        {"mlp_hidden_act", "gelu", "mlp_hidden_act \"gelu\""},
        {"mamba_hidden_act", "relu", "mamba_hidden_act"},
        {"time_step_limit", {0.001, 0.1}, "time_step_limit"},
        {"attention_bias", true, "attention_bias"},
        {"mlp_bias", true, "mlp_bias"}};
    for (const auto& [key, value, named] : cases) {
        const auto error = errorOf([&] { Model::open(withConfig("nemotron_h_hf", key, value)); });
        EXPECT_NE(error.find(named), std::string::npos) << key << ": " << error;
        EXPECT_NE(error.find("not supported"), std::string::npos) << key << ": " << error;
    }
    // transformers 5 writes the limit's infinity as {"__float__": "Infinity"}: accepted.
    EXPECT_NO_THROW(Model::open(withConfig("nemotron_h_hf", "time_step_limit", {0.0, {{"__float__", "Infinity"}}})));
    const auto shortPattern = errorOf([&] { Model::open(withConfig("nemotron_h_hf", "hybrid_override_pattern", "M-*M")); });
    EXPECT_NE(shortPattern.find("the layer pattern has 4 layers"), std::string::npos) << shortPattern;
}

TEST(RecurrentGemmaImport, GriffinLayersWithLocalAttentionMatchTheReference) {
    const Model model = Model::open(fixture("recurrent_gemma_hf"));
    EXPECT_EQ(model.source().format, "Hugging Face / mamba_ssm: RecurrentGemma");
    const auto& spec = model.spec();
    EXPECT_DOUBLE_EQ(spec.embedScale, 4.90625) << "√24 rounded to bfloat16, as transformers' normalizer buffer";
    EXPECT_DOUBLE_EQ(spec.logitSoftCap, 3.0);
    std::vector<std::string> mixers;
    for (const auto& block : spec.blocks) mixers.push_back(block.mixer.type);
    EXPECT_EQ(mixers, (std::vector<std::string>{"rglru", "rglru", "gqa_attention", "rglru"})) << "block_types repeated";
    const auto& attention = spec.blocks[2].mixer.options;
    EXPECT_EQ(attention["rotary_dim"], 6) << "partial_rotary_factor 0.5 of head_dim 12";
    EXPECT_EQ(attention["sliding_window"], 6) << "keys i − 5 … i: the window and the query's own";
    EXPECT_EQ(spec.blocks[0].channelMixer, "geglu");
    EXPECT_EQ(spec.blocks[0].channelMixerDim, 20) << "intermediate_size / 2";
    ASSERT_EQ(model.source().warnings.size(), 1u);
    EXPECT_NE(model.source().warnings[0].find("lm_head.weight rebuilt"), std::string::npos);
    expectMatchesReference(model, "recurrent_gemma_hf");
    expectLayerEigenvalues(model, "recurrent_gemma_hf", 0);
    expectLayerEigenvalues(model, "recurrent_gemma_hf", 2);

    // recurrentgemma's window holds window + 1 keys: one key fewer (as attention_window_size 4 gives) is another model.
    const Model narrower = Model::open(withConfig("recurrent_gemma_hf", "attention_window_size", 4));
    const auto tokens = io::readNpy(fixture("expected/recurrent_gemma_hf_tokens.npy"));
    EXPECT_GT(relativeError(logits(narrower, tokens).to(torch::kFloat64),
                            io::readNpy(fixture("expected/recurrent_gemma_hf_logits.npy"))),
              1e-3);
}

TEST(RecurrentGemmaImport, OptionsEigenscopeDoesNotImplementAreRefusedByName) {
    const std::vector<std::tuple<std::string, nlohmann::json, std::string>> cases{
        {"hidden_activation", "gelu", "hidden_activation \"gelu\""},
        {"attention_bias", true, "attention_bias"},
        {"rope_scaling", {{"rope_type", "linear"}, {"factor", 2.0}}, "rope_scaling"}};
    for (const auto& [key, value, named] : cases) {
        const auto error = errorOf([&] { Model::open(withConfig("recurrent_gemma_hf", key, value)); });
        EXPECT_NE(error.find(named), std::string::npos) << key << ": " << error;
        EXPECT_NE(error.find("not supported"), std::string::npos) << key << ": " << error;
    }
    const auto badKinds = errorOf([&] { Model::open(withConfig("recurrent_gemma_hf", "block_types", {"recurrent", "mlp"})); });
    EXPECT_NE(badKinds.find("known: recurrent, attention"), std::string::npos) << badKinds;
}

TEST(MambaImport, ShardedCheckpointByFolderAndByIndex) {
    expectMatchesReference(Model::open(fixture("mamba2_sharded")), "mamba2");
    expectMatchesReference(Model::open(fixture("mamba2_sharded/model.safetensors.index.json")), "mamba2");
}

TEST(PaperImport, TransformerCheckpointWithItsYamlMatchesTheReferenceForward) {
    const Model model = Model::open(fixture("paper_softmax/checkpoint.pth"), OpenOptions{fixture("paper_softmax/config.yaml")});
    EXPECT_EQ(model.spec().style, "paper_transformer");
    EXPECT_TRUE(model.spec().blocks[0].outputGate);
    EXPECT_EQ(model.spec().blocks[0].channelMixer, "glu");
    EXPECT_EQ(model.spec().blocks[0].mixer.options["conv_type"], "partial");
    ASSERT_FALSE(model.source().warnings.empty());
    EXPECT_NE(model.source().warnings[0].find("cuda:0"), std::string::npos);
    expectMatchesReference(model, "paper_softmax");
    const auto error = errorOf([] { Model::open(fixture("paper_softmax/checkpoint.pth")); });
    EXPECT_NE(error.find("--config"), std::string::npos) << error;
}

TEST(PaperImport, MambaCheckpointWithItsYamlMatchesTheReferenceForward) {
    const Model model = Model::open(fixture("paper_mamba2/checkpoint.pth"), OpenOptions{fixture("paper_mamba2/config.yaml")});
    EXPECT_EQ(model.spec().style, "paper_mamba");
    EXPECT_EQ(model.spec().seqLen, 64);
    EXPECT_EQ(model.spec().seed, 1919u);
    expectMatchesReference(model, "paper_mamba2");
}

TEST(PaperImport, TransformerVariantsAndPseudoLtiMatchTheReferenceForward) {
    for (const std::string name : {"paper_linear", "paper_norm", "paper_lti"}) {
        const Model model = Model::open(fixture(name + "/checkpoint.pth"), OpenOptions{fixture(name + "/config.yaml")});
        expectMatchesReference(model, name);
    }
    // The linear-attention variant has mixer "none": the reference drops the block's residual.
    EXPECT_EQ(Model::open(fixture("paper_linear/checkpoint.pth"), OpenOptions{fixture("paper_linear/config.yaml")})
                  .spec().blocks[0].channelMixer, "none");
}

TEST(TorchPickle, ViewsDtypesAndParametersMatchPython) {
    const auto expected = readNpz(fixture("expected/pickles_variety.npz"));
    for (const std::string file : {"pickles/variety.pt", "pickles/wrapped.pt"}) {
        const auto state = io::readTorchSave(fixture(file));
        ASSERT_EQ(state.tensors.size(), expected.size()) << file;
        for (const auto& [name, tensor] : state.tensors) {
            const auto& want = expected.at(name);
            ASSERT_EQ(tensor.numel(), want.numel()) << name;
            if (tensor.dim() > 0) {
                ASSERT_EQ(tensor.sizes(), want.sizes()) << name;  // .npy reads a 0-d array as (1)
            }
            const auto got = want.scalar_type() == torch::kLong ? tensor : tensor.to(torch::kFloat64);
            EXPECT_TRUE(torch::equal(got.reshape(-1), want.to(got.scalar_type()).reshape(-1))) << file << ": " << name;
        }
    }
}

TEST(Convert, EveryFixtureConvertsToANativeFileWithTheSameOutputs) {
    const std::vector<std::pair<std::string, std::string>> inputs = {
        {fixture("mamba_ssm"), ""}, {fixture("mamba2_hf"), ""}, {fixture("mamba2_sharded"), ""},
        {fixture("paper_softmax/checkpoint.pth"), fixture("paper_softmax/config.yaml")},
        {fixture("paper_mamba2/checkpoint.pth"), fixture("paper_mamba2/config.yaml")}};
    for (const auto& [input, config] : inputs) {
        const Model model = Model::open(input, OpenOptions{config});
        const std::string path = scratch("converted.safetensors");
        model.save(path);
        const Model native = Model::open(path);
        const auto tokens = torch::randint(0, model.spec().vocabSize, {2, 10});
        EXPECT_TRUE(torch::equal(logits(native, tokens), logits(model, tokens))) << input;
        fs::remove(path);
    }
}

// A bf16 checkpoint's token embedding and LM head stay bf16 (a pretrained model's largest tensors get no float32
// copy) and are widened exactly on use: logits and a float64 analysis equal those of the same values held as floats.
TEST(HalfPrecisionCheckpoint, VocabularyMatricesStayInTheirPrecisionAndAreWidenedExactly) {
    auto spec = presetSpec("cpu-paper-mqar-softmax");
    spec.vocabSize = 40000;  // the head is widened in three slices
    const Model widened = Model::fromSpec(spec);
    io::NamedTensors halves;
    {
        torch::NoGradGuard noGrad;
        for (auto& [name, t] : moduleTensors(widened.impl->module)) {
            if (t.is_floating_point()) t.copy_(t.to(torch::kBFloat16));  // the values a bf16 file can hold
            halves.emplace_back(name, t.is_floating_point() ? t.to(torch::kBFloat16) : t.clone());
        }
    }
    const auto path = scratch("bf16_vocabulary.safetensors");
    io::writeNativeModel(path, spec, halves);
    const Model loaded = Model::open(path);

    for (const auto& [name, t] : moduleTensors(loaded.impl->module)) {
        const bool vocabulary = name == "encoder.word_embeddings.weight" || name == "decoder.weight";
        if (t.is_floating_point()) EXPECT_EQ(t.scalar_type(), vocabulary ? torch::kBFloat16 : torch::kFloat32) << name;
    }
    const auto tokens = torch::randint(spec.vocabSize, {2, 16}, torch::kLong);
    const auto expected = logits(widened, tokens).to(torch::kFloat64), got = logits(loaded, tokens).to(torch::kFloat64);
    ASSERT_EQ(got.sizes(), expected.sizes());
    EXPECT_LT(relativeError(got, expected), 1e-6);

    AnalysisOptions options;
    options.float64 = true;
    const auto tokensPath = scratch("bf16_vocabulary_tokens.npy");
    const auto flat = tokens.reshape(-1);
    const std::vector<int64_t> ids(flat.data_ptr<int64_t>(), flat.data_ptr<int64_t>() + flat.numel());
    io::writeFileAtomically(tokensPath, io::npyArray("tokens", ids, {2, 16}).bytes);
    InputSpec input;
    input.kind = "tokens";
    input.path = tokensPath;
    const auto a = analyze(widened, input, options), b = analyze(loaded, input, options);
    ASSERT_EQ(a.layers.size(), b.layers.size());
    for (size_t l = 0; l < a.layers.size(); ++l) {
        ASSERT_EQ(a.layers[l].eig.size(), b.layers[l].eig.size());
        double worst = 0;
        for (size_t i = 0; i < a.layers[l].eig.size(); ++i)
            worst = std::max(worst, std::abs(a.layers[l].eig[i] - b.layers[l].eig[i]));
        EXPECT_LT(worst, 1e-12) << "layer " << l;
    }
    for (const auto& [name, t] : moduleTensors(loaded.impl->module))
        if (name == "decoder.weight") EXPECT_EQ(t.scalar_type(), torch::kBFloat16) << "the analysis restores the model";
}

TEST(HalfPrecisionCheckpoint, ATiedHeadSharesTheEmbeddingsCopy) {
    const Model model = Model::open(fixture("qwen2_hf"));  // bf16, no lm_head.weight: tied
    std::map<std::string, torch::Tensor> tensors;
    for (const auto& [name, t] : moduleTensors(model.impl->module)) tensors[name] = t;
    const auto& embedding = tensors.at("encoder.word_embeddings.weight");
    EXPECT_EQ(embedding.scalar_type(), torch::kBFloat16);
    EXPECT_EQ(tensors.at("decoder.weight").data_ptr(), embedding.data_ptr());
}

}  // namespace
}  // namespace eigenscope
