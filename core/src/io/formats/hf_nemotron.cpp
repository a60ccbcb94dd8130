#include "io/formats/hf_nemotron.h"

#include "eigenscope/error.h"
#include "io/formats/hf_config.h"

#include <regex>

namespace eigenscope::io {

namespace {

using nlohmann::json;
using hf::flag, hf::integer, hf::number, hf::present, hf::refuse;

// The layer kinds, one character each as in hybrid_override_pattern: 'M' Mamba-2, '*' attention, '-' MLP.
std::string layerPattern(const json& c, const std::string& origin) {
    if (present(c, "hybrid_override_pattern")) {
        if (!c["hybrid_override_pattern"].is_string())
            throw Error(origin + ": hybrid_override_pattern is not a string");
        return c["hybrid_override_pattern"].get<std::string>();
    }
    if (!present(c, "layers_block_type") || !c["layers_block_type"].is_array())
        throw Error(origin + ": neither hybrid_override_pattern nor a layers_block_type list");
    std::string pattern;
    for (const auto& kind : c["layers_block_type"]) {
        const std::string k = kind.is_string() ? kind.get<std::string>() : kind.dump();
        pattern += k == "mamba" || k == "linear_attention"      ? 'M'
                   : k == "attention" || k == "full_attention" ? '*'
                   : k == "mlp"                                 ? '-'
                   : k == "moe"                                 ? 'E'
                                                                : '?';
    }
    return pattern;
}

std::string ourName(const std::string& key, const std::string& pattern, const std::string& origin) {
    static const std::regex layerKey(R"(^backbone\.layers\.(\d+)\.(norm|mixer)\.(.+)$)");
    if (key == "backbone.embeddings.weight" || key == "backbone.embedding.weight")
        return "encoder.word_embeddings.weight";
    if (key == "backbone.norm_f.weight") return "norm.weight";
    if (key == "lm_head.weight") return "decoder.weight";
    std::smatch m;
    if (!std::regex_match(key, m, layerKey)) return {};
    const size_t layer = std::stoul(m[1].str());
    if (layer >= pattern.size()) throw Error(origin + ": tensor \"" + key + "\" names a layer beyond the pattern");
    const std::string prefix = "layers." + m[1].str() + ".";
    if (m[2] == "norm") return m[3] == "weight" ? prefix + "norm.weight" : std::string();
    return prefix + (pattern[layer] == '-' ? "channel." : "mixer.") + m[3].str();
}

}  // namespace

bool isNemotronHConfig(const json& c) {
    return c.is_object() && c.contains("model_type") && c["model_type"] == "nemotron_h";
}

ImportedModel importNemotronH(const json& c, NamedTensors tensors, const std::string& origin) {
    const std::string pattern = layerPattern(c, origin);
    for (char kind : pattern) {
        if (kind == 'E') refuse(origin, "a mixture-of-experts layer ('E' in the layer pattern)");
        if (kind != 'M' && kind != '*' && kind != '-')
            throw Error(origin + ": layer pattern \"" + pattern + "\" holds '" + std::string(1, kind) +
                        "' (known: M Mamba-2, * attention, - MLP)");
    }
    if (present(c, "mamba_hidden_act") && c["mamba_hidden_act"] != "silu")
        refuse(origin, "mamba_hidden_act " + c["mamba_hidden_act"].dump());
    if (present(c, "mlp_hidden_act") && c["mlp_hidden_act"] != "relu2")
        refuse(origin, "mlp_hidden_act " + c["mlp_hidden_act"].dump());
    if (flag(c, "use_bias", false, origin)) refuse(origin, "use_bias: true (biases on the Mamba projections)");
    if (!flag(c, "use_conv_bias", true, origin)) refuse(origin, "use_conv_bias: false");
    if (flag(c, "mlp_bias", false, origin)) refuse(origin, "mlp_bias: true");
    if (flag(c, "attention_bias", false, origin)) refuse(origin, "attention_bias: true");
    if (present(c, "sliding_window")) refuse(origin, "sliding_window");
    if (present(c, "quantization_config")) refuse(origin, "quantization_config (quantized weights)");
    hf::checkTimeStepLimit(c, origin);
    const int64_t layerCount = integer(c, "num_hidden_layers", int64_t(pattern.size()), origin);
    if (layerCount != int64_t(pattern.size()))
        throw Error(origin + ": num_hidden_layers is " + std::to_string(layerCount) + ", the layer pattern has " +
                    std::to_string(pattern.size()) + " layers");

    ImportedModel out;
    torch::Tensor embedding;
    bool hasHead = false;
    for (auto& [key, tensor] : tensors) {
        const std::string ours = ourName(key, pattern, origin);
        if (ours.empty()) throw Error(origin + ": unexpected tensor \"" + key + "\" for a nemotron_h checkpoint");
        if (ours == "encoder.word_embeddings.weight") embedding = tensor;
        hasHead = hasHead || ours == "decoder.weight";
        out.tensors.emplace_back(ours, tensor);
    }
    if (!embedding.defined() || embedding.dim() != 2) throw Error(origin + ": no backbone.embeddings.weight matrix");

    int64_t layers = 0;
    out.spec = hf::rmsDecoderSpec(c, "nemotron_h", "layer_norm_epsilon", 4096, int64_t(pattern.size()), embedding.size(0),
                                  embedding.size(1), layers, origin);
    ModelSpec& spec = out.spec;
    spec.normEps = number(c, "layer_norm_epsilon", 1e-5, origin);

    const int64_t mambaHeads = integer(c, "mamba_num_heads", 128, origin);
    const int64_t mambaHeadDim = integer(c, "mamba_head_dim", 64, origin);
    if (mambaHeads <= 0 || mambaHeadDim <= 0 || mambaHeads * mambaHeadDim > (1 << 20))
        throw Error(origin + ": mamba_num_heads × mamba_head_dim is absurd");
    BlockSpec mamba;
    mamba.mixer.type = "mamba2";
    mamba.mixer.options = {{"d_state", integer(c, "ssm_state_size", 128, origin)},
                           {"d_inner", mambaHeads * mambaHeadDim},
                           {"headdim", mambaHeadDim},
                           {"d_conv", integer(c, "conv_kernel", 4, origin)},
                           {"gated_norm", true},
                           {"ngroups", integer(c, "n_groups", 8, origin)},
                           {"norm_eps", spec.normEps}};

    const int64_t heads = integer(c, "num_attention_heads", 32, origin);
    if (heads <= 0 || heads > 1024)
        throw Error(origin + ": num_attention_heads " + std::to_string(heads) + " is absurd");
    BlockSpec attention;
    attention.mixer.type = "gqa_attention";
    attention.mixer.options = {{"num_heads", heads},
                               {"num_kv_heads", integer(c, "num_key_value_heads", heads, origin)},
                               {"head_dim",
                                integer(c, "head_dim", integer(c, "attention_head_dim", 128, origin), origin)},
                               {"rope_theta", 0.0}};

    BlockSpec mlp;
    mlp.mixer.type = kNoMixer;
    mlp.channelMixer = "relu2";
    mlp.channelMixerDim = integer(c, "intermediate_size", 21504, origin);

    for (char kind : pattern) spec.blocks.push_back(kind == 'M' ? mamba : kind == '*' ? attention : mlp);
    hf::tieHeadIfMissing(out, hasHead, flag(c, "tie_word_embeddings", false, origin), embedding, origin);
    validateSpec(spec);
    out.variant = "Nemotron-H";
    return out;
}

}  // namespace eigenscope::io
