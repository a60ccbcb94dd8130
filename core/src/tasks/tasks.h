// Labelled sequence tasks, deterministic from a seed: MQAR (Zoology), selective copying and induction heads.
// Each batch carries its labels (−100 where unsupervised) and the dependency gaps it publishes for alignment.
#pragma once

#include "tasks/mqar.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace eigenscope::tasks {

struct Task {
    std::string name;
    int64_t vocab = 0, seqLen = 0;
    int64_t classes = 0;  // > 0: one label per sequence, labels (B); 0: per-position labels (B, T)
    std::function<TaskBatch(int64_t batch, uint64_t seed)> sample;
};

std::vector<std::string> taskNames();

// `params` as in "task:NAME:key=value,...". Defaults: the model's sequence length and vocabulary.
Task makeTask(const std::string& name, const std::map<std::string, std::string>& params, int64_t defaultSeqLen,
              int64_t defaultVocab);

// Selective copying (Mamba, Gu & Dao 2023): `tokens` data tokens in [2, V) at random positions among noise
// (token 0) in the first T − tokens steps, then `tokens` markers (token 1); the labels at the markers are the
// data tokens in order.
struct SelectiveCopyConfig {
    int64_t vocab = 16, seqLen = 64, tokens = 8;
};
TaskBatch sampleSelectiveCopy(const SelectiveCopyConfig& config, int64_t batch, uint64_t seed);

// Induction heads (Olsson et al. 2022): random tokens in [2, V); the trigger (token 1) once at a random position
// p followed by the answer token, and again at the last step, where the label is the answer.
struct InductionConfig {
    int64_t vocab = 16, seqLen = 64;
};
TaskBatch sampleInduction(const InductionConfig& config, int64_t batch, uint64_t seed);

}  // namespace eigenscope::tasks
