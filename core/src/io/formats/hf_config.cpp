#include "io/formats/hf_config.h"

#include "eigenscope/error.h"

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
    spec.seqLen = integer(c, "max_position_embeddings", 2048, origin);
    layers = integer(c, "num_hidden_layers", defaultLayers, origin);
    if (layers <= 0 || layers > 4096) throw Error(origin + ": num_hidden_layers " + std::to_string(layers) + " is absurd");
    if (embeddingRows != spec.vocabSize || embeddingColumns != spec.dModel)
        throw Error(origin + ": config.json gives a vocabulary of " + std::to_string(spec.vocabSize) + " and width " +
                    std::to_string(spec.dModel) + ", the embedding is " + std::to_string(embeddingRows) + " × " +
                    std::to_string(embeddingColumns));
    return spec;
}

}  // namespace eigenscope::io::hf
