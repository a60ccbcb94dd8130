#include "tasks/tasks.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace eigenscope::tasks {
namespace {

using eigenscope::testing::errorOf;

TEST(SelectiveCopy, MarkersAskForTheDataTokensInOrder) {
    const SelectiveCopyConfig c{10, 30, 5};
    const auto batch = sampleSelectiveCopy(c, 4, 7);
    ASSERT_EQ(batch.inputs.sizes(), (torch::IntArrayRef{4, 30}));
    ASSERT_EQ(batch.dependencyGaps.size(), 20u);
    for (int64_t b = 0; b < 4; ++b) {
        std::vector<int64_t> data, positions;
        for (int64_t t = 0; t < 25; ++t) {
            const int64_t v = batch.inputs[b][t].item<int64_t>();
            EXPECT_NE(v, 1) << "a marker in the body";
            if (v != 0) {
                data.push_back(v);
                positions.push_back(t);
                EXPECT_GE(v, 2);
                EXPECT_LT(v, 10);
            }
            EXPECT_EQ(batch.labels[b][t].item<int64_t>(), -100);
        }
        ASSERT_EQ(data.size(), 5u);
        for (int64_t i = 0; i < 5; ++i) {
            EXPECT_EQ(batch.inputs[b][25 + i].item<int64_t>(), 1);
            EXPECT_EQ(batch.labels[b][25 + i].item<int64_t>(), data[size_t(i)]);
            EXPECT_EQ(batch.dependencyGaps[size_t(b * 5 + i)], 25 + i - positions[size_t(i)]);
        }
    }
    EXPECT_TRUE(torch::equal(sampleSelectiveCopy(c, 4, 7).inputs, batch.inputs)) << "not deterministic";
    EXPECT_FALSE(torch::equal(sampleSelectiveCopy(c, 4, 8).inputs, batch.inputs));
}

TEST(Induction, TheLastTriggerAsksForTheTokenAfterTheFirst) {
    const InductionConfig c{12, 20};
    const auto batch = sampleInduction(c, 6, 3);
    for (int64_t b = 0; b < 6; ++b) {
        int64_t first = -1, triggers = 0;
        for (int64_t t = 0; t < 20; ++t)
            if (batch.inputs[b][t].item<int64_t>() == 1) {
                if (first < 0) first = t;
                ++triggers;
            }
        ASSERT_GE(first, 0);
        EXPECT_EQ(triggers, 2) << "the trigger appears exactly twice";
        EXPECT_EQ(batch.inputs[b][19].item<int64_t>(), 1);
        EXPECT_EQ(batch.labels[b][19].item<int64_t>(), batch.inputs[b][first + 1].item<int64_t>());
        EXPECT_EQ((batch.labels[b] != -100).sum().item<int64_t>(), 1);
        EXPECT_EQ(batch.dependencyGaps[size_t(b)], 19 - (first + 1));
    }
    EXPECT_TRUE(torch::equal(sampleInduction(c, 6, 3).labels, batch.labels));
}

TEST(Tasks, RegistryParsesParametersAndRejectsBadOnes) {
    const auto task = makeTask("selective_copy", {{"tokens", "4"}, {"seq_len", "24"}}, 128, 256);
    EXPECT_EQ(task.seqLen, 24);
    EXPECT_EQ(task.vocab, 16);
    EXPECT_EQ(task.sample(3, 1).labels.size(1), 24);
    EXPECT_EQ(makeTask("mqar", {{"seq_len", "16"}, {"kv_pairs", "2"}, {"vocab", "32"}}, 128, 256).seqLen, 16);
    EXPECT_NE(errorOf([] { makeTask("selective_copy", {{"tokens", "40"}}, 64, 256); }).find("tokens must be in"), std::string::npos);
    EXPECT_NE(errorOf([] { makeTask("induction", {{"width", "3"}}, 64, 256); }).find("unknown parameter \"width\""), std::string::npos);
    EXPECT_NE(errorOf([] { makeTask("copying", {}, 64, 256); }).find("unknown task"), std::string::npos);
}

}  // namespace
}  // namespace eigenscope::tasks
