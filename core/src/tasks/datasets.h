// Classification and language-modelling tasks: a ListOps generator (LRA's MAX/MIN/MED/SM expressions) with its
// evaluator and a reader for the LRA tsv files, and readers for data a user has on disk: IMDb (the aclImdb
// folder, character level), CIFAR-10 binary batches (sequential grayscale, L = 1024) and raw text (bytes,
// next-token prediction). A missing or malformed file is an error naming the file.
#pragma once

#include "tasks/tasks.h"

#include <map>
#include <string>
#include <vector>

namespace eigenscope::tasks {

// ListOps tokens: 0 pad, digits d → d + 1, then [MIN 11, [MAX 12, [MED 13, [SM 14, ] 15.
inline constexpr int64_t kListOpsVocab = 16;
std::vector<int64_t> listOpsTokens(const std::string& expression, const std::string& origin);
// The value (0–9) of a token sequence (padding ignored); throws on a malformed expression.
int64_t evaluateListOps(const std::vector<int64_t>& tokens);

struct ListOpsConfig {
    int64_t seqLen = 512, maxDepth = 10, maxArgs = 10, minLength = 0;  // minLength 0: seqLen / 4
};
// One random expression (LRA's generator: each argument is a digit or, below maxDepth, a nested operation).
std::vector<int64_t> generateListOps(const ListOpsConfig& config, uint64_t seed);

// Classification and file-backed tasks by name: listops (generator, or file=PATH.tsv), imdb (dir=aclImdb,
// split=train|test), cifar10 (dir=…, split=train|test), text (file=PATH).
Task makeDatasetTask(const std::string& name, const std::map<std::string, std::string>& params, int64_t defaultSeqLen);

}  // namespace eigenscope::tasks
