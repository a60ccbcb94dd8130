#include "tasks/datasets.h"

#include "eigenscope/error.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace eigenscope::tasks {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMin = 11, kMax = 12, kMed = 13, kSum = 14, kEnd = 15;

std::string required(const std::map<std::string, std::string>& params, const std::string& key, const std::string& task) {
    const auto found = params.find(key);
    if (found == params.end() || found->second.empty()) throw Error("task:" + task + ": needs " + key + "=PATH");
    return found->second;
}

int64_t intParam(const std::map<std::string, std::string>& params, const std::string& key, int64_t fallback, const std::string& task) {
    const auto found = params.find(key);
    if (found == params.end()) return fallback;
    try {
        size_t used = 0;
        const long long v = std::stoll(found->second, &used);
        if (used == found->second.size()) return v;
    } catch (const std::exception&) {
    }
    throw Error("task:" + task + ": " + key + "=" + found->second + " is not an integer");
}

void checkKnown(const std::map<std::string, std::string>& params, const std::vector<std::string>& known, const std::string& task) {
    for (const auto& [key, unused] : params)
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            throw Error("task:" + task + ": unknown parameter \"" + key + "\" (" + list + ")");
        }
}

std::string readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A batch of whole sequences (each padded or cut to `seqLen`) drawn by seed from `rows`.
TaskBatch drawRows(const std::vector<std::vector<int64_t>>& rows, const std::vector<int64_t>& labels, int64_t seqLen,
                   int64_t batch, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, rows.size() - 1);
    TaskBatch out;
    out.inputs = torch::zeros({batch, seqLen}, torch::kLong);
    out.labels = torch::empty({batch}, torch::kLong);
    auto in = out.inputs.accessor<int64_t, 2>();
    for (int64_t b = 0; b < batch; ++b) {
        const size_t i = pick(rng);
        const auto& row = rows[i];
        for (int64_t t = 0; t < std::min<int64_t>(seqLen, int64_t(row.size())); ++t) in[b][t] = row[size_t(t)];
        out.labels[b] = labels[i];
    }
    return out;
}

int64_t generateTree(int depth, const ListOpsConfig& c, std::mt19937_64& rng, std::vector<int64_t>& out) {
    // LRA's listops.py: below the depth limit an argument is a digit with probability 0.75, else an operation
    // with 2..max_args arguments.
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    std::uniform_int_distribution<int64_t> digit(0, 9), op(0, 3), args(2, c.maxArgs);
    const double r = depth < c.maxDepth ? coin(rng) : 1.0;
    if (r > 0.25) {
        out.push_back(digit(rng) + 1);
        return 1;
    }
    const int64_t count = args(rng), chosen = op(rng);
    const size_t opIndex = out.size();
    out.push_back(0);
    int64_t length = 2;
    for (int64_t i = 0; i < count; ++i) length += generateTree(depth + 1, c, rng, out);
    out[opIndex] = std::vector<int64_t>{kMin, kMax, kMed, kSum}[size_t(chosen)];
    out.push_back(kEnd);
    return length;
}

}  // namespace

std::vector<int64_t> listOpsTokens(const std::string& expression, const std::string& origin) {
    std::istringstream words(expression);
    std::vector<int64_t> tokens;
    for (std::string w; words >> w;) {
        if (w == "(" || w == ")") continue;  // LRA's tsv files wrap every node in parentheses
        if (w.size() == 1 && w[0] >= '0' && w[0] <= '9') tokens.push_back(w[0] - '0' + 1);
        else if (w == "[MIN") tokens.push_back(kMin);
        else if (w == "[MAX") tokens.push_back(kMax);
        else if (w == "[MED") tokens.push_back(kMed);
        else if (w == "[SM") tokens.push_back(kSum);
        else if (w == "]") tokens.push_back(kEnd);
        else throw Error(origin + ": unknown ListOps token \"" + w + "\"");
    }
    return tokens;
}

int64_t evaluateListOps(const std::vector<int64_t>& tokens) {
    std::vector<std::pair<int64_t, std::vector<int64_t>>> stack;  // open operations and their arguments
    std::vector<int64_t> top;
    for (int64_t t : tokens) {
        if (t == 0) continue;
        if (t >= 1 && t <= 10) {
            (stack.empty() ? top : stack.back().second).push_back(t - 1);
        } else if (t >= kMin && t <= kSum) {
            stack.push_back({t, {}});
        } else if (t == kEnd) {
            if (stack.empty() || stack.back().second.empty()) throw Error("ListOps: ']' without an open operation or arguments");
            auto [op, values] = stack.back();
            stack.pop_back();
            int64_t v = 0;
            if (op == kMin) v = *std::min_element(values.begin(), values.end());
            else if (op == kMax) v = *std::max_element(values.begin(), values.end());
            else if (op == kSum) {
                for (int64_t x : values) v += x;
                v %= 10;
            } else {  // numpy's median, truncated by int() as in LRA's listops.py
                std::sort(values.begin(), values.end());
                const size_t n = values.size();
                v = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
            }
            (stack.empty() ? top : stack.back().second).push_back(v);
        } else {
            throw Error("ListOps: token " + std::to_string(t) + " is outside the vocabulary");
        }
    }
    if (!stack.empty() || top.size() != 1) throw Error("ListOps: the expression is incomplete or has several values");
    return top.front();
}

std::vector<int64_t> generateListOps(const ListOpsConfig& c, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t minLength = c.minLength > 0 ? c.minLength : std::max<int64_t>(1, c.seqLen / 4);
    for (int attempt = 0; attempt < 100000; ++attempt) {
        std::vector<int64_t> tokens;
        const int64_t length = generateTree(1, c, rng, tokens);
        if (length >= minLength && length <= c.seqLen) return tokens;
    }
    throw Error("task:listops: no expression of length " + std::to_string(minLength) + ".." + std::to_string(c.seqLen) +
                " in 100000 draws; change seq_len, min_length, max_depth or max_args");
}

Task makeDatasetTask(const std::string& name, const std::map<std::string, std::string>& params, int64_t defaultSeqLen) {
    Task task;
    task.name = name;
    if (name == "listops") {
        checkKnown(params, {"seq_len", "max_depth", "max_args", "min_length", "file"}, name);
        task.seqLen = intParam(params, "seq_len", defaultSeqLen, name);
        task.vocab = kListOpsVocab;
        task.classes = 10;
        if (task.seqLen < 1) throw Error("task:listops: seq_len must be positive");
        if (params.count("file")) {
            const std::string path = params.at("file");
            std::istringstream lines(readBytes(path));
            auto rows = std::make_shared<std::vector<std::vector<int64_t>>>();
            auto labels = std::make_shared<std::vector<int64_t>>();
            std::string line;
            for (int64_t number = 1; std::getline(lines, line); ++number) {
                if (number == 1 && line.rfind("Source", 0) == 0) continue;
                if (line.empty()) continue;
                const auto tab = line.rfind('\t');
                const std::string where = path + ": line " + std::to_string(number);
                if (tab == std::string::npos) throw Error(where + ": expected \"expression<TAB>label\"");
                const std::string label = line.substr(tab + 1);
                if (label.size() != 1 || label[0] < '0' || label[0] > '9') throw Error(where + ": the label must be a digit 0–9");
                rows->push_back(listOpsTokens(line.substr(0, tab), where));
                labels->push_back(label[0] - '0');
            }
            if (rows->empty()) throw Error(path + ": no ListOps rows");
            const int64_t T = task.seqLen;
            task.sample = [rows, labels, T](int64_t batch, uint64_t seed) { return drawRows(*rows, *labels, T, batch, seed); };
            return task;
        }
        ListOpsConfig c{task.seqLen, intParam(params, "max_depth", 10, name), intParam(params, "max_args", 10, name),
                        intParam(params, "min_length", 0, name)};
        if (c.maxArgs < 2 || c.maxDepth < 1) throw Error("task:listops: max_args must be ≥ 2 and max_depth ≥ 1");
        generateListOps(c, 0);  // fails early when no expression fits
        task.sample = [c](int64_t batch, uint64_t seed) {
            TaskBatch out;
            out.inputs = torch::zeros({batch, c.seqLen}, torch::kLong);
            out.labels = torch::empty({batch}, torch::kLong);
            auto in = out.inputs.accessor<int64_t, 2>();
            std::mt19937_64 rng(seed);
            for (int64_t b = 0; b < batch; ++b) {
                const auto tokens = generateListOps(c, rng());
                for (size_t t = 0; t < tokens.size(); ++t) in[b][int64_t(t)] = tokens[t];
                out.labels[b] = evaluateListOps(tokens);
            }
            return out;
        };
        return task;
    }
    if (name == "imdb") {
        checkKnown(params, {"dir", "split", "seq_len"}, name);
        const fs::path root = required(params, "dir", name);
        const std::string split = params.count("split") ? params.at("split") : "train";
        if (split != "train" && split != "test") throw Error("task:imdb: split must be train or test");
        task.seqLen = intParam(params, "seq_len", defaultSeqLen, name);
        task.vocab = 256;
        task.classes = 2;
        auto rows = std::make_shared<std::vector<std::vector<int64_t>>>();
        auto labels = std::make_shared<std::vector<int64_t>>();
        for (const auto& [folder, label] : {std::pair{"neg", 0}, std::pair{"pos", 1}}) {
            const fs::path dir = root / split / folder;
            if (!fs::is_directory(dir)) throw Error(dir.string() + ": missing (expected the aclImdb layout " + split + "/pos, " + split + "/neg)");
            std::vector<fs::path> files;
            for (const auto& entry : fs::directory_iterator(dir))
                if (entry.path().extension() == ".txt") files.push_back(entry.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files) {
                const std::string text = readBytes(f);
                rows->emplace_back(text.begin(), text.end());
                for (auto& v : rows->back()) v = int64_t(static_cast<unsigned char>(v));
                labels->push_back(label);
            }
        }
        if (rows->empty()) throw Error(root.string() + ": no reviews (*.txt) under " + split + "/pos and " + split + "/neg");
        const int64_t T = task.seqLen;
        task.sample = [rows, labels, T](int64_t batch, uint64_t seed) { return drawRows(*rows, *labels, T, batch, seed); };
        return task;
    }
    if (name == "cifar10") {
        checkKnown(params, {"dir", "split"}, name);
        const fs::path root = required(params, "dir", name);
        const std::string split = params.count("split") ? params.at("split") : "train";
        std::vector<std::string> files;
        if (split == "train") for (int i = 1; i <= 5; ++i) files.push_back("data_batch_" + std::to_string(i) + ".bin");
        else if (split == "test") files.push_back("test_batch.bin");
        else throw Error("task:cifar10: split must be train or test");
        task.seqLen = 1024;
        task.vocab = 256;
        task.classes = 10;
        auto rows = std::make_shared<std::vector<std::vector<int64_t>>>();
        auto labels = std::make_shared<std::vector<int64_t>>();
        constexpr size_t kRecord = 1 + 3 * 1024;
        for (const auto& name_ : files) {
            const fs::path path = root / name_;
            if (!fs::exists(path)) continue;
            const std::string bytes = readBytes(path);
            if (bytes.empty() || bytes.size() % kRecord != 0)
                throw Error(path.string() + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of 3073-byte records");
            for (size_t r = 0; r < bytes.size() / kRecord; ++r) {
                const auto* rec = reinterpret_cast<const unsigned char*>(bytes.data() + r * kRecord);
                if (rec[0] > 9) throw Error(path.string() + ": record " + std::to_string(r) + " has label " + std::to_string(rec[0]));
                labels->push_back(rec[0]);
                std::vector<int64_t> gray(1024);
                for (size_t p = 0; p < 1024; ++p)  // ITU-R 601 luma of the R, G, B planes
                    gray[p] = int64_t(0.299 * rec[1 + p] + 0.587 * rec[1 + 1024 + p] + 0.114 * rec[1 + 2048 + p] + 0.5);
                rows->push_back(std::move(gray));
            }
        }
        if (rows->empty()) throw Error(root.string() + ": no CIFAR-10 binary batches for split " + split + " (" + files.front() + ", …)");
        task.sample = [rows, labels](int64_t batch, uint64_t seed) { return drawRows(*rows, *labels, 1024, batch, seed); };
        return task;
    }
    if (name == "text") {
        checkKnown(params, {"file", "seq_len"}, name);
        const std::string path = required(params, "file", name);
        task.seqLen = intParam(params, "seq_len", defaultSeqLen, name);
        task.vocab = 256;
        auto bytes = std::make_shared<std::string>(readBytes(path));
        if (int64_t(bytes->size()) < task.seqLen + 1)
            throw Error(path + ": " + std::to_string(bytes->size()) + " bytes, fewer than seq_len + 1 = " + std::to_string(task.seqLen + 1));
        const int64_t T = task.seqLen;
        task.sample = [bytes, T](int64_t batch, uint64_t seed) {
            // Windows of T + 1 bytes at random offsets: inputs the first T, labels the next byte at every step.
            std::mt19937_64 rng(seed);
            std::uniform_int_distribution<size_t> start(0, bytes->size() - size_t(T) - 1);
            TaskBatch out;
            out.inputs = torch::empty({batch, T}, torch::kLong);
            out.labels = torch::empty({batch, T}, torch::kLong);
            auto in = out.inputs.accessor<int64_t, 2>();
            auto lab = out.labels.accessor<int64_t, 2>();
            for (int64_t b = 0; b < batch; ++b) {
                const size_t s = start(rng);
                for (int64_t t = 0; t < T; ++t) {
                    in[b][t] = static_cast<unsigned char>((*bytes)[s + size_t(t)]);
                    lab[b][t] = static_cast<unsigned char>((*bytes)[s + size_t(t) + 1]);
                }
            }
            return out;
        };
        return task;
    }
    throw Error("task:" + name + ": unknown task");
}

}  // namespace eigenscope::tasks
