#include "spectra/inputs.h"

#include "io/npy.h"
#include "tasks/tasks.h"
#include "text/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <sstream>

namespace eigenscope {

namespace {

std::map<std::string, std::string> parseParams(const std::string& text, const std::string& where) {
    std::map<std::string, std::string> params;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) throw Error(where + ": expected key=value, got \"" + item + "\"");
        params[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return params;
}

}  // namespace

InputSpec parseInputSpec(const std::string& text) {
    InputSpec spec;
    const auto colon = text.find(':');
    const std::string kind = text.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (kind == "randn" || kind == "impulse") {
        if (!rest.empty()) throw Error("input " + text + ": " + kind + " takes no arguments");
        spec.kind = kind;
    } else if (kind == "tokens" || kind == "embed") {
        if (rest.empty()) throw Error("input " + text + ": expected " + kind + ":FILE.npy");
        spec.kind = kind;
        spec.path = rest;
    } else if (kind == "text") {
        if (rest.empty()) throw Error("input text: expected text:SOME TEXT");
        spec.kind = kind;
        spec.text = rest;
    } else if (kind == "text-file") {
        if (rest.empty()) throw Error("input text-file: expected text-file:FILE");
        spec.kind = "text";
        spec.path = rest;
    } else if (kind == "task") {
        const auto next = rest.find(':');
        spec.kind = "task";
        spec.task = rest.substr(0, next);
        const auto known = tasks::taskNames();
        if (std::find(known.begin(), known.end(), spec.task) == known.end())
            throw Error("input " + text + ": unknown task \"" + spec.task + "\" (known: mqar, selective_copy, induction, listops, imdb, cifar10, text)");
        if (next != std::string::npos) spec.params = parseParams(rest.substr(next + 1), "input " + text);
    } else {
        throw Error("input " + text +
                    ": expected randn, impulse, tokens:FILE.npy, embed:FILE.npy, text:TEXT, text-file:FILE or "
                    "task:NAME[:k=v,...]");
    }
    return spec;
}

std::string describeInput(const InputSpec& input) {
    std::string text = input.kind == "text" && !input.path.empty() ? "text-file" : input.kind;
    if (!input.path.empty()) text += ":" + input.path;
    if (!input.text.empty()) text += ":" + input.text;
    if (!input.task.empty()) text += ":" + input.task;
    std::string params;
    for (const auto& [k, v] : input.params) params += (params.empty() ? "" : ",") + k + "=" + v;
    if (!params.empty()) text += ":" + params;
    return text;
}

namespace spectra {

namespace {

std::string readTextFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open the text file");
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size > std::streamoff(64) << 20) throw Error(path + ": a text input of more than 64 MiB is absurd");
    in.seekg(0);
    std::string text(size_t(size), '\0');
    in.read(text.data(), size);
    return text;
}

}  // namespace

BuiltInput buildInput(const ModelSpec& spec, const InputSpec& input, const std::string& tokenizer) {
    const int64_t T = input.seqLen > 0 ? input.seqLen : spec.seqLen;
    const int64_t B = input.batch;
    if (B < 1 || B > (1 << 20)) throw Error("input: batch " + std::to_string(B) + " is outside [1, 2^20]");
    if (T < 1 || T > (1 << 22)) throw Error("input: sequence length " + std::to_string(T) + " is outside [1, 2^22]");
    if (spec.maxPositions > 0 && T > spec.maxPositions)
        throw Error("input: sequence length " + std::to_string(T) + " exceeds the " + std::to_string(spec.maxPositions) +
                    " learned positions of this model");
    auto generator = at::detail::createCPUGenerator(input.seed);
    BuiltInput built;
    if (input.kind == "randn") {
        built.embeddings = torch::randn({B, T, spec.dModel}, generator, torch::kFloat32);
    } else if (input.kind == "impulse") {
        // A Gaussian token at t = 0 and silence after: the response shows what each layer carries forward.
        built.embeddings = torch::zeros({B, T, spec.dModel});
        built.embeddings.select(1, 0).copy_(torch::randn({B, spec.dModel}, generator, torch::kFloat32));
    } else if (input.kind == "tokens") {
        const auto tokens = io::readNpy(input.path);
        if (tokens.is_floating_point() || tokens.is_complex() || tokens.scalar_type() == torch::kBool)
            throw Error(input.path + ": token ids must be integers, the file holds " + std::string(c10::toString(tokens.scalar_type())));
        if (tokens.dim() != 2) throw Error(input.path + ": token ids must have shape (B, T), the file has rank " + std::to_string(tokens.dim()));
        if (tokens.size(0) < 1 || tokens.size(1) < 1) throw Error(input.path + ": empty token array (B or T is 0)");
        built.tokens = tokens.to(torch::kLong);
    } else if (input.kind == "text") {
        if (spec.encoder == "linear") throw Error("input text: the model takes continuous inputs, not tokens");
        const std::string text = input.path.empty() ? input.text : readTextFile(input.path);
        const std::string origin = input.path.empty() ? "input text" : input.path;
        if (text.empty()) throw Error(origin + ": the text is empty");
        std::vector<int64_t> ids;
        if (!tokenizer.empty()) {
            const auto model = text::Tokenizer::open(tokenizer);
            ids = model->encode(text).ids;
            for (int64_t id : ids) built.tokenText.push_back(model->display(id));
            built.note = "tokenized with " + tokenizer + " (" + model->describe() + ")";
        } else {
            for (unsigned char byte : text) {
                ids.push_back(byte);
                char hex[8];
                std::snprintf(hex, sizeof hex, "<0x%02X>", unsigned(byte));  // a byte of a multi-byte character
                built.tokenText.push_back(byte < 0x80 ? std::string(1, char(byte)) : std::string(hex));
            }
            built.note = "read as UTF-8 bytes: the model has no tokenizer.json";
        }
        if (ids.empty()) throw Error(origin + ": the text gives no tokens");
        if (int64_t(ids.size()) > (int64_t(1) << 22))
            throw Error(origin + ": " + std::to_string(ids.size()) + " tokens are more than the 2^22 an input may have");
        for (size_t i = 0; i < ids.size(); ++i)
            if (ids[i] >= spec.vocabSize)
                throw Error(origin + ": token " + std::to_string(ids[i]) + " (\"" + built.tokenText[i] + "\") at step " +
                            std::to_string(i) + " is outside the model's vocabulary of " + std::to_string(spec.vocabSize));
        built.tokens = torch::tensor(ids, torch::kLong).unsqueeze(0);
        if (spec.maxPositions > 0 && built.tokens.size(1) > spec.maxPositions)
            throw Error(origin + ": " + std::to_string(built.tokens.size(1)) + " tokens exceed the " +
                        std::to_string(spec.maxPositions) + " learned positions of this model");
    } else if (input.kind == "embed") {
        const auto x = io::readNpy(input.path);
        if (!x.is_floating_point()) throw Error(input.path + ": embeddings must be float32 or float64");
        if (x.dim() != 3 || x.size(2) != spec.dModel)
            throw Error(input.path + ": embeddings must have shape (B, T, " + std::to_string(spec.dModel) + ")");
        if (x.size(0) < 1 || x.size(1) < 1) throw Error(input.path + ": empty embedding array (B or T is 0)");
        if (!torch::isfinite(x).all().item<bool>()) throw Error(input.path + ": embeddings contain NaN or Inf");
        built.embeddings = x.to(torch::kFloat32);
    } else {
        if (spec.encoder == "linear") throw Error("input task:" + input.task + ": the model takes continuous inputs, not tokens");
        const auto task = tasks::makeTask(input.task, input.params, T, spec.vocabSize);
        if (task.vocab > spec.vocabSize)
            throw Error("input task:" + input.task + ": vocab=" + std::to_string(task.vocab) + " exceeds the model's vocabulary " +
                        std::to_string(spec.vocabSize));
        auto batch = task.sample(B, input.seed);
        built.tokens = batch.inputs;
        built.gaps = std::move(batch.dependencyGaps);
    }
    return built;
}

}  // namespace spectra
}  // namespace eigenscope
