#include "io/formats/hf_llama.h"

#include "eigenscope/error.h"
#include "io/formats/hf_config.h"

#include <map>
#include <regex>

namespace eigenscope::io {

namespace {

using nlohmann::json;
using hf::flag, hf::integer, hf::number, hf::present, hf::refuse;

// The rotary options: rope_theta (or transformers 5's rope_parameters) and Llama-3.1's "llama3" scaling; other
// rope types are refused.
json ropeOptions(const json& c, const std::string& origin) {
    json scaling = present(c, "rope_scaling") ? c["rope_scaling"] : json();
    double theta = number(c, "rope_theta", 10000.0, origin);
    if (present(c, "rope_parameters")) {
        scaling = c["rope_parameters"];
        if (!scaling.is_object()) throw Error(origin + ": rope_parameters is not an object");
        theta = number(scaling, "rope_theta", theta, origin);
    }
    json options = {{"rope_theta", theta}};
    if (scaling.is_null()) return options;
    if (!scaling.is_object()) throw Error(origin + ": rope_scaling is not an object");
    const std::string type = scaling.value("rope_type", scaling.value("type", std::string("default")));
    if (type == "default") return options;
    if (type != "llama3") refuse(origin, "rope scaling of type \"" + type + "\"");
    options["rope_llama3_factor"] = number(scaling, "factor", 8.0, origin);
    options["rope_llama3_low_freq_factor"] = number(scaling, "low_freq_factor", 1.0, origin);
    options["rope_llama3_high_freq_factor"] = number(scaling, "high_freq_factor", 4.0, origin);
    options["rope_llama3_original_positions"] = integer(scaling, "original_max_position_embeddings", 8192, origin);
    return options;
}

// HF names → eigenscope's. Rotary inv_freq buffers (older checkpoints store them) are derived: skipped.
std::string ourName(const std::string& key, bool& skip) {
    static const std::regex layerKey(
        R"(^model\.layers\.(\d+)\.(input_layernorm|post_attention_layernorm|self_attn|mlp)\.(.+)$)");
    skip = false;
    if (key == "model.embed_tokens.weight") return "encoder.word_embeddings.weight";
    if (key == "model.norm.weight") return "norm.weight";
    if (key == "lm_head.weight") return "decoder.weight";
    std::smatch m;
    if (!std::regex_match(key, m, layerKey)) return {};
    const std::string layer = "layers." + m[1].str() + ".", part = m[2].str(), name = m[3].str();
    if (part == "input_layernorm" && name == "weight") return layer + "norm.weight";
    if (part == "post_attention_layernorm" && name == "weight") return layer + "norm2.weight";
    if (part == "self_attn" && name == "rotary_emb.inv_freq") {
        skip = true;
        return {};
    }
    if (part == "self_attn") return layer + "mixer." + name;
    if (name == "gate_proj.weight" || name == "up_proj.weight" || name == "down_proj.weight") return layer + "channel." + name;
    return {};
}

}  // namespace

bool isLlamaFamilyConfig(const json& c) {
    if (!c.is_object() || !c.contains("model_type") || !c["model_type"].is_string()) return false;
    const auto type = c["model_type"].get<std::string>();
    return type == "llama" || type == "mistral" || type == "qwen2" || type == "qwen3";
}

ImportedModel importLlamaFamily(const json& c, NamedTensors tensors, const std::string& origin) {
    const std::string type = c["model_type"].get<std::string>();
    const bool qwen = type == "qwen2" || type == "qwen3";
    if (present(c, "hidden_act") && c["hidden_act"] != "silu") refuse(origin, "hidden_act " + c["hidden_act"].dump());
    if (flag(c, "mlp_bias", false, origin)) refuse(origin, "mlp_bias: true");
    if (qwen && flag(c, "use_sliding_window", false, origin)) refuse(origin, "use_sliding_window: true");
    if (present(c, "layer_types"))
        for (const auto& layer : c["layer_types"])
            if (layer != "full_attention") refuse(origin, "layer_types entry " + layer.dump());
    if (present(c, "quantization_config")) refuse(origin, "quantization_config (quantized weights)");

    ImportedModel out;
    torch::Tensor embedding;
    bool hasHead = false, hasQkNorm = false, hasQkvBias = false, hasOBias = false;
    for (auto& [key, tensor] : tensors) {
        bool skip = false;
        const std::string ours = ourName(key, skip);
        if (skip) continue;
        if (ours.empty()) throw Error(origin + ": unexpected tensor \"" + key + "\" for a " + type + " checkpoint");
        if (ours == "encoder.word_embeddings.weight") embedding = tensor;
        hasHead = hasHead || ours == "decoder.weight";
        hasQkNorm = hasQkNorm || ours.find("mixer.q_norm.weight") != std::string::npos;
        hasQkvBias = hasQkvBias || ours.find("mixer.q_proj.bias") != std::string::npos;
        hasOBias = hasOBias || ours.find("mixer.o_proj.bias") != std::string::npos;
        out.tensors.emplace_back(ours, tensor);
    }
    if (!embedding.defined() || embedding.dim() != 2) throw Error(origin + ": no model.embed_tokens.weight matrix");

    int64_t layers = 0;
    out.spec = hf::rmsDecoderSpec(c, type, "rms_norm_eps", 4096, 32, embedding.size(0), embedding.size(1), layers, origin);
    ModelSpec& spec = out.spec;
    const int64_t heads = integer(c, "num_attention_heads", 32, origin);
    if (heads <= 0 || heads > 1024) throw Error(origin + ": num_attention_heads " + std::to_string(heads) + " is absurd");
    const int64_t headDim = integer(c, "head_dim", spec.dModel / heads, origin);
    // Qwen2 always has q/k/v biases and none on o_proj; Llama's attention_bias puts them on all four.
    const bool attentionBias = flag(c, "attention_bias", type == "qwen2", origin);
    BlockSpec block;
    block.mixer.type = "gqa_attention";
    block.mixer.options = {{"num_heads", heads},
                           {"num_kv_heads", integer(c, "num_key_value_heads", heads, origin)},
                           {"head_dim", headDim},
                           {"qkv_bias", type == "qwen2" || attentionBias},
                           {"o_bias", type != "qwen2" && attentionBias},
                           {"qk_norm", type == "qwen3"},
                           {"norm_eps", spec.normEps},
                           {"sliding_window", type == "mistral" ? integer(c, "sliding_window", 0, origin) : 0}};
    block.mixer.options.update(ropeOptions(c, origin));
    if (hasQkNorm != (type == "qwen3"))
        throw Error(origin + (hasQkNorm ? ": q_norm weights in a " + type + " checkpoint" : ": no self_attn.q_norm.weight"));
    if (hasQkvBias != block.mixer.options["qkv_bias"].get<bool>() || hasOBias != block.mixer.options["o_bias"].get<bool>())
        throw Error(origin + ": the attention biases in the file do not match the config (attention_bias)");
    block.channelMixer = "swiglu";
    block.channelMixerDim = integer(c, "intermediate_size", 11008, origin);
    spec.blocks.assign(size_t(layers), block);
    hf::tieHeadIfMissing(out, hasHead, flag(c, "tie_word_embeddings", false, origin), embedding, origin);
    validateSpec(spec);
    static const std::map<std::string, std::string> names{
        {"llama", "Llama"}, {"mistral", "Mistral"}, {"qwen2", "Qwen2"}, {"qwen3", "Qwen3"}};
    out.variant = names.at(type);
    return out;
}

}  // namespace eigenscope::io
