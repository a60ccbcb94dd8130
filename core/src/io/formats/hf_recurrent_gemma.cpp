#include "io/formats/hf_recurrent_gemma.h"

#include "eigenscope/error.h"
#include "io/formats/hf_config.h"

#include <cmath>
#include <map>
#include <regex>

namespace eigenscope::io {

namespace {

using nlohmann::json;
using hf::flag, hf::integer, hf::number, hf::present, hf::refuse;

// The temporal block of every layer: block_types (older configs: _block_types) repeated over the layers.
std::vector<std::string> layerKinds(const json& c, int64_t layers, const std::string& origin) {
    const std::string key = present(c, "block_types") ? "block_types" : "_block_types";
    std::vector<std::string> pattern{"recurrent", "recurrent", "attention"};
    if (present(c, key)) {
        if (!c[key].is_array() || c[key].empty()) throw Error(origin + ": " + key + " is not a list of block types");
        pattern.clear();
        for (const auto& kind : c[key]) {
            if (kind != "recurrent" && kind != "attention")
                throw Error(origin + ": " + key + " holds " + kind.dump() + " (known: recurrent, attention)");
            pattern.push_back(kind.get<std::string>());
        }
    }
    std::vector<std::string> kinds;
    for (int64_t i = 0; i < layers; ++i) kinds.push_back(pattern[size_t(i) % pattern.size()]);
    return kinds;
}

// HF names → eigenscope's; RMSNorm weights w become 1 + w (the model's norms multiply by the weight itself) and the
// conv kernel (width, 1, K) becomes recurrentgemma's (K, width).
std::string ourName(const std::string& key, torch::Tensor& tensor) {
    static const std::regex layerKey(
        R"(^model\.layers\.(\d+)\.(temporal_pre_norm|channel_pre_norm|temporal_block|mlp_block)\.(.+)$)");
    static const std::map<std::string, std::string> temporal{
        {"conv_1d.weight", "conv_1d.w"},
        {"conv_1d.bias", "conv_1d.b"},
        {"rg_lru.recurrent_param", "rg_lru.a_param"},
        {"rg_lru.input_gate_weight", "rg_lru.input_gate.w"},
        {"rg_lru.input_gate_bias", "rg_lru.input_gate.b"},
        {"rg_lru.recurrent_gate_weight", "rg_lru.a_gate.w"},
        {"rg_lru.recurrent_gate_bias", "rg_lru.a_gate.b"}};
    const auto plusOne = [&] { tensor = tensor.to(torch::kFloat32) + 1.0; };
    if (key == "model.embed_tokens.weight") return "encoder.word_embeddings.weight";
    if (key == "lm_head.weight") return "decoder.weight";
    if (key == "model.final_norm.weight") {
        plusOne();
        return "norm.weight";
    }
    std::smatch m;
    if (!std::regex_match(key, m, layerKey)) return {};
    const std::string layer = "layers." + m[1].str() + ".", part = m[2].str(), name = m[3].str();
    if (part == "temporal_pre_norm" || part == "channel_pre_norm") {
        if (name != "weight") return {};
        plusOne();
        return layer + (part == "temporal_pre_norm" ? "norm.weight" : "norm2.weight");
    }
    if (part == "mlp_block") return layer + "channel." + name;
    const auto renamed = temporal.find(name);
    if (renamed == temporal.end()) return layer + "mixer." + name;
    if (name == "conv_1d.weight" && tensor.dim() == 3) tensor = tensor.squeeze(1).t();
    return layer + "mixer." + renamed->second;
}

}  // namespace

bool isRecurrentGemmaConfig(const json& c) {
    return c.is_object() && c.contains("model_type") && c["model_type"] == "recurrent_gemma";
}

ImportedModel importRecurrentGemma(const json& c, NamedTensors tensors, const std::string& origin) {
    if (present(c, "hidden_activation") && c["hidden_activation"] != "gelu_pytorch_tanh")
        refuse(origin, "hidden_activation " + c["hidden_activation"].dump());
    if (flag(c, "attention_bias", false, origin)) refuse(origin, "attention_bias: true");
    if (present(c, "quantization_config")) refuse(origin, "quantization_config (quantized weights)");
    if (present(c, "rope_scaling")) refuse(origin, "rope_scaling");

    ImportedModel out;
    torch::Tensor embedding;
    bool hasHead = false;
    for (auto& [key, tensor] : tensors) {
        const std::string ours = ourName(key, tensor);
        if (ours.empty()) throw Error(origin + ": unexpected tensor \"" + key + "\" for a recurrent_gemma checkpoint");
        if (ours == "encoder.word_embeddings.weight") embedding = tensor;
        hasHead = hasHead || ours == "decoder.weight";
        out.tensors.emplace_back(ours, tensor);
    }
    if (!embedding.defined() || embedding.dim() != 2) throw Error(origin + ": no model.embed_tokens.weight matrix");

    int64_t layers = 0;
    out.spec = hf::rmsDecoderSpec(c, "recurrent_gemma", "rms_norm_eps", 2560, 26, embedding.size(0), embedding.size(1),
                                  layers, origin);
    ModelSpec& spec = out.spec;
    const int64_t window = integer(c, "attention_window_size", 2048, origin);
    // transformers' normalizer: √hidden_size as a bfloat16 buffer (50.5 for 2560), whatever the model's dtype.
    spec.embedScale = torch::tensor(std::sqrt(double(spec.dModel))).to(torch::kBFloat16).item<double>();
    spec.logitSoftCap = number(c, "logits_soft_cap", 30.0, origin);

    const int64_t heads = integer(c, "num_attention_heads", 10, origin);
    if (heads <= 0 || heads > 1024 || spec.dModel % heads != 0)
        throw Error(origin + ": num_attention_heads " + std::to_string(heads) + " does not divide hidden_size");
    const int64_t headDim = integer(c, "head_dim", spec.dModel / heads, origin);
    const double rotaryFraction = number(c, "partial_rotary_factor", 0.5, origin);
    if (!(rotaryFraction > 0 && rotaryFraction <= 1)) throw Error(origin + ": partial_rotary_factor must lie in (0, 1]");
    const int64_t mlpWidth = integer(c, "intermediate_size", 3 * spec.dModel * 2, origin) / 2;  // RecurrentGemmaMlp

    BlockSpec recurrent;
    recurrent.mixer.type = "rglru";
    recurrent.mixer.options = {{"lru_width", integer(c, "lru_width", spec.dModel, origin)},
                               {"num_heads", heads},
                               {"conv1d_temporal_width", integer(c, "conv1d_width", 4, origin)}};
    BlockSpec attention;
    attention.mixer.type = "gqa_attention";
    attention.mixer.options = {{"num_heads", heads},
                               {"num_kv_heads", integer(c, "num_key_value_heads", heads, origin)},
                               {"head_dim", headDim},
                               {"o_bias", true},
                               {"rope_theta", number(c, "rope_theta", 10000.0, origin)},
                               {"rotary_dim", int64_t(double(headDim) * rotaryFraction)},
                               // recurrentgemma's local attention: query i sees keys i − window ≤ j ≤ i.
                               {"sliding_window", window + 1}};
    for (const auto& kind : layerKinds(c, layers, origin)) {
        BlockSpec block = kind == "recurrent" ? recurrent : attention;
        block.channelMixer = "geglu";
        block.channelMixerDim = mlpWidth;
        spec.blocks.push_back(block);
    }
    hf::tieHeadIfMissing(out, hasHead, flag(c, "tie_word_embeddings", true, origin), embedding, origin);
    validateSpec(spec);
    out.variant = "RecurrentGemma";
    return out;
}

}  // namespace eigenscope::io
