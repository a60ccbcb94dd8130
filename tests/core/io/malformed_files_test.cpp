// The bad-input corpus: malformed safetensors, torch.save archives, configs and weights. Every file must give an
// eigenscope::Error that names the file and the problem, never a crash.
#include "eigenscope/model.h"
#include "io/safetensors.h"
#include "io/torch_pickle.h"
#include "test_util.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace eigenscope {
namespace {

namespace fs = std::filesystem;
using testing::errorOf;
using namespace std::string_literals;

std::string fixture(const std::string& relative) { return std::string(EIGENSCOPE_FIXTURES) + "/" + relative; }

class Corpus : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("eigenscope_corpus_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string file(const std::string& name, const std::string& bytes) {
        const auto path = (dir / name).string();
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }
    static std::string read(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    static std::string safetensors(const std::string& header, const std::string& data) {
        std::string out(8, '\0');
        for (int i = 0; i < 8; ++i) out[size_t(i)] = char((uint64_t(header.size()) >> (8 * i)) & 0xFF);
        return out + header + data;
    }
    std::string zipWith(const std::string& name, const std::vector<std::pair<std::string, std::string>>& entries) {
        const auto path = (dir / name).string();
        int error = 0;
        zip_t* zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
        std::vector<std::string> keep;
        keep.reserve(entries.size());
        for (const auto& [entry, bytes] : entries) {
            keep.push_back(bytes);
            zip_source_t* source = zip_source_buffer(zip, keep.back().data(), keep.back().size(), 0);
            zip_file_add(zip, entry.c_str(), source, ZIP_FL_OVERWRITE);
        }
        zip_close(zip);
        return path;
    }
    // The error of opening `path` as a model must name the file and contain `problem`.
    void expectError(const std::string& path, const std::string& problem, const std::string& config = "") {
        const std::string error = errorOf([&] { Model::open(path, OpenOptions{config}); });
        // The file at fault is named: the model file, or the config when the config is what does not fit.
        const bool named = error.find(fs::path(path).filename().string()) != std::string::npos ||
                           (!config.empty() && error.find(fs::path(config).filename().string()) != std::string::npos);
        EXPECT_TRUE(named) << "no file name in: " << error;
        EXPECT_NE(error.find(problem), std::string::npos) << "expected \"" << problem << "\" in: " << error;
    }
    fs::path dir;
};

const std::string kEntry = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

TEST_F(Corpus, MalformedSafetensors) {
    const std::string data(8, '\0');
    expectError(file("empty.safetensors", ""), "shorter than the 8-byte header length");
    expectError(file("tiny.safetensors", "abcd"), "shorter than the 8-byte header length");
    std::string pastEnd = safetensors("{" + kEntry + "}", data);
    pastEnd[0] = char(0xF0);
    expectError(file("past_end.safetensors", pastEnd), "runs past the end of the file");
    std::string huge = safetensors("{}", "");
    huge[3] = char(0x0A);  // a 160 MiB header in a sparse 200 MiB file
    const std::string hugePath = file("huge_header.safetensors", huge);
    fs::resize_file(hugePath, 200u << 20);
    expectError(hugePath, "exceeds the 100 MB limit");
    expectError(file("not_json.safetensors", safetensors("{\"w\": [1, 2", data)), "not valid JSON");
    expectError(file("array_header.safetensors", safetensors("[1,2,3]", "")), "must start with '{'");
    expectError(file("space_first.safetensors", safetensors(" {}", "")), "must start with '{'");
    expectError(file("overlap.safetensors", safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data)),
                "overlaps");
    expectError(file("negative.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", data)),
                "non-negative integer");
    expectError(file("out_of_range.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data)),
                "past the end of the data");
    expectError(file("dtype.safetensors", safetensors(R"({"w":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}})", data)),
                "unknown dtype \"F31\"");
    expectError(file("size_mismatch.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data)),
                "needs 12 bytes");
    expectError(file("gap.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data)),
                "unused bytes before");
    expectError(file("trailing.safetensors", safetensors("{" + kEntry + "}", data + "xx")), "belong to none");
    expectError(file("duplicate.safetensors", safetensors("{" + kEntry + "," + kEntry + "}", data)), "appears twice");
    expectError(file("metadata.safetensors", safetensors(R"({"__metadata__":{"a":1},)" + kEntry + "}", data)), "is not a string");
    expectError(file("negative_dim.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data)),
                "non-negative integer");
    expectError(file("absurd_shape.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}})", data)),
                "absurdly large");
    expectError(file("offsets_type.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":"0-8"}})", data)),
                "data_offsets must be [begin, end]");
    expectError(file("extra_field.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})", data)),
                "unknown field");
}

TEST_F(Corpus, TruncatedFilesAtManyOffsets) {
    const std::string whole = read(fixture("mamba2_hf/model.safetensors"));
    for (const size_t cut : {size_t(3), size_t(8), size_t(9), size_t(100), whole.size() / 3, whole.size() / 2, whole.size() - 1}) {
        const std::string path = file("cut_" + std::to_string(cut) + ".safetensors", whole.substr(0, cut));
        const std::string error = errorOf([&] { io::SafetensorsFile::open(path); });
        EXPECT_NE(error.find(path), std::string::npos) << cut << ": " << error;
    }
    const std::string pickle = read(fixture("paper_mamba2/checkpoint.pth"));
    for (const size_t cut : {size_t(10), size_t(200), pickle.size() / 2, pickle.size() - 30}) {
        const std::string path = file("cut_" + std::to_string(cut) + ".pth", pickle.substr(0, cut));
        const std::string error = errorOf([&] { io::readTorchSave(path); });
        EXPECT_NE(error.find(path), std::string::npos) << cut << ": " << error;
    }
}

TEST_F(Corpus, MalformedTorchArchives) {
    const std::string config = fixture("paper_mamba2/config.yaml");
    expectError(zipWith("no_pickle.pt", {{"archive/version", "3"}}), "without data.pkl", config);
    expectError(zipWith("opcode.pt", {{"archive/data.pkl", std::string("\x80\x02\xff", 3)}}), "unsupported pickle content: opcode 0xff",
                config);
    expectError(zipWith("global.pt", {{"archive/data.pkl", "\x80\x02" "cos\nsystem\n" "X\x02\x00\x00\x00ls\x85R."s}}),
                "unsupported pickle content: global os.system", config);
    expectError(zipWith("not_dict.pt", {{"archive/data.pkl", "\x80\x02K\x07."}}), "holds no state dict", config);
    // A storage entry that the pickle names but the archive lacks, and one of the wrong size.
    const std::string tensorPickle =
        "\x80\x02}q\x00X\x01\x00\x00\x00w"
        "ctorch._utils\n_rebuild_tensor_v2\n"
        "((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x02tQ"
        "K\x00K\x02\x85K\x01\x85\x89)tRs."s;
    expectError(zipWith("missing_storage.pt", {{"archive/data.pkl", tensorPickle}}), "data/0 is missing", config);
    expectError(zipWith("storage_size.pt", {{"archive/data.pkl", tensorPickle}, {"archive/data/0", "abc"}}), "holds 3 bytes",
                config);
    // PROTO 2, then torch.serialization's magic number as a LONG1: what torch.save wrote before PyTorch 1.6.
    expectError(file("legacy.pt", std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19rest", 18)),
                "legacy torch.save file", config);
    expectError(file("garbage.pt", "this is not a model"), "runs past the end of the file", config);
    const std::string truncatedZip = read(fixture("paper_mamba2/checkpoint.pth"));
    expectError(file("half.pt", truncatedZip.substr(0, truncatedZip.size() / 2)), "half.pt", config);
}

TEST_F(Corpus, WeightsThatDoNotFitTheModel) {
    const Model model = Model::open("preset:cpu-paper-mqar-mamba2");
    const std::string native = (dir / "native.safetensors").string();
    model.save(native);
    const io::SafetensorsFile good = io::SafetensorsFile::open(native);
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& e : good.header().tensors) tensors.emplace_back(e.name, good.tensor(e.name));
    const auto metadata = good.header().metadata;
    const auto variant = [&](const std::string& name, const std::function<void(decltype(tensors)&)>& change,
                             std::map<std::string, std::string> meta) {
        auto copy = tensors;
        change(copy);
        const std::string path = (dir / name).string();
        io::writeSafetensors(path, copy, meta);
        return path;
    };
    expectError(variant("missing_key.safetensors", [](auto& t) { t.erase(t.begin()); }, metadata), "missing tensors");
    expectError(variant("extra_key.safetensors", [](auto& t) { t.emplace_back("blocks.9.extra", torch::zeros({1})); }, metadata),
                "does not have: blocks.9.extra");
    expectError(variant("wrong_shape.safetensors", [](auto& t) { t[0].second = torch::zeros({3, 3}); }, metadata), "has shape");
    expectError(variant("nan.safetensors", [](auto& t) { t[0].second = t[0].second.clone().fill_(NAN); }, metadata), "NaN or Inf");
    auto badSpec = metadata;
    badSpec["eigenscope.spec"] = "{\"d_model\": ";
    expectError(variant("bad_spec.safetensors", [](auto&) {}, badSpec), "eigenscope.spec");
    expectError(variant("no_config.safetensors", [](auto&) {}, {}), "without a model description");
    // NaN weights are warnings for info.
    const Model opened = Model::open(variant("nan_info.safetensors", [](auto& t) { t[0].second = t[0].second.clone().fill_(NAN); }, metadata),
                                     OpenOptions{"", true});
    ASSERT_EQ(opened.source().warnings.size(), 1u);
    EXPECT_NE(opened.source().warnings[0].find("NaN or Inf"), std::string::npos);
}

TEST_F(Corpus, ConfigsThatDoNotFit) {
    const std::string checkpoint = fixture("paper_mamba2/checkpoint.pth");
    std::string yaml = read(fixture("paper_mamba2/config.yaml"));
    const auto at = yaml.find("hidden_dim: 16");
    ASSERT_NE(at, std::string::npos);
    expectError(checkpoint, "has shape", file("wide.yaml", yaml.replace(at, 14, "hidden_dim: 32")));
    expectError(checkpoint, "not valid YAML", file("broken.yaml", "model: [unclosed"));
    expectError(checkpoint, "JAX/orbax", file("s4.yaml", "model:\n  layer: s4\n"));
    expectError(checkpoint, "model.num_layers is missing", file("short.yaml", "model:\n  layer: mamba\n  version: mamba2\n  hidden_dim: 16\n  token_embedding: true\n  vocab_size: 32\n  pooling: none\n  output_dim: 32\n  norm: layer\n  prenorm: true\n  dropout: 0.0\n  glu: true\n  state_dim: 8\n  expansion: 1\n  num_heads: 2\n  conv_dim: 4\n"));
    const auto orbax = dir / "orbax_run";
    fs::create_directories(orbax);
    std::ofstream(orbax / "_CHECKPOINT_METADATA") << "{}";
    expectError(orbax.string(), "JAX/orbax");
    const auto hf = dir / "hf_without_config";
    fs::create_directories(hf);
    fs::copy_file(fixture("mamba2_hf/model.safetensors"), hf / "model.safetensors");
    expectError(hf.string(), "no config.json");
    std::ofstream(hf / "config.json") << R"({"model_type": "gpt_neox", "hidden_size": 16})";
    expectError(hf.string(), "model_type is \"gpt_neox\"");
    std::ofstream(hf / "config.json") << R"({"model_type": "llama", "hidden_size": 16})";
    expectError(hf.string(), "unexpected tensor \"backbone.embeddings.weight\" for a llama checkpoint");
    std::ofstream(hf / "config.json") << R"({"model_type": "mamba2", "hidden_size": 16, "num_hidden_layers": 2,
        "vocab_size": 64, "state_size": 8, "head_dim": 8, "expand": 2})";
    expectError(hf.string(), "the embedding has 32 rows");
}

}  // namespace
}  // namespace eigenscope
