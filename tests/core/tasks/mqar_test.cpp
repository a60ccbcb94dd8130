// MQAR against its definition (Zoology multiquery_ar as used by the paper's dataloaders/mqar.py).
#include "eigenscope/error.h"
#include "tasks/mqar.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <set>

namespace eigenscope {
namespace {

TEST(Mqar, BatchesFollowTheDefinition) {
    tasks::MqarConfig c;
    c.vocab = 64;
    c.seqLen = 64;
    c.kvPairs = 4;
    const auto batch = tasks::sampleMqar(c, 50, 7);
    ASSERT_EQ(batch.inputs.sizes(), (std::vector<int64_t>{50, 64}));
    ASSERT_EQ(batch.dependencyGaps.size(), 200u);
    auto x = batch.inputs.accessor<int64_t, 2>();
    auto y = batch.labels.accessor<int64_t, 2>();
    for (int64_t b = 0; b < 50; ++b) {
        std::set<int64_t> keys;
        for (int64_t i = 0; i < 4; ++i) {
            EXPECT_GE(x[b][2 * i], 1);
            EXPECT_LT(x[b][2 * i], 32);
            EXPECT_GE(x[b][2 * i + 1], 32);
            EXPECT_LT(x[b][2 * i + 1], 64);
            keys.insert(x[b][2 * i]);
        }
        EXPECT_EQ(keys.size(), 4u) << "keys of one example are distinct";
        int64_t labelled = 0;
        for (int64_t t = 0; t < 64; ++t) {
            if (y[b][t] == -100) continue;
            ++labelled;
            // The label sits at the query's own position and is the value stored after that key.
            EXPECT_GE(t, 8);
            EXPECT_EQ(t % 2, 0);
            int64_t slot = -1;
            for (int64_t i = 0; i < 4; ++i)
                if (x[b][2 * i] == x[b][t]) slot = i;
            ASSERT_GE(slot, 0) << "the query token is one of the keys";
            EXPECT_EQ(y[b][t], x[b][2 * slot + 1]);
        }
        EXPECT_EQ(labelled, 4);
    }
    for (int64_t g : batch.dependencyGaps) {
        EXPECT_GE(g, 2);
        EXPECT_LE(g, 62);
    }
}

// Pearson's χ² of observed counts against probabilities.
double chiSquare(const std::vector<double>& counts, const std::vector<double>& p) {
    double total = 0, chi = 0;
    for (double c : counts) total += c;
    for (size_t i = 0; i < counts.size(); ++i) chi += std::pow(counts[i] - total * p[i], 2) / (total * p[i]);
    return chi;
}

// The query of a single pair sits at slot g of the (T − 2)/2 free slots with probability ∝ a·(g + 1)^(a − 1)
// (Zoology's power law). The sampled slots fit that law and not its look-alikes.
TEST(Mqar, QuerySlotsFollowThePowerLaw) {
    tasks::MqarConfig c;
    c.vocab = 64;
    c.seqLen = 64;
    c.kvPairs = 1;
    c.powerA = 0.3;
    const auto batch = tasks::sampleMqar(c, 20000, 11);
    const int slots = 31;
    std::vector<double> counts(slots, 0.0);
    for (int64_t gap : batch.dependencyGaps) counts[size_t((gap - 2) / 2)] += 1;
    const auto law = [&](const std::function<double(double)>& weight) {
        std::vector<double> p(slots);
        double sum = 0;
        for (int g = 0; g < slots; ++g) sum += p[size_t(g)] = weight(g + 1.0);
        for (double& v : p) v /= sum;
        return p;
    };
    const double a = c.powerA;
    // 30 degrees of freedom: P(χ² > 59.7) = 0.001 for the right law.
    EXPECT_LT(chiSquare(counts, law([&](double x) { return a * std::pow(x, a - 1); })), 59.7);
    EXPECT_GT(chiSquare(counts, law([&](double x) { return std::pow(x, -a); })), 500.0);       // the exponent's sign
    EXPECT_GT(chiSquare(counts, law([&](double x) { return std::pow(x, a - 1.2); })), 500.0);  // a shifted exponent
    EXPECT_GT(chiSquare(counts, law([](double) { return 1.0; })), 500.0);                     // uniform
}

TEST(Mqar, DeterministicInTheSeed) {
    tasks::MqarConfig c;
    c.vocab = 256;
    c.seqLen = 128;
    c.kvPairs = 8;
    EXPECT_TRUE(torch::equal(tasks::sampleMqar(c, 4, 1).inputs, tasks::sampleMqar(c, 4, 1).inputs));
    EXPECT_FALSE(torch::equal(tasks::sampleMqar(c, 4, 1).inputs, tasks::sampleMqar(c, 4, 2).inputs));
}

TEST(Mqar, BadParametersAreClearErrors) {
    EXPECT_THROW(tasks::mqarConfig({{"seq_len", "63"}}, 64, 64), Error);
    EXPECT_THROW(tasks::mqarConfig({{"kv_pairs", "17"}}, 64, 64), Error);
    EXPECT_THROW(tasks::mqarConfig({{"vocab", "abc"}}, 64, 64), Error);
    EXPECT_THROW(tasks::mqarConfig({{"colour", "red"}}, 64, 64), Error);
    EXPECT_NO_THROW(tasks::mqarConfig({{"seq_len", "64"}, {"kv_pairs", "4"}, {"vocab", "64"}}, 128, 256));
    EXPECT_THROW(tasks::mqarConfig({{"kv_pairs", "32"}}, 256, 64), Error) << "31 distinct keys for 32 pairs";
}

TEST(Mqar, DefaultPairsFollowTheSequenceLengthAndTheVocabulary) {
    EXPECT_EQ(tasks::mqarConfig({}, 256, 8192).kvPairs, 32);
    EXPECT_EQ(tasks::mqarConfig({{"seq_len", "64"}}, 256, 8192).kvPairs, 8) << "the seq_len parameter, not the default";
    EXPECT_EQ(tasks::mqarConfig({}, 256, 64).kvPairs, 31) << "a vocabulary of 64 has 31 keys";
    EXPECT_EQ(tasks::mqarConfig({}, 2048, 48).kvPairs, 23);
}

}  // namespace
}  // namespace eigenscope
