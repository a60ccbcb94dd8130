#include "eigenscope/model_spec.h"

#include "eigenscope/error.h"
#include "mixers/registry.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>

namespace eigenscope {

namespace {

using nlohmann::json;

const OptionSpec& field(const std::vector<OptionSpec>& schema, const std::string& name) {
    for (const auto& f : schema)
        if (f.name == name) return f;
    throw Error("internal: no spec field " + name);
}

void requireChoice(const std::string& where, const std::string& value, const OptionSpec& f) {
    if (std::find(f.choices.begin(), f.choices.end(), value) != f.choices.end()) return;
    std::string list;
    for (const auto& c : f.choices) list += (list.empty() ? "" : ", ") + c;
    throw Error(where + ": \"" + value + "\" is not one of: " + list);
}

void requireRange(const std::string& where, int64_t value, int64_t min, int64_t max) {
    if (value < min || value > max)
        throw Error(where + ": " + std::to_string(value) + " is outside [" + std::to_string(min) + ", " +
                    std::to_string(max) + "]");
}

void requireRange(const std::string& where, int64_t value, const OptionSpec& f) {
    requireRange(where, value, int64_t(f.min), int64_t(f.max));
}

template <typename T>
void readField(const json& object, const char* key, T& target, const std::string& origin) {
    if (!object.contains(key)) return;
    try {
        target = object.at(key).get<T>();
    } catch (const json::exception&) {
        throw Error(origin + ": field \"" + key + "\" has the wrong type: " + object.at(key).dump());
    }
}

void rejectUnknownKeys(const json& object, const std::set<std::string>& known, const std::string& where) {
    for (const auto& item : object.items()) {
        if (!known.count(item.key())) throw Error(where + ": unknown field \"" + item.key() + "\"");
    }
}

}  // namespace

int64_t outputWidth(const ModelSpec& spec) { return spec.outputDim > 0 ? spec.outputDim : spec.vocabSize; }

const std::vector<OptionSpec>& modelFieldSchema() {
    static const std::vector<OptionSpec> schema = {
        choiceOption("style", "standard", {"standard", "paper_transformer", "paper_mamba", "paper_ssm"},
                     "block layout: standard, or one of the reference code's"),
        intOption("d_model", 64, 1, 1 << 16, "model width"),
        choiceOption("encoder", "tokens", {"tokens", "onehot", "linear"}, "token embedding, linear on one-hot, or linear"),
        intOption("vocab_size", 256, 2, 1 << 24, "vocabulary of the tokens and onehot encoders"),
        intOption("input_dim", 1, 1, 1 << 20, "input width of the linear encoder"),
        intOption("max_positions", 0, 0, 1 << 20, "learned position embeddings (0: none)"),
        intOption("seq_len", 128, 1, 1 << 20, "default input length; S4's kernel length"),
        choiceOption("norm", "layer", {"layer", "rms", "batch", "none"}, "the blocks' normalization"),
        choiceOption("norm_position", "pre", {"pre", "post"}, "normalization before or after the mixer"),
        floatOption("norm_eps", 0.0, 0.0, 0.1, "ε of the norms (0: 1e-5, or flax's 1e-6 for paper_ssm LayerNorm)"),
        boolOption("final_norm", true, "a normalization before the head"),
        choiceOption("ssm_activation", "full_glu", {"full_glu", "half_glu1", "half_glu2", "gelu"},
                     "paper_ssm: the activation after the SSM"),
        choiceOption("head", "lm", {"lm", "classifier"}, "per-position LM head or pooled classifier"),
        choiceOption("pooling", "mean", {"mean", "last", "max"}, "classifier pooling over time"),
        intOption("output_dim", 0, 0, 1 << 24, "output width (0: the vocabulary)"),
        boolOption("head_bias", false, "a bias in the head"),
        floatOption("dropout", 0.0, 0.0, 0.999, "dropout after each mixer while training"),
        floatOption("embed_scale", 1.0, 1e-6, 1e6, "factor on the token embeddings (Gemma: √d_model rounded to bf16)"),
        floatOption("logit_soft_cap", 0.0, 0.0, 1e6, "logits = c·tanh(logits / c) (0: none)"),
        intOption("seed", 0, 0, std::numeric_limits<int32_t>::max(), "initialization seed")};
    return schema;
}

const std::vector<OptionSpec>& blockFieldSchema() {
    static const std::vector<OptionSpec> schema = {
        choiceOption("channel_mixer", "none", {"none", "mlp", "mlp_tanh", "glu", "swiglu", "geglu", "relu2"},
                     "the block's channel mixer (mlp_tanh: GPT-2's, with the tanh GELU; swiglu: down(SiLU(gate x)·up x); "
                     "geglu: Griffin's down(GELU_tanh(gate x)·up x) with biases; relu2: Nemotron-H's down(relu(up x)²))"),
        intOption("channel_mixer_dim", 0, 0, 1 << 20, "hidden width of the MLP, SwiGLU, GeGLU or ReLU² (0: 4·d_model)"),
        boolOption("output_gate", false, "out = (x + y)·SiLU(W_z x)")};
    return schema;
}

void validateSpec(const ModelSpec& spec) {
    const auto& model = modelFieldSchema();
    requireChoice("style", spec.style, field(model, "style"));
    requireRange("d_model", spec.dModel, field(model, "d_model"));
    requireChoice("encoder", spec.encoder, field(model, "encoder"));
    if (spec.encoder == "linear") requireRange("input_dim", spec.inputDim, field(model, "input_dim"));
    else requireRange("vocab_size", spec.vocabSize, field(model, "vocab_size"));
    requireRange("max_positions", spec.maxPositions, field(model, "max_positions"));
    if (spec.maxPositions > 0 && spec.encoder != "tokens")
        throw Error("max_positions: position embeddings need the \"tokens\" encoder");
    requireRange("seq_len", spec.seqLen, field(model, "seq_len"));
    requireChoice("norm", spec.norm, field(model, "norm"));
    requireChoice("norm_position", spec.normPosition, field(model, "norm_position"));
    if (!(spec.normEps >= 0.0 && spec.normEps <= 0.1))
        throw Error("norm_eps: " + std::to_string(spec.normEps) + " is outside [0, 0.1]");
    requireChoice("ssm_activation", spec.ssmActivation, field(model, "ssm_activation"));
    requireChoice("head", spec.head, field(model, "head"));
    requireChoice("pooling", spec.pooling, field(model, "pooling"));
    requireRange("output_dim", spec.outputDim, field(model, "output_dim"));
    if (spec.encoder == "linear" && spec.head == "lm" && spec.outputDim == 0)
        throw Error("output_dim: a linear encoder has no vocabulary, so output_dim must be set");
    if (!(spec.dropout >= 0.0 && spec.dropout < 1.0))
        throw Error("dropout: " + std::to_string(spec.dropout) + " is outside [0, 1)");
    if (!(spec.embedScale >= 1e-6 && spec.embedScale <= 1e6))
        throw Error("embed_scale: " + std::to_string(spec.embedScale) + " is outside [1e-6, 1e6]");
    if (spec.embedScale != 1.0 && spec.encoder != "tokens")
        throw Error("embed_scale: scales the \"tokens\" encoder's embeddings only");
    if (!(spec.logitSoftCap >= 0.0 && spec.logitSoftCap <= 1e6))
        throw Error("logit_soft_cap: " + std::to_string(spec.logitSoftCap) + " is outside [0, 1e6]");
    if (spec.blocks.empty()) throw Error("blocks: a model needs at least one block");
    requireRange("blocks (count)", int64_t(spec.blocks.size()), 1, 256);
    if (spec.style == "paper_transformer" && spec.norm != "layer")
        throw Error("norm: the paper_transformer style uses LayerNorm only (models/transformer.py)");

    for (size_t i = 0; i < spec.blocks.size(); ++i) {
        const BlockSpec& block = spec.blocks[i];
        const std::string where = "blocks[" + std::to_string(i) + "]";
        requireChoice(where + ".channel_mixer", block.channelMixer, field(blockFieldSchema(), "channel_mixer"));
        requireRange(where + ".channel_mixer_dim", block.channelMixerDim, field(blockFieldSchema(), "channel_mixer_dim"));
        if (spec.style == "paper_mamba" && block.channelMixer != "glu" && block.channelMixer != "none")
            throw Error(where + ".channel_mixer: the paper_mamba block has a GLU or nothing");
        if (spec.style == "paper_ssm" && block.channelMixer != "none")
            throw Error(where + ".channel_mixer: the paper_ssm block's GLU is set by ssm_activation");
        if (spec.style != "standard" && spec.style != "paper_transformer" && block.outputGate)
            throw Error(where + ".output_gate: only the standard and paper_transformer blocks have a gate");
        if (block.mixer.type == kNoMixer) {
            if (spec.style != "standard") throw Error(where + ".mixer.type: only the standard block may have no mixer");
            if (block.channelMixer == "none")
                throw Error(where + ".mixer.type: a block without a mixer needs a channel mixer");
            if (block.outputGate) throw Error(where + ".output_gate: a block without a mixer has no output gate");
            if (!block.mixer.options.empty()) throw Error(where + ".mixer.options: a block without a mixer has none");
            continue;
        }
        const MixerEntry& entry = findMixer(block.mixer.type, where + ".mixer.type");
        const json options = resolveOptions(entry.options(), block.mixer.options, where + ".mixer.options");
        entry.check(spec, options, where + ".mixer.options");
    }
}

json specToJson(const ModelSpec& spec) {
    json blocks = json::array();
    for (const BlockSpec& block : spec.blocks) {
        blocks.push_back({{"mixer", {{"type", block.mixer.type}, {"options", block.mixer.options}}},
                          {"channel_mixer", block.channelMixer},
                          {"channel_mixer_dim", block.channelMixerDim},
                          {"output_gate", block.outputGate}});
    }
    return {{"name", spec.name},
            {"style", spec.style},
            {"d_model", spec.dModel},
            {"encoder", spec.encoder},
            {"vocab_size", spec.vocabSize},
            {"input_dim", spec.inputDim},
            {"max_positions", spec.maxPositions},
            {"seq_len", spec.seqLen},
            {"norm", spec.norm},
            {"norm_position", spec.normPosition},
            {"norm_eps", spec.normEps},
            {"final_norm", spec.finalNorm},
            {"ssm_activation", spec.ssmActivation},
            {"head", spec.head},
            {"pooling", spec.pooling},
            {"output_dim", spec.outputDim},
            {"head_bias", spec.headBias},
            {"dropout", spec.dropout},
            {"embed_scale", spec.embedScale},
            {"logit_soft_cap", spec.logitSoftCap},
            {"seed", spec.seed},
            {"blocks", blocks}};
}

ModelSpec specFromJson(const json& j, const std::string& origin) {
    if (!j.is_object()) throw Error(origin + ": a model spec must be a JSON object");
    rejectUnknownKeys(j,
                      {"name", "description", "style", "d_model", "encoder", "vocab_size", "input_dim",
                       "max_positions", "seq_len", "norm", "norm_position", "norm_eps", "final_norm", "ssm_activation", "head",
                       "pooling", "output_dim", "head_bias", "dropout", "embed_scale", "logit_soft_cap", "seed", "blocks", "num_layers", "mixer",
                       "channel_mixer", "channel_mixer_dim", "output_gate", "training"},
                      origin);
    ModelSpec spec;
    readField(j, "name", spec.name, origin);
    readField(j, "style", spec.style, origin);
    readField(j, "d_model", spec.dModel, origin);
    readField(j, "encoder", spec.encoder, origin);
    readField(j, "vocab_size", spec.vocabSize, origin);
    readField(j, "input_dim", spec.inputDim, origin);
    readField(j, "max_positions", spec.maxPositions, origin);
    readField(j, "seq_len", spec.seqLen, origin);
    readField(j, "norm", spec.norm, origin);
    readField(j, "norm_position", spec.normPosition, origin);
    readField(j, "norm_eps", spec.normEps, origin);
    readField(j, "final_norm", spec.finalNorm, origin);
    readField(j, "ssm_activation", spec.ssmActivation, origin);
    readField(j, "head", spec.head, origin);
    readField(j, "pooling", spec.pooling, origin);
    readField(j, "output_dim", spec.outputDim, origin);
    readField(j, "head_bias", spec.headBias, origin);
    readField(j, "dropout", spec.dropout, origin);
    readField(j, "embed_scale", spec.embedScale, origin);
    readField(j, "logit_soft_cap", spec.logitSoftCap, origin);
    readField(j, "seed", spec.seed, origin);

    auto readBlock = [&](const json& b, const std::string& where) {
        if (!b.is_object()) throw Error(where + ": expected an object");
        BlockSpec block;
        if (b.contains("mixer")) {
            const json& m = b.at("mixer");
            if (m.is_string()) {
                block.mixer.type = m.get<std::string>();
            } else if (m.is_object()) {
                rejectUnknownKeys(m, {"type", "options"}, where + ".mixer");
                readField(m, "type", block.mixer.type, where + ".mixer");
                if (m.contains("options")) block.mixer.options = m.at("options");
            } else {
                throw Error(where + ".mixer: expected a mixer name or {\"type\", \"options\"}");
            }
        }
        readField(b, "channel_mixer", block.channelMixer, where);
        readField(b, "channel_mixer_dim", block.channelMixerDim, where);
        readField(b, "output_gate", block.outputGate, where);
        return block;
    };

    if (j.contains("blocks")) {
        if (!j.at("blocks").is_array()) throw Error(origin + ": \"blocks\" must be an array");
        size_t i = 0;
        for (const json& b : j.at("blocks")) {
            const std::string where = origin + ": blocks[" + std::to_string(i++) + "]";
            rejectUnknownKeys(b, {"mixer", "channel_mixer", "channel_mixer_dim", "output_gate"}, where);
            spec.blocks.push_back(readBlock(b, where));
        }
    } else if (j.contains("num_layers")) {
        // Shorthand: num_layers identical blocks described by the top-level mixer/channel_mixer fields.
        int64_t layers = 0;
        readField(j, "num_layers", layers, origin);
        requireRange(origin + ": num_layers", layers, 1, 256);
        const BlockSpec block = readBlock(j, origin);
        spec.blocks.assign(size_t(layers), block);
    }
    return spec;
}

ModelSpec specFromJsonText(const std::string& text, const std::string& origin) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw Error(origin + ": not valid JSON (" + std::string(e.what()) + ")");
    }
    return specFromJson(j, origin);
}

}  // namespace eigenscope
