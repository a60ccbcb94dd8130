// Multi-query associative recall (Zoology's multiquery_ar, as copied by the paper's dataloaders/mqar.py):
// keys in [1, V/2), values in [V/2, V), context k₁ v₁ … k_n v_n, each key queried once at a power-law gap,
// the label (the key's value) at the query's own position, −100 elsewhere.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace eigenscope::tasks {

struct MqarConfig {
    int64_t vocab = 8192;
    int64_t seqLen = 512;
    int64_t kvPairs = 64;
    double powerA = 0.01;
    bool randomNonQueries = true;
};

// Reads key=value parameters (vocab, seq_len, kv_pairs, power_a, random_non_queries); errors name the key.
MqarConfig mqarConfig(const std::map<std::string, std::string>& params, int64_t defaultSeqLen, int64_t defaultVocab);

struct TaskBatch {
    torch::Tensor inputs;                 // (B, T) int64
    torch::Tensor labels;                 // (B, T) int64, −100 where unsupervised
    std::vector<int64_t> dependencyGaps;  // query position − key position, one per query
};

// Deterministic in (config, batch, seed).
TaskBatch sampleMqar(const MqarConfig& config, int64_t batch, uint64_t seed);

}  // namespace eigenscope::tasks
