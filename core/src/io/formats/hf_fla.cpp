#include "io/formats/hf_fla.h"

#include "eigenscope/error.h"

#include <regex>

namespace eigenscope::io {

namespace {

using nlohmann::json;

bool present(const json& c, const std::string& key) { return c.contains(key) && !c[key].is_null(); }

double number(const json& c, const std::string& key, double fallback, const std::string& origin) {
    if (!present(c, key)) return fallback;
    if (!c[key].is_number()) throw Error(origin + ": " + key + " is not a number");
    return c[key].get<double>();
}

int64_t integer(const json& c, const std::string& key, int64_t fallback, const std::string& origin) {
    if (!present(c, key)) return fallback;
    if (!c[key].is_number_integer()) throw Error(origin + ": " + key + " is not an integer");
    return c[key].get<int64_t>();
}

// The options of GLAConfig / RetNetConfig that change the forward pass in ways eigenscope does not implement.
void refuseUnsupported(const json& c, bool gla, const std::string& origin) {
    const auto refuse = [&](const std::string& what) { throw Error(origin + ": " + what + " is not supported"); };
    if (present(c, "num_kv_heads") && c["num_kv_heads"] != c.value("num_heads", json(gla ? 4 : 8)))
        refuse("num_kv_heads (grouped keys and values) " + c["num_kv_heads"].dump());
    if (present(c, "feature_map")) refuse("feature_map " + c["feature_map"].dump());
    if (c.value("use_output_gate", true) != true) refuse("use_output_gate: false");
    if (c.value("elementwise_affine", true) != true) refuse("elementwise_affine: false");
    if (present(c, "attn")) refuse("attn (hybrid softmax-attention layers)");
    if (present(c, "attnres_block_size")) refuse("attnres_block_size");
    if (present(c, "hidden_act") && c["hidden_act"] != "swish") refuse("hidden_act " + c["hidden_act"].dump());
    if (gla && present(c, "clamp_min")) refuse("clamp_min " + c["clamp_min"].dump());
    // RetNetBlock never passes use_short_conv to its layer; GLABlock does.
    if (gla && c.value("use_short_conv", false) == true) refuse("use_short_conv: true");
}

}  // namespace

bool isFlaConfig(const json& c) {
    if (!c.is_object() || !c.contains("model_type") || !c["model_type"].is_string()) return false;
    const auto type = c["model_type"].get<std::string>();
    return type == "gla" || type == "retnet";
}

ImportedModel importFla(const json& c, NamedTensors tensors, const std::string& origin) {
    const std::string type = c["model_type"].get<std::string>();
    const bool gla = type == "gla";
    refuseUnsupported(c, gla, origin);

    // fla names → eigenscope's; GatedMLP's gate_proj of width 2I (before fla's 2025-02 split) is cut in two.
    static const std::regex layerKey(R"(^model\.layers\.(\d+)\.(attn_norm|mlp_norm|attn|mlp)\.(.+)$)");
    ImportedModel out;
    torch::Tensor embedding;
    bool hasHead = false, splitUp = false;
    int64_t mlpWidth = -1, gateRank = -1;
    for (auto& [key, tensor] : tensors) {
        std::smatch m;
        std::string ours;
        if (key == "model.embeddings.weight") {
            ours = "encoder.word_embeddings.weight";
            embedding = tensor;
        } else if (key == "model.norm.weight") {
            ours = "norm.weight";
        } else if (key == "lm_head.weight") {
            ours = "decoder.weight";
            hasHead = true;
        } else if (std::regex_match(key, m, layerKey)) {
            const std::string layer = "layers." + m[1].str() + ".", part = m[2].str(), name = m[3].str();
            if (part == "attn_norm" && name == "weight") ours = layer + "norm.weight";
            else if (part == "mlp_norm" && name == "weight") ours = layer + "norm2.weight";
            else if (part == "attn") ours = layer + "mixer." + name;
            else if (part == "mlp" && (name == "gate_proj.weight" || name == "up_proj.weight" || name == "down_proj.weight"))
                ours = layer + "channel." + name;
            if (name == "down_proj.weight" && tensor.dim() == 2) mlpWidth = tensor.size(1);
            if (name == "up_proj.weight") splitUp = true;
            if (name == "gk_proj.0.weight" && tensor.dim() == 2) gateRank = tensor.size(0);
        }
        if (ours.empty()) throw Error(origin + ": unexpected tensor \"" + key + "\" for an fla " + type + " checkpoint");
        out.tensors.emplace_back(ours, tensor);
    }
    if (!embedding.defined() || embedding.dim() != 2) throw Error(origin + ": no model.embeddings.weight matrix");
    if (mlpWidth <= 0) throw Error(origin + ": no mlp.down_proj.weight, so the MLP width is unknown");
    if (!splitUp) {
        // One gate_proj of (2I, H) rows: the gate first, then up (fla's GatedMLP before commit b48ca31d).
        NamedTensors split;
        for (auto& [name, tensor] : out.tensors) {
            const auto at = name.find("channel.gate_proj.weight");
            if (at == std::string::npos) {
                split.emplace_back(name, tensor);
                continue;
            }
            if (tensor.dim() != 2 || tensor.size(0) != 2 * mlpWidth)
                throw Error(origin + ": " + name.substr(0, at) + "mlp.gate_proj.weight has neither up_proj beside it nor " +
                            std::to_string(2 * mlpWidth) + " rows (gate and up fused)");
            split.emplace_back(name, tensor.narrow(0, 0, mlpWidth));
            split.emplace_back(name.substr(0, at) + "channel.up_proj.weight", tensor.narrow(0, mlpWidth, mlpWidth));
        }
        out.tensors = std::move(split);
        out.warnings.push_back("mlp.gate_proj.weight holds gate and up fused (fla before 2025-02): split in two");
    }

    ModelSpec& spec = out.spec;
    spec.name = type;
    spec.style = "standard";
    spec.encoder = "tokens";
    spec.dModel = integer(c, "hidden_size", 2048, origin);
    spec.vocabSize = integer(c, "vocab_size", 32000, origin);
    spec.norm = "rms";
    spec.normEps = number(c, "norm_eps", 1e-6, origin);
    spec.normPosition = "pre";
    spec.finalNorm = true;
    spec.head = "lm";
    spec.headBias = false;
    spec.seqLen = integer(c, "max_position_embeddings", 2048, origin);
    const int64_t layers = integer(c, "num_hidden_layers", 24, origin);
    if (layers <= 0 || layers > 4096) throw Error(origin + ": num_hidden_layers " + std::to_string(layers) + " is absurd");
    if (embedding.size(0) != spec.vocabSize || embedding.size(1) != spec.dModel)
        throw Error(origin + ": config.json gives a vocabulary of " + std::to_string(spec.vocabSize) + " and width " +
                    std::to_string(spec.dModel) + ", the embedding is " + std::to_string(embedding.size(0)) + " × " +
                    std::to_string(embedding.size(1)));
    BlockSpec block;
    block.mixer.type = type;
    block.mixer.options = {{"num_heads", integer(c, "num_heads", gla ? 4 : 8, origin)},
                           {"expand_k", number(c, "expand_k", gla ? 0.5 : 1.0, origin)},
                           {"expand_v", number(c, "expand_v", gla ? 1.0 : 2.0, origin)},
                           {"norm_eps", spec.normEps}};
    if (gla) {
        // GLABlock never passes these two: the layer's defaults, with the rank as the checkpoint has it.
        if (gateRank <= 0) throw Error(origin + ": no attn.gk_proj.0.weight, so the gate rank is unknown");
        block.mixer.options["gate_low_rank_dim"] = gateRank;
        block.mixer.options["gate_logit_normalizer"] = 16.0;
    }
    block.channelMixer = "swiglu";
    block.channelMixerDim = mlpWidth;
    spec.blocks.assign(size_t(layers), block);
    if (!hasHead) {
        if (!c.value("tie_word_embeddings", false))
            throw Error(origin + ": lm_head.weight is missing and the config does not tie it to the embedding");
        out.tensors.emplace_back("decoder.weight", embedding);
        out.warnings.push_back("lm_head.weight rebuilt from the tied embedding");
    }
    validateSpec(spec);
    out.variant = gla ? "GLA (fla)" : "RetNet (fla)";
    return out;
}

}  // namespace eigenscope::io
