// Tokenizers against an independent reference: tests/fixtures/tokenizers/make_tokenizer_fixtures.py implements
// byte-level BPE (GPT-2's encoder.py, the GPT-2 and Llama-3 pre-tokenizer patterns by Unicode category) and the
// SentencePiece-style BPE with byte fallback, trains small tokenizer.json files in the published layouts and
// writes the ids and token strings of texts that cover merges, special tokens, multi-byte UTF-8, emoji, NFC and
// whitespace runs. Here eigenscope's tokenizer must give the same ids and strings for every case.
#include "eigenscope/analysis.h"
#include "eigenscope/analysis_export.h"
#include "eigenscope/error.h"
#include "eigenscope/model.h"
#include "io/npy.h"
#include "test_util.h"
#include "text/tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>

namespace eigenscope {
namespace {

namespace fs = std::filesystem;
using testing::errorOf;

const std::string kDir = std::string(EIGENSCOPE_FIXTURES) + "/tokenizers";

std::string scratchFile(const std::string& name, const std::string& content) {
    const auto dir = fs::temp_directory_path() / ("eigenscope_tokenizer_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << content;
    return (dir / name).string();
}

TEST(Tokenizer, EveryReferenceCaseGivesTheSameIdsAndTokens) {
    std::ifstream in(kDir + "/expected.json");
    ASSERT_TRUE(in) << "no expected.json";
    const auto cases = nlohmann::json::parse(in);
    std::map<std::string, std::shared_ptr<const text::Tokenizer>> tokenizers;
    std::map<std::string, int> checked;
    for (const auto& c : cases) {
        const std::string name = c.at("tokenizer");
        auto& tokenizer = tokenizers[name];
        if (!tokenizer) tokenizer = text::Tokenizer::open(kDir + "/" + name + "/tokenizer.json");
        const std::string textIn = c.at("text");
        const auto encoding = tokenizer->encode(textIn);
        EXPECT_EQ(encoding.ids, c.at("ids").get<std::vector<int64_t>>()) << name << ": " << nlohmann::json(textIn).dump();
        EXPECT_EQ(encoding.pieces, c.at("tokens").get<std::vector<std::string>>()) << name << ": " << nlohmann::json(textIn).dump();
        ++checked[name];
    }
    for (const char* name : {"gpt2_bytelevel", "llama3_split", "qwen2_nfc", "llama2_spm", "mistral_metaspace"})
        EXPECT_GE(checked[name], 12) << name;
}

TEST(Tokenizer, DisplayGivesTheTextBack) {
    const auto gpt2 = text::Tokenizer::open(kDir + "/gpt2_bytelevel/tokenizer.json");
    std::string joined;
    for (int64_t id : gpt2->encode("Hello world, it's 2024!").ids) joined += gpt2->display(id);
    EXPECT_EQ(joined, "Hello world, it's 2024!");
    const auto spm = text::Tokenizer::open(kDir + "/llama2_spm/tokenizer.json");
    const auto ids = spm->encode("the cat").ids;
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(spm->display(ids.front()), "<s>");
    std::string spoken;
    for (size_t i = 1; i < ids.size(); ++i) spoken += spm->display(ids[i]);
    EXPECT_EQ(spoken, " the cat");
    EXPECT_NE(gpt2->describe().find("byte-level BPE"), std::string::npos) << gpt2->describe();
}

TEST(Tokenizer, WhatItCannotReadIsAnErrorNamingTheFile) {
    const auto expectError = [](const std::string& content, const std::string& problem) {
        const auto path = scratchFile("tokenizer.json", content);
        const auto error = errorOf([&] { text::Tokenizer::open(path); });
        EXPECT_NE(error.find(path), std::string::npos) << error;
        EXPECT_NE(error.find(problem), std::string::npos) << error;
    };
    expectError("{\"model\": ", "not valid JSON");
    expectError(R"({"model": {"type": "Unigram", "vocab": []}})", "\"Unigram\" is not supported");
    expectError(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "BertPreTokenizer"}})",
                "\"BertPreTokenizer\" is not supported");
    expectError(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                    "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}})",
                "does not compile");
    expectError(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a"]]}})", "neither");
    EXPECT_NE(errorOf([] { text::Tokenizer::open("/nonexistent/tokenizer.json"); }).find("cannot open"), std::string::npos);
    const auto noUnk = scratchFile("tokenizer.json", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})");
    EXPECT_NE(errorOf([&] { text::Tokenizer::open(noUnk)->encode("ab"); }).find("no unk_token"), std::string::npos);
}

// A Llama fixture folder with a tiny byte-level tokenizer beside it: text inputs use it, and the tokens travel
// with the result; without one the text is read as bytes, and the result says which.
TEST(Tokenizer, TextInputsUseTheModelsTokenizer) {
    const auto dir = fs::temp_directory_path() / ("eigenscope_tokenizer_model_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::copy(std::string(EIGENSCOPE_FIXTURES) + "/llama_hf", dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    std::ofstream(dir / "tokenizer.json") << R"({
        "added_tokens": [{"id": 1, "content": "<s>", "special": true}],
        "normalizer": null,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
        "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "model": {"type": "BPE", "vocab": {"<s>": 1, "h": 5, "i": 6, "\u0120": 7, "hi": 8, "\u0120hi": 9},
                  "merges": ["h i", "\u0120 hi"]}})";
    const Model model = Model::open(dir.string());
    EXPECT_EQ(model.source().tokenizer, (dir / "tokenizer.json").string());
    AnalysisOptions options;
    const auto result = analyze(model, parseInputSpec("text:hi hi"), options);
    EXPECT_EQ(result.seqLen, 3);
    EXPECT_EQ(result.tokens, (std::vector<std::string>{"<s>", "hi", " hi"}));
    EXPECT_NE(result.inputNote.find("tokenized with"), std::string::npos) << result.inputNote;
    const auto fromFile = analyze(model, parseInputSpec("text-file:" + scratchFile("prompt.txt", "hi hi hi")), options);
    EXPECT_EQ(fromFile.seqLen, 4);
    EXPECT_EQ(fromFile.input, "text-file:" + (fs::temp_directory_path() / ("eigenscope_tokenizer_test_" + std::to_string(::getpid())) / "prompt.txt").string());
    const auto npz = scratchFile("text.npz", "");
    writeAnalysisNpz(npz, result);
    const auto tokens = io::readNpz(npz).at("tokens");  // NumPy <U3: UTF-32 code units, zero-padded
    ASSERT_EQ(tokens.sizes(), (std::vector<int64_t>{3, 3}));
    EXPECT_EQ(tokens[2].to(torch::kLong).equal(torch::tensor({int64_t(' '), int64_t('h'), int64_t('i')})), true);
    EXPECT_EQ(tokens[1][2].item<int>(), 0) << "\"hi\" padded";
    const auto outside = errorOf([&] { analyze(model, parseInputSpec("text:hx"), options); });
    EXPECT_NE(outside.find("not in the vocabulary"), std::string::npos) << outside;

    const Model plain = Model::open(std::string(EIGENSCOPE_FIXTURES) + "/llama_hf");
    const auto bytes = analyze(plain, parseInputSpec("text:0!"), options);
    EXPECT_EQ(bytes.tokens, (std::vector<std::string>{"0", "!"})) << "no tokenizer: the bytes (48, 33 < 64 tokens)";
    EXPECT_NE(bytes.inputNote.find("UTF-8 bytes"), std::string::npos) << bytes.inputNote;
}

}  // namespace
}  // namespace eigenscope
