#include "io/formats/hf_fla.h"

#include "eigenscope/error.h"
#include "io/formats/hf_config.h"

#include <regex>

namespace eigenscope::io {

namespace {

using nlohmann::json;
using hf::flag, hf::integer, hf::number, hf::present, hf::refuse;

// The options common to fla's configs that change the forward pass in ways eigenscope does not implement.
void refuseUnsupportedCommon(const json& c, const std::string& origin) {
    if (present(c, "attn")) refuse(origin, "attn (hybrid softmax-attention layers)");
    if (present(c, "attnres_block_size")) refuse(origin, "attnres_block_size");
    if (present(c, "hidden_act") && c["hidden_act"] != "swish") refuse(origin, "hidden_act " + c["hidden_act"].dump());
}

// The options of GLAConfig / RetNetConfig that eigenscope does not implement.
void refuseUnsupported(const json& c, bool gla, const std::string& origin) {
    refuseUnsupportedCommon(c, origin);
    if (present(c, "num_kv_heads") && c["num_kv_heads"] != c.value("num_heads", json(gla ? 4 : 8)))
        refuse(origin, "num_kv_heads (grouped keys and values) " + c["num_kv_heads"].dump());
    if (present(c, "feature_map")) refuse(origin, "feature_map " + c["feature_map"].dump());
    if (c.value("use_output_gate", true) != true) refuse(origin, "use_output_gate: false");
    if (c.value("elementwise_affine", true) != true) refuse(origin, "elementwise_affine: false");
    if (gla && present(c, "clamp_min")) refuse(origin, "clamp_min " + c["clamp_min"].dump());
    // RetNetBlock never passes use_short_conv to its layer; GLABlock does.
    if (gla && c.value("use_short_conv", false) == true) refuse(origin, "use_short_conv: true");
}

// DeltaNetConfig / GatedDeltaNetConfig → the deltanet / gated_deltanet mixer options, refusing what the mixers do
// not implement. fla sizes heads by expand_k (DeltaNet) or head_dim (Gated DeltaNet); eigenscope by head_dim and
// the value/key width ratio.
nlohmann::json deltaRuleOptions(const json& c, bool gated, int64_t dModel, const std::string& origin) {
    refuseUnsupportedCommon(c, origin);
    if (flag(c, "use_gate", gated, origin) != gated)
        refuse(origin, gated ? "use_gate: false (Gated DeltaNet without its output gate)"
                             : "use_gate: true (an output gate on DeltaNet)");
    if (!flag(c, "use_beta", true, origin)) refuse(origin, "use_beta: false");
    if (present(c, "qk_norm") && c["qk_norm"] != "l2") refuse(origin, "qk_norm " + c["qk_norm"].dump());
    if (present(c, "qk_activation") && c["qk_activation"] != "silu")
        refuse(origin, "qk_activation " + c["qk_activation"].dump());
    const int64_t heads = integer(c, "num_heads", gated ? 6 : 16, origin);
    if (heads <= 0 || heads > 4096) throw Error(origin + ": num_heads " + std::to_string(heads) + " is absurd");
    if (gated && present(c, "num_v_heads") && integer(c, "num_v_heads", heads, origin) != heads)
        refuse(origin, "num_v_heads " + c["num_v_heads"].dump() + " other than num_heads (grouped value heads)");
    int64_t headK = 0, headV = 0;
    if (gated) {
        headK = integer(c, "head_dim", 256, origin);
        headV = int64_t(double(headK) * number(c, "expand_v", 2.0, origin));
    } else {
        headK = int64_t(double(dModel) * number(c, "expand_k", 1.0, origin)) / heads;
        headV = int64_t(double(dModel) * number(c, "expand_v", 1.0, origin)) / heads;
    }
    if (headK <= 0 || headV <= 0)
        throw Error(origin + ": heads of key width " + std::to_string(headK) + " and value width " + std::to_string(headV));
    const double ratio = double(headV) / double(headK);
    if (int64_t(double(headK) * ratio) != headV)
        refuse(origin, "a value head width of " + std::to_string(headV) + " beside a key head width of " + std::to_string(headK));
    return {{"num_heads", heads},
            {"head_dim", headK},
            {"expand_v", ratio},
            {"conv_size", flag(c, "use_short_conv", true, origin) ? integer(c, "conv_size", 4, origin) : 0},
            {"allow_neg_eigval", flag(c, "allow_neg_eigval", false, origin)},
            {"norm_eps", number(c, "norm_eps", 1e-6, origin)}};
}

const char* variantName(const std::string& type) {
    if (type == "gla") return "GLA (fla)";
    if (type == "retnet") return "RetNet (fla)";
    if (type == "delta_net") return "DeltaNet (fla)";
    return "Gated DeltaNet (fla)";
}

}  // namespace

bool isFlaConfig(const json& c) {
    if (!c.is_object() || !c.contains("model_type") || !c["model_type"].is_string()) return false;
    const auto type = c["model_type"].get<std::string>();
    return type == "gla" || type == "retnet" || type == "delta_net" || type == "gated_deltanet";
}

ImportedModel importFla(const json& c, NamedTensors tensors, const std::string& origin) {
    const std::string type = c["model_type"].get<std::string>();
    const bool gla = type == "gla", deltaRule = type == "delta_net" || type == "gated_deltanet";
    if (!deltaRule) refuseUnsupported(c, gla, origin);

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

    int64_t layers = 0;
    out.spec = hf::rmsDecoderSpec(c, type, "norm_eps", 2048, 24, embedding.size(0), embedding.size(1), layers, origin);
    ModelSpec& spec = out.spec;
    BlockSpec block;
    if (deltaRule) {
        block.mixer.type = type == "delta_net" ? "deltanet" : "gated_deltanet";
        block.mixer.options = deltaRuleOptions(c, type == "gated_deltanet", spec.dModel, origin);
    } else {
        block.mixer.type = type;
        block.mixer.options = {{"num_heads", integer(c, "num_heads", gla ? 4 : 8, origin)},
                               {"expand_k", number(c, "expand_k", gla ? 0.5 : 1.0, origin)},
                               {"expand_v", number(c, "expand_v", gla ? 1.0 : 2.0, origin)},
                               {"norm_eps", spec.normEps}};
    }
    if (gla) {
        // GLABlock never passes these two: the layer's defaults, with the rank as the checkpoint has it.
        if (gateRank <= 0) throw Error(origin + ": no attn.gk_proj.0.weight, so the gate rank is unknown");
        block.mixer.options["gate_low_rank_dim"] = gateRank;
        block.mixer.options["gate_logit_normalizer"] = 16.0;
    }
    block.channelMixer = "swiglu";
    block.channelMixerDim = mlpWidth;
    spec.blocks.assign(size_t(layers), block);
    hf::tieHeadIfMissing(out, hasHead, c.value("tie_word_embeddings", false), embedding, origin);
    validateSpec(spec);
    out.variant = variantName(type);
    return out;
}

}  // namespace eigenscope::io
