#include "tasks/tasks.h"

#include "tasks/datasets.h"

#include "eigenscope/error.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace eigenscope::tasks {

namespace {

int64_t intParam(const std::string& task, const std::string& key, const std::string& value) {
    try {
        size_t used = 0;
        const long long v = std::stoll(value, &used);
        if (used == value.size()) return v;
    } catch (const std::exception&) {
    }
    throw Error("task:" + task + ": " + key + "=" + value + " is not an integer");
}

}  // namespace

std::vector<std::string> taskNames() { return {"mqar", "selective_copy", "induction", "listops", "imdb", "cifar10", "text"}; }

TaskBatch sampleSelectiveCopy(const SelectiveCopyConfig& c, int64_t batch, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t T = c.seqLen, n = c.tokens, body = T - n;
    auto inputs = torch::zeros({batch, T}, torch::kLong);
    auto labels = torch::full({batch, T}, -100, torch::kLong);
    auto in = inputs.accessor<int64_t, 2>();
    auto lab = labels.accessor<int64_t, 2>();
    TaskBatch out;
    std::vector<int64_t> positions(static_cast<size_t>(body));
    std::uniform_int_distribution<int64_t> token(2, c.vocab - 1);
    for (int64_t b = 0; b < batch; ++b) {
        std::iota(positions.begin(), positions.end(), 0);
        std::shuffle(positions.begin(), positions.end(), rng);
        std::vector<int64_t> chosen(positions.begin(), positions.begin() + n);
        std::sort(chosen.begin(), chosen.end());
        for (int64_t i = 0; i < n; ++i) {
            const int64_t value = token(rng);
            in[b][chosen[size_t(i)]] = value;
            in[b][body + i] = 1;
            lab[b][body + i] = value;
            out.dependencyGaps.push_back(body + i - chosen[size_t(i)]);
        }
    }
    out.inputs = inputs;
    out.labels = labels;
    return out;
}

TaskBatch sampleInduction(const InductionConfig& c, int64_t batch, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t T = c.seqLen;
    auto inputs = torch::empty({batch, T}, torch::kLong);
    auto labels = torch::full({batch, T}, -100, torch::kLong);
    auto in = inputs.accessor<int64_t, 2>();
    auto lab = labels.accessor<int64_t, 2>();
    TaskBatch out;
    std::uniform_int_distribution<int64_t> token(2, c.vocab - 1), position(0, T - 3);
    for (int64_t b = 0; b < batch; ++b) {
        for (int64_t t = 0; t < T; ++t) in[b][t] = token(rng);
        const int64_t p = position(rng), answer = token(rng);
        in[b][p] = 1;
        in[b][p + 1] = answer;
        in[b][T - 1] = 1;
        lab[b][T - 1] = answer;
        out.dependencyGaps.push_back(T - 1 - (p + 1));
    }
    out.inputs = inputs;
    out.labels = labels;
    return out;
}

Task makeTask(const std::string& name, const std::map<std::string, std::string>& params, int64_t defaultSeqLen,
              int64_t defaultVocab) {
    Task task;
    task.name = name;
    if (name == "mqar") {
        const auto c = mqarConfig(params, defaultSeqLen, defaultVocab);
        task.vocab = c.vocab;
        task.seqLen = c.seqLen;
        task.sample = [c](int64_t batch, uint64_t seed) { return sampleMqar(c, batch, seed); };
        return task;
    }
    if (name == "selective_copy") {
        SelectiveCopyConfig c{std::min<int64_t>(defaultVocab, 16), defaultSeqLen, 8};
        for (const auto& [key, value] : params) {
            if (key == "vocab") c.vocab = intParam(name, key, value);
            else if (key == "seq_len") c.seqLen = intParam(name, key, value);
            else if (key == "tokens") c.tokens = intParam(name, key, value);
            else throw Error("task:selective_copy: unknown parameter \"" + key + "\" (vocab, seq_len, tokens)");
        }
        if (c.vocab < 3) throw Error("task:selective_copy: vocab must be at least 3 (noise, marker, data)");
        if (c.tokens < 1 || 2 * c.tokens > c.seqLen) throw Error("task:selective_copy: tokens must be in [1, seq_len/2]");
        task.vocab = c.vocab;
        task.seqLen = c.seqLen;
        task.sample = [c](int64_t batch, uint64_t seed) { return sampleSelectiveCopy(c, batch, seed); };
        return task;
    }
    if (name == "induction") {
        InductionConfig c{std::min<int64_t>(defaultVocab, 16), defaultSeqLen};
        for (const auto& [key, value] : params) {
            if (key == "vocab") c.vocab = intParam(name, key, value);
            else if (key == "seq_len") c.seqLen = intParam(name, key, value);
            else throw Error("task:induction: unknown parameter \"" + key + "\" (vocab, seq_len)");
        }
        if (c.vocab < 3) throw Error("task:induction: vocab must be at least 3 (trigger and two tokens)");
        if (c.seqLen < 4) throw Error("task:induction: seq_len must be at least 4");
        task.vocab = c.vocab;
        task.seqLen = c.seqLen;
        task.sample = [c](int64_t batch, uint64_t seed) { return sampleInduction(c, batch, seed); };
        return task;
    }
    if (name == "listops" || name == "imdb" || name == "cifar10" || name == "text")
        return makeDatasetTask(name, params, defaultSeqLen);
    std::string known;
    for (const auto& n : taskNames()) known += (known.empty() ? "" : ", ") + n;
    throw Error("task:" + name + ": unknown task (known: " + known + ")");
}

}  // namespace eigenscope::tasks
