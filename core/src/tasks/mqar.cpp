#include "tasks/mqar.h"

#include "eigenscope/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace eigenscope::tasks {

namespace {

int64_t parseInt(const std::string& key, const std::string& value) {
    try {
        size_t used = 0;
        const long long v = std::stoll(value, &used);
        if (used == value.size()) return v;
    } catch (const std::exception&) {
    }
    throw Error("task:mqar: " + key + "=" + value + " is not an integer");
}

// k distinct draws from {0..n-1} with probabilities p (numpy's choice without replacement, by sequential draws).
std::vector<int64_t> drawWithoutReplacement(std::vector<double> p, int64_t k, std::mt19937_64& rng) {
    std::vector<int64_t> out;
    for (int64_t i = 0; i < k; ++i) {
        std::discrete_distribution<int64_t> pick(p.begin(), p.end());
        const int64_t chosen = pick(rng);
        out.push_back(chosen);
        p[size_t(chosen)] = 0.0;
    }
    return out;
}

}  // namespace

MqarConfig mqarConfig(const std::map<std::string, std::string>& params, int64_t defaultSeqLen, int64_t defaultVocab) {
    MqarConfig c;
    c.seqLen = defaultSeqLen;
    c.vocab = defaultVocab;
    c.kvPairs = 0;
    for (const auto& [key, value] : params) {
        if (key == "vocab") c.vocab = parseInt(key, value);
        else if (key == "seq_len") c.seqLen = parseInt(key, value);
        else if (key == "kv_pairs") c.kvPairs = parseInt(key, value);
        else if (key == "power_a") c.powerA = std::stod(value);
        else if (key == "random_non_queries") c.randomNonQueries = value == "1" || value == "true";
        else throw Error("task:mqar: unknown parameter \"" + key + "\" (vocab, seq_len, kv_pairs, power_a, random_non_queries)");
    }
    // Unless given: seq_len/8 pairs, as many as a small vocabulary has distinct keys for.
    if (!params.count("kv_pairs")) c.kvPairs = std::max<int64_t>(1, std::min(c.seqLen / 8, c.vocab / 2 - 1));
    if (c.seqLen < 4 || c.seqLen % 2 != 0) throw Error("task:mqar: seq_len must be even and at least 4");
    if (c.kvPairs < 1 || 4 * c.kvPairs > c.seqLen) throw Error("task:mqar: kv_pairs must be in [1, seq_len/4]");
    if (c.vocab / 2 - 1 < c.kvPairs) throw Error("task:mqar: vocab/2 − 1 must be at least kv_pairs (distinct keys)");
    if (!(c.powerA > 0)) throw Error("task:mqar: power_a must be positive");
    return c;
}

TaskBatch sampleMqar(const MqarConfig& c, int64_t batch, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t T = c.seqLen, n = c.kvPairs, context = 2 * n;
    const int64_t space = (T - context) / 2;
    std::vector<double> gapWeights(static_cast<size_t>(space));
    for (int64_t g = 0; g < space; ++g) gapWeights[size_t(g)] = c.powerA * std::pow(double(g + 1), c.powerA - 1.0);

    auto inputs = torch::zeros({batch, T + 1}, torch::kLong);
    auto labels = torch::full({batch, T + 1}, -100, torch::kLong);
    auto in = inputs.accessor<int64_t, 2>();
    auto lab = labels.accessor<int64_t, 2>();
    TaskBatch out;
    std::vector<int64_t> keys(size_t(c.vocab / 2 - 1)), values(size_t(c.vocab - c.vocab / 2));
    for (int64_t b = 0; b < batch; ++b) {
        std::iota(keys.begin(), keys.end(), 1);
        std::iota(values.begin(), values.end(), c.vocab / 2);
        std::shuffle(keys.begin(), keys.end(), rng);
        std::shuffle(values.begin(), values.end(), rng);
        const auto gaps = drawWithoutReplacement(gapWeights, n, rng);
        for (int64_t i = 0; i < n; ++i) {
            in[b][2 * i] = keys[size_t(i)];
            in[b][2 * i + 1] = values[size_t(i)];
            const int64_t query = context + 2 * gaps[size_t(i)];
            in[b][query] = keys[size_t(i)];
            lab[b][query + 1] = values[size_t(i)];
            out.dependencyGaps.push_back(query - 2 * i);
        }
    }
    // inputs = example[:, :T], labels = labels[:, 1:]: the label sits at the query's own position.
    out.inputs = inputs.narrow(1, 0, T).clone();
    out.labels = labels.narrow(1, 1, T).clone();
    if (c.randomNonQueries) {
        auto x = out.inputs.accessor<int64_t, 2>();
        std::uniform_int_distribution<int64_t> token(0, c.vocab - 1);
        for (int64_t b = 0; b < batch; ++b)
            for (int64_t t = context; t < T; ++t)
                if (x[b][t] == 0) x[b][t] = token(rng);
    }
    return out;
}

}  // namespace eigenscope::tasks
