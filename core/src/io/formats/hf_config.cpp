#include "io/formats/hf_config.h"

#include "eigenscope/error.h"

#include <algorithm>
#include <limits>

namespace eigenscope::io::hf {

bool present(const nlohmann::json& c, const std::string& key) { return c.contains(key) && !c[key].is_null(); }

int64_t integer(const nlohmann::json& c, const std::string& key, int64_t fallback, const std::string& origin) {
    if (!present(c, key)) return fallback;
    if (!c[key].is_number_integer()) throw Error(origin + ": " + key + " is not an integer");
    return c[key].get<int64_t>();
}

double number(const nlohmann::json& c, const std::string& key, double fallback, const std::string& origin) {
    if (!present(c, key)) return fallback;
    if (!c[key].is_number()) throw Error(origin + ": " + key + " is not a number");
    return c[key].get<double>();
}

bool flag(const nlohmann::json& c, const std::string& key, bool fallback, const std::string& origin) {
    if (!present(c, key)) return fallback;
    if (!c[key].is_boolean()) throw Error(origin + ": " + key + " is not true or false");
    return c[key].get<bool>();
}

void checkTimeStepLimit(const nlohmann::json& c, const std::string& origin) {
    if (!present(c, "time_step_limit")) return;
    const auto& limit = c["time_step_limit"];
    const auto value = [&](const nlohmann::json& v) {
        const nlohmann::json& text = v.is_object() && v.contains("__float__") ? v["__float__"] : v;
        if (text.is_number()) return text.get<double>();
        if (text == "Infinity" || text == "inf") return std::numeric_limits<double>::infinity();
        throw Error(origin + ": time_step_limit holds " + v.dump() + ", not a number");
    };
    if (!limit.is_array() || limit.size() != 2) throw Error(origin + ": time_step_limit is not a pair");
    if (value(limit[0]) != 0.0 || value(limit[1]) < 1e6)
        refuse(origin, "time_step_limit " + limit.dump() + " (a clamp of Δ; only (0, ∞) is implemented)");
}

void tieHeadIfMissing(ImportedModel& out, bool hasHead, bool tied, const torch::Tensor& embedding,
                      const std::string& origin) {
    if (hasHead) return;
    if (!tied) throw Error(origin + ": lm_head.weight is missing and the config does not tie it to the embedding");
    out.tensors.emplace_back("decoder.weight", embedding);
    out.warnings.push_back("lm_head.weight rebuilt from the tied embedding");
}

std::string withQuotedNonFinite(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (inString) {
            out += ch;
            if (ch == '\\' && i + 1 < text.size()) out += text[++i];
            else if (ch == '"') inString = false;
            continue;
        }
        if (ch == '"') inString = true;
        bool replaced = false;
        for (const char* word : {"-Infinity", "Infinity", "NaN"}) {
            const size_t n = std::char_traits<char>::length(word);
            if (text.compare(i, n, word) == 0) {
                out += '"' + std::string(word) + '"';
                i += n - 1;
                replaced = true;
                break;
            }
        }
        if (!replaced) out += ch;
    }
    return out;
}

void refuse(const std::string& origin, const std::string& what) { throw Error(origin + ": " + what + " is not supported"); }

ModelSpec rmsDecoderSpec(const nlohmann::json& c, const std::string& name, const std::string& epsKey, int64_t defaultWidth,
                         int64_t defaultLayers, int64_t embeddingRows, int64_t embeddingColumns, int64_t& layers,
                         const std::string& origin) {
    ModelSpec spec;
    spec.name = name;
    spec.style = "standard";
    spec.encoder = "tokens";
    spec.dModel = integer(c, "hidden_size", defaultWidth, origin);
    spec.vocabSize = integer(c, "vocab_size", 32000, origin);
    spec.norm = "rms";
    spec.normEps = number(c, epsKey, 1e-6, origin);
    spec.normPosition = "pre";
    spec.finalNorm = true;
    spec.head = "lm";
    spec.headBias = false;
    spec.seqLen = std::min(integer(c, "max_position_embeddings", 2048, origin), kDefaultInputLength);
    layers = integer(c, "num_hidden_layers", defaultLayers, origin);
    if (layers <= 0 || layers > 4096) throw Error(origin + ": num_hidden_layers " + std::to_string(layers) + " is absurd");
    if (embeddingRows != spec.vocabSize || embeddingColumns != spec.dModel)
        throw Error(origin + ": config.json gives a vocabulary of " + std::to_string(spec.vocabSize) + " and width " +
                    std::to_string(spec.dModel) + ", the embedding is " + std::to_string(embeddingRows) + " × " +
                    std::to_string(embeddingColumns));
    return spec;
}

}  // namespace eigenscope::io::hf
