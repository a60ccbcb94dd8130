#include "io/formats/hf_gpt2.h"

#include "eigenscope/error.h"
#include "io/formats/hf_config.h"

#include <regex>

namespace eigenscope::io {

using nlohmann::json;
using hf::flag, hf::integer, hf::number, hf::present, hf::refuse;

bool isGpt2Config(const json& c) {
    return c.is_object() && c.contains("model_type") && c["model_type"] == "gpt2";
}

ImportedModel importGpt2(const json& c, NamedTensors tensors, const std::string& origin) {
    const std::string activation = c.value("activation_function", std::string("gelu_new"));
    if (activation != "gelu_new" && activation != "gelu_pytorch_tanh")
        refuse(origin, "activation_function \"" + activation + "\"");
    if (flag(c, "scale_attn_by_inverse_layer_idx", false, origin)) refuse(origin, "scale_attn_by_inverse_layer_idx: true");
    if (!flag(c, "scale_attn_weights", true, origin)) refuse(origin, "scale_attn_weights: false");
    if (flag(c, "add_cross_attention", false, origin)) refuse(origin, "add_cross_attention: true");

    ImportedModel out;
    const int64_t d = integer(c, "n_embd", 768, origin);
    const int64_t heads = integer(c, "n_head", 12, origin);
    const int64_t layers = integer(c, "n_layer", 12, origin);
    if (d <= 0 || heads <= 0 || d % heads != 0)
        throw Error(origin + ": n_head " + std::to_string(heads) + " does not divide n_embd " + std::to_string(d));
    if (layers <= 0 || layers > 4096) throw Error(origin + ": n_layer " + std::to_string(layers) + " is absurd");

    // GPT-2 names (with or without "transformer.") → eigenscope's; c_attn is cut into q, k and v.
    static const std::regex layerKey(R"(^(?:transformer\.)?h\.(\d+)\.(ln_1|ln_2|attn|mlp)\.(.+)$)");
    torch::Tensor embedding;
    bool hasHead = false;
    const auto linearWeight = [&](const torch::Tensor& conv1d, const std::string& key, int64_t in) {
        if (conv1d.dim() != 2 || conv1d.size(0) != in)
            throw Error(origin + ": " + key + " is not a Conv1D weight of " + std::to_string(in) + " input rows");
        return conv1d.t().contiguous();
    };
    for (auto& [key, tensor] : tensors) {
        std::smatch m;
        const std::string bare = key.rfind("transformer.", 0) == 0 ? key.substr(12) : key;
        if (bare == "wte.weight") {
            embedding = tensor;
            out.tensors.emplace_back("encoder.word_embeddings.weight", tensor);
        } else if (bare == "wpe.weight") {
            out.tensors.emplace_back("encoder.position_embeddings.weight", tensor);
        } else if (bare == "ln_f.weight" || bare == "ln_f.bias") {
            out.tensors.emplace_back("norm." + bare.substr(5), tensor);
        } else if (key == "lm_head.weight") {
            out.tensors.emplace_back("decoder.weight", tensor);
            hasHead = true;
        } else if (std::regex_match(key, m, layerKey)) {
            const std::string layer = "layers." + m[1].str() + ".", part = m[2].str(), name = m[3].str();
            if (part == "ln_1") {
                out.tensors.emplace_back(layer + "norm." + name, tensor);
            } else if (part == "ln_2") {
                out.tensors.emplace_back(layer + "norm2." + name, tensor);
            } else if (part == "attn" && (name == "bias" || name == "masked_bias")) {
                continue;  // the causal-mask buffers of older transformers
            } else if (part == "attn" && name == "c_attn.weight") {
                const auto w = linearWeight(tensor, key, d);
                if (w.size(0) != 3 * d) throw Error(origin + ": " + key + " is not (n_embd, 3·n_embd)");
                for (int i = 0; i < 3; ++i)
                    out.tensors.emplace_back(layer + "mixer." + "qkv"[i] + std::string("_proj.weight"), w.narrow(0, i * d, d));
            } else if (part == "attn" && name == "c_attn.bias") {
                if (tensor.dim() != 1 || tensor.size(0) != 3 * d) throw Error(origin + ": " + key + " is not 3·n_embd long");
                for (int i = 0; i < 3; ++i)
                    out.tensors.emplace_back(layer + "mixer." + "qkv"[i] + std::string("_proj.bias"), tensor.narrow(0, i * d, d));
            } else if (part == "attn" && name == "c_proj.weight") {
                out.tensors.emplace_back(layer + "mixer.o_proj.weight", linearWeight(tensor, key, d));
            } else if (part == "attn" && name == "c_proj.bias") {
                out.tensors.emplace_back(layer + "mixer.o_proj.bias", tensor);
            } else if (part == "mlp" && name == "c_fc.weight") {
                out.tensors.emplace_back(layer + "channel.encoder.weight", linearWeight(tensor, key, d));
            } else if (part == "mlp" && name == "c_fc.bias") {
                out.tensors.emplace_back(layer + "channel.encoder.bias", tensor);
            } else if (part == "mlp" && name == "c_proj.weight") {
                out.tensors.emplace_back(layer + "channel.decoder.weight", linearWeight(tensor, key, tensor.size(0)));
            } else if (part == "mlp" && name == "c_proj.bias") {
                out.tensors.emplace_back(layer + "channel.decoder.bias", tensor);
            } else {
                throw Error(origin + ": unexpected tensor \"" + key + "\" for a GPT-2 checkpoint");
            }
        } else {
            throw Error(origin + ": unexpected tensor \"" + key + "\" for a GPT-2 checkpoint");
        }
    }
    if (!embedding.defined() || embedding.dim() != 2) throw Error(origin + ": no wte.weight matrix");

    ModelSpec& s = out.spec;
    s.name = "gpt2";
    s.style = "standard";
    s.encoder = "tokens";
    s.dModel = d;
    s.vocabSize = integer(c, "vocab_size", 50257, origin);
    s.maxPositions = integer(c, "n_positions", 1024, origin);
    s.seqLen = s.maxPositions;
    s.norm = "layer";
    s.normEps = number(c, "layer_norm_epsilon", 1e-5, origin);
    s.normPosition = "pre";
    s.finalNorm = true;
    s.head = "lm";
    s.headBias = false;
    if (embedding.size(0) != s.vocabSize || embedding.size(1) != d)
        throw Error(origin + ": config.json gives a vocabulary of " + std::to_string(s.vocabSize) + " and width " +
                    std::to_string(d) + ", wte is " + std::to_string(embedding.size(0)) + " × " +
                    std::to_string(embedding.size(1)));
    BlockSpec block;
    block.mixer.type = "gqa_attention";
    block.mixer.options = {{"num_heads", heads}, {"qkv_bias", true}, {"o_bias", true}, {"rope_theta", 0.0}};
    block.channelMixer = "mlp_tanh";
    block.channelMixerDim = present(c, "n_inner") ? integer(c, "n_inner", 4 * d, origin) : 4 * d;
    s.blocks.assign(size_t(layers), block);
    hf::tieHeadIfMissing(out, hasHead, true, embedding, origin);
    validateSpec(s);
    out.variant = "GPT-2";
    return out;
}

}  // namespace eigenscope::io
