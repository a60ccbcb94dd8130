#include "eigenscope/presets.h"
#include "eigenscope/train.h"
#include "tasks/datasets.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>

namespace eigenscope::tasks {
namespace {

namespace fs = std::filesystem;
using eigenscope::testing::errorOf;

class Datasets : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("eigenscope_datasets_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    std::string write(const std::string& name, const std::string& bytes) {
        const auto path = dir / name;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << bytes;
        return path.string();
    }
    fs::path dir;
};

// An evaluator of our own, written from LRA's ListOps definition (MAX, MIN, MED = numpy's median truncated by int(),
// SM = sum mod 10; "(" and ")" are noise), over the expression's words: recursive where the library's is a stack.
int64_t referenceValue(const std::vector<std::string>& words, size_t& at) {
    while (words[at] == "(" || words[at] == ")") ++at;
    const std::string head = words[at++];
    if (head.size() == 1 && std::isdigit(uint8_t(head[0]))) return head[0] - '0';
    std::vector<int64_t> args;
    for (;;) {
        while (words[at] == "(" || words[at] == ")") ++at;
        if (words[at] == "]") break;
        args.push_back(referenceValue(words, at));
    }
    ++at;
    std::sort(args.begin(), args.end());
    if (head == "[MAX") return args.back();
    if (head == "[MIN") return args.front();
    if (head == "[SM") return std::accumulate(args.begin(), args.end(), int64_t(0)) % 10;
    const size_t n = args.size();
    return n % 2 ? args[n / 2] : (args[n / 2 - 1] + args[n / 2]) / 2;  // [MED
}

// The words of a token sequence, from the id each word has (listOpsTokens of one word), padding dropped (the
// tokens hold no parentheses).
std::vector<std::string> wordsOf(const std::vector<int64_t>& tokens) {
    std::map<int64_t, std::string> names;
    for (const std::string w : {"[MAX", "[MIN", "[MED", "[SM", "]", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"})
        names[listOpsTokens(w, "test").at(0)] = w;
    std::vector<std::string> words;
    for (int64_t t : tokens)
        if (t != 0) words.push_back(names.at(t));
    return words;
}

TEST(ListOps, EvaluatesTheOperations) {
    const auto value = [](const std::string& e) { return evaluateListOps(listOpsTokens(e, "test")); };
    EXPECT_EQ(value("[MAX 2 9 [MIN 4 7 ] 0 ]"), 9);
    EXPECT_EQ(value("[SM 5 6 7 ]"), 8);
    EXPECT_EQ(value("[MED 1 2 3 4 ]"), 2);  // numpy's 2.5, truncated
    EXPECT_EQ(value("[MED 7 1 3 ]"), 3);
    EXPECT_EQ(value("( ( [MIN [MAX 3 8 ] [SM 9 9 ] ) ] )"), 8);
    EXPECT_NE(errorOf([&] { value("[MAX 3"); }).find("incomplete"), std::string::npos);
    EXPECT_NE(errorOf([&] { value("]"); }).find("without an open operation"), std::string::npos);
    EXPECT_NE(errorOf([&] { listOpsTokens("[MAX 3 x ]", "here"); }).find("here: unknown ListOps token \"x\""), std::string::npos);
}

TEST(ListOps, GeneratedLabelsAreTheExpressionsValues) {
    const auto task = makeTask("listops", {{"seq_len", "96"}, {"max_depth", "4"}}, 64, 32);
    EXPECT_EQ(task.classes, 10);
    const auto batch = task.sample(16, 5);
    ASSERT_EQ(batch.labels.sizes(), (torch::IntArrayRef{16}));
    for (int64_t b = 0; b < 16; ++b) {
        std::vector<int64_t> tokens;
        int64_t length = 0;
        for (int64_t t = 0; t < 96; ++t) {
            tokens.push_back(batch.inputs[b][t].item<int64_t>());
            length += tokens.back() != 0;
        }
        EXPECT_GE(length, 24);  // min_length defaults to seq_len / 4
        size_t at = 0;
        EXPECT_EQ(referenceValue(wordsOf(tokens), at), batch.labels[b].item<int64_t>());
    }
    EXPECT_TRUE(torch::equal(task.sample(16, 5).inputs, batch.inputs));
}

TEST_F(Datasets, ListOpsTsvReader) {
    const auto good = write("basic.tsv", "Source\tTarget\n( ( [MAX 2 9 ) ] )\t9\n[SM 5 6 7 ]\t8\n");
    const auto task = makeTask("listops", {{"file", good}, {"seq_len", "12"}}, 64, 32);
    const auto batch = task.sample(8, 1);
    for (int64_t b = 0; b < 8; ++b) {
        std::vector<int64_t> tokens(batch.inputs[b].data_ptr<int64_t>(), batch.inputs[b].data_ptr<int64_t>() + 12);
        // Each sample is one of the file's rows with the label the file gives it.
        std::string expression;
        for (const auto& w : wordsOf(tokens)) expression += (expression.empty() ? "" : " ") + w;
        const std::map<std::string, int64_t> rows = {{"[MAX 2 9 ]", 9}, {"[SM 5 6 7 ]", 8}};
        ASSERT_TRUE(rows.count(expression)) << expression;
        EXPECT_EQ(batch.labels[b].item<int64_t>(), rows.at(expression));
    }
    const auto bad = write("bad.tsv", "Source\tTarget\n[MAX 1 2 ]\t2\n[MAX 1 2 ]\tten\n");
    EXPECT_NE(errorOf([&] { makeTask("listops", {{"file", bad}}, 64, 32); }).find("bad.tsv: line 3: the label must be a digit"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { makeTask("listops", {{"file", (dir / "none.tsv").string()}}, 64, 32); }).find("none.tsv: cannot open"),
              std::string::npos);
}

TEST_F(Datasets, TextWindowsPredictTheNextByte) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += char('a' + i % 26);
    const auto path = write("corpus.txt", text);
    const auto task = makeTask("text", {{"file", path}, {"seq_len", "16"}}, 64, 256);
    const auto batch = task.sample(4, 9);
    for (int64_t b = 0; b < 4; ++b)
        for (int64_t t = 0; t + 1 < 16; ++t) EXPECT_EQ(batch.labels[b][t].item<int64_t>(), batch.inputs[b][t + 1].item<int64_t>());
    EXPECT_EQ(task.classes, 0);
    const auto tiny = write("tiny.txt", "abc");
    EXPECT_NE(errorOf([&] { makeTask("text", {{"file", tiny}, {"seq_len", "16"}}, 64, 256); }).find("tiny.txt: 3 bytes"), std::string::npos);
}

TEST_F(Datasets, ImdbFolderAtCharacterLevel) {
    write("aclImdb/train/pos/1_9.txt", "great film");
    write("aclImdb/train/neg/2_1.txt", "awful");
    const auto task = makeTask("imdb", {{"dir", (dir / "aclImdb").string()}, {"seq_len", "12"}}, 64, 256);
    const auto batch = task.sample(10, 3);
    for (int64_t b = 0; b < 10; ++b) {
        const bool positive = batch.labels[b].item<int64_t>() == 1;
        EXPECT_EQ(batch.inputs[b][0].item<int64_t>(), positive ? 'g' : 'a');
        EXPECT_EQ(batch.inputs[b][11].item<int64_t>(), 0) << "padding";
    }
    EXPECT_NE(errorOf([&] { makeTask("imdb", {{"dir", (dir / "aclImdb").string()}, {"split", "test"}}, 64, 256); })
                  .find("test/neg: missing"),
              std::string::npos);
}

TEST_F(Datasets, Cifar10BinaryRecordsAsGrayscaleSequences) {
    std::string record(3073, char(100));
    record[0] = 3;
    std::string other(3073, char(0));
    other[0] = 7;
    other[1] = char(200);  // red of pixel 0 only: 0.299 · 200 → 60
    write("cifar/data_batch_1.bin", record + other);
    const auto task = makeTask("cifar10", {{"dir", (dir / "cifar").string()}}, 64, 256);
    EXPECT_EQ(task.seqLen, 1024);
    const auto batch = task.sample(8, 2);
    for (int64_t b = 0; b < 8; ++b) {
        const int64_t label = batch.labels[b].item<int64_t>();
        ASSERT_TRUE(label == 3 || label == 7);
        EXPECT_EQ(batch.inputs[b][0].item<int64_t>(), label == 3 ? 100 : 60);
        EXPECT_EQ(batch.inputs[b][5].item<int64_t>(), label == 3 ? 100 : 0);
    }
    write("broken/data_batch_1.bin", record + "xyz");
    EXPECT_NE(errorOf([&] { makeTask("cifar10", {{"dir", (dir / "broken").string()}}, 64, 256); }).find("3076 bytes is not a whole number"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { makeTask("cifar10", {{"dir", (dir / "empty").string()}}, 64, 256); }).find("no CIFAR-10 binary batches"),
              std::string::npos);
}

TEST_F(Datasets, AClassifierLearnsASeparableImdbFolder) {
    for (int i = 0; i < 6; ++i) {
        write("reviews/train/pos/" + std::to_string(i) + ".txt", std::string(16, char('p' + i % 3)));
        write("reviews/train/neg/" + std::to_string(i) + ".txt", std::string(16, char('a' + i % 3)));
    }
    ModelSpec spec = presetSpec("cpu-paper-mqar-mamba2");
    spec.head = "classifier";
    spec.pooling = "mean";
    spec.outputDim = 2;
    spec.dModel = 32;
    for (auto& b : spec.blocks) b.mixer.options["d_state"] = 16;
    Model model = Model::fromSpec(spec);
    TrainOptions o;
    o.task = "task:imdb:dir=" + (dir / "reviews").string() + ",seq_len=16";
    o.steps = 80;
    o.batch = 16;
    o.lr = 3e-3;
    o.evalEvery = 20;
    o.targetAccuracy = 1.0;
    o.out = (dir / "run").string();
    const auto s = train(model, o);
    EXPECT_EQ(s.accuracy, 1.0) << "after " << s.steps << " steps";
    ModelSpec lm = presetSpec("cpu-paper-mqar-mamba2");
    Model lmModel = Model::fromSpec(lm);
    o.out = (dir / "run2").string();
    EXPECT_NE(errorOf([&] { train(lmModel, o); }).find("needs \"head\": \"classifier\""), std::string::npos);
}

}  // namespace
}  // namespace eigenscope::tasks
