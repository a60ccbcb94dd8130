// Checkpoints of the reference paper code (arXiv 2510.09379): torch.save or safetensors state dicts of its
// Transformer (sm-, lin-, norm-attention) and Mamba-2 / pseudo-LTI SSD models, described by its YAML config. Its JAX
// S4 and LRU checkpoints (orbax folders) are refused with a message that says so.
#include "io/formats/paper_checkpoint.h"

#include "eigenscope/error.h"
#include "io/formats/format.h"
#include "io/formats/signatures.h"
#include "io/formats/state_dict.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace eigenscope::io {

namespace fs = std::filesystem;

namespace {

bool isYaml(const std::string& path) { return hasExtension(path, ".yaml") || hasExtension(path, ".yml"); }

bool isOrbaxFolder(const fs::path& folder) {
    for (const char* marker : {"_CHECKPOINT_METADATA", "_METADATA", "checkpoint", "manifest.ocdbt"})
        if (fs::exists(folder / marker)) return true;
    return false;
}

[[noreturn]] void jaxOutOfScope(const std::string& origin) {
    throw Error(origin + ": JAX/orbax checkpoints (the reference code's S4 and LRU models) cannot be opened; "
                         "eigenscope reads PyTorch state dicts and safetensors. Build the model from its preset or "
                         "spec instead (e.g. preset:paper-mqar-s4)");
}

template <class T>
T yamlValue(const YAML::Node& section, const std::string& key, const std::string& origin) {
    const YAML::Node node = section[key];
    if (!node) throw Error(origin + ": model." + key + " is missing");
    try {
        return node.as<T>();
    } catch (const YAML::Exception&) {
        throw Error(origin + ": model." + key + " has the wrong type");
    }
}

template <class T>
T yamlOptional(const YAML::Node& section, const std::string& key, T fallback, const std::string& origin) {
    const YAML::Node node = section[key];
    if (!node || node.IsNull()) return fallback;
    try {
        return node.as<T>();
    } catch (const YAML::Exception&) {
        throw Error(origin + ": model." + key + " has the wrong type");
    }
}

ModelSpec transformerSpec(const YAML::Node& m, const std::string& origin) {
    ModelSpec spec;
    spec.style = "paper_transformer";
    spec.dModel = yamlValue<int64_t>(m, "hidden_dim", origin);
    if (yamlValue<bool>(m, "embedding", origin)) {
        spec.encoder = "tokens";
        spec.vocabSize = yamlValue<int64_t>(m, "vocab_size", origin);
        spec.maxPositions = yamlValue<int64_t>(m, "max_pos_embed", origin);
    } else {
        spec.encoder = "linear";
        spec.inputDim = yamlValue<int64_t>(m, "input_dim", origin);
    }
    if (yamlValue<bool>(m, "classifier", origin))
        throw Error(origin + ": model.classifier: True (the reference's MLP classifier head) is not supported; only the LM head");
    if (yamlOptional<bool>(m, "dual", false, origin)) throw Error(origin + ": model.dual: True (the MATCH head) is not supported");
    spec.head = "lm";
    spec.headBias = false;
    const int64_t output = yamlValue<int64_t>(m, "output_dim", origin);
    if (spec.encoder != "tokens" || output != spec.vocabSize) spec.outputDim = output;
    spec.norm = yamlValue<std::string>(m, "norm", origin);
    spec.dropout = yamlValue<double>(m, "dropout", origin);
    BlockSpec block;
    const std::string mixer = yamlValue<std::string>(m, "mixer", origin);
    if (mixer == "hybrid") throw Error(origin + ": model.mixer: hybrid is not supported (none, mlp or glu)");
    if (mixer != "none" && mixer != "mlp" && mixer != "glu") throw Error(origin + ": model.mixer: unknown value \"" + mixer + "\"");
    block.channelMixer = mixer;
    if (mixer == "mlp") block.channelMixerDim = yamlValue<int64_t>(m, "mixer_dim", origin);
    block.outputGate = yamlOptional<bool>(m, "use_gate", false, origin);
    const std::string attention = yamlValue<std::string>(m, "attention_fn", origin);
    nlohmann::json options = {{"num_heads", yamlValue<int64_t>(m, "num_heads", origin)},
                              {"state_dim", yamlValue<int64_t>(m, "state_dim", origin)},
                              {"conv_kernel", yamlOptional<int64_t>(m, "dim_conv", 0, origin)},
                              {"conv_type", yamlOptional<std::string>(m, "conv_type", "full", origin)}};
    if (attention == "sm-attention") {
        block.mixer.type = "softmax_attention";
    } else if (attention == "lin-attention") {
        block.mixer.type = "linear_attention";
    } else if (attention == "norm-attention") {
        block.mixer.type = "norm_attention";
        if (yamlValue<bool>(m, "learn_A", origin)) throw Error(origin + ": model.learn_A: True is not supported");
        options["norm_fn"] = yamlValue<std::string>(m, "norm_fn", origin);
        options["approx_fn"] = yamlValue<std::string>(m, "approx_fn", origin);
        options["scale_B"] = yamlValue<bool>(m, "scale_B", origin);
        options["offset"] = yamlValue<bool>(m, "offset", origin);
        options["offset_init"] = yamlValue<std::string>(m, "offset_init", origin);
    } else {
        throw Error(origin + ": model.attention_fn: \"" + attention + "\" is not one of sm-attention, lin-attention, norm-attention");
    }
    block.mixer.options = options;
    spec.blocks.assign(size_t(yamlValue<int64_t>(m, "num_layers", origin)), block);
    return spec;
}

ModelSpec mambaSpec(const YAML::Node& m, const std::string& origin) {
    ModelSpec spec;
    spec.style = "paper_mamba";
    if (yamlValue<std::string>(m, "version", origin) != "mamba2")
        throw Error(origin + ": model.version: only mamba2 (the SSD) is supported");
    if (yamlOptional<bool>(m, "dual", false, origin)) throw Error(origin + ": model.dual: True (the MATCH head) is not supported");
    spec.dModel = yamlValue<int64_t>(m, "hidden_dim", origin);
    if (yamlValue<bool>(m, "token_embedding", origin)) {
        spec.encoder = "tokens";
        spec.vocabSize = yamlValue<int64_t>(m, "vocab_size", origin);
    } else {
        spec.encoder = "linear";
        spec.inputDim = yamlValue<int64_t>(m, "input_dim", origin);
    }
    const std::string pooling = yamlOptional<std::string>(m, "pooling", "none", origin);
    if (pooling == "mean" || pooling == "max" || pooling == "last") {
        spec.head = "classifier";
        spec.pooling = pooling;
    } else {
        spec.head = "lm";
    }
    spec.headBias = true;
    const int64_t output = yamlValue<int64_t>(m, "output_dim", origin);
    if (spec.encoder != "tokens" || output != spec.vocabSize) spec.outputDim = output;
    spec.norm = yamlValue<std::string>(m, "norm", origin);
    spec.normPosition = yamlValue<bool>(m, "prenorm", origin) ? "pre" : "post";
    spec.finalNorm = false;
    spec.dropout = yamlValue<double>(m, "dropout", origin);
    BlockSpec block;
    block.channelMixer = yamlValue<bool>(m, "glu", origin) ? "glu" : "none";
    const bool lti = yamlOptional<bool>(m, "pseudoLTI", false, origin);
    block.mixer.type = lti ? "mamba2_lti" : "mamba2";
    block.mixer.options = {{"d_state", yamlValue<int64_t>(m, "state_dim", origin)},
                           {"expand", yamlValue<int64_t>(m, "expansion", origin)},
                           {"num_heads", yamlValue<int64_t>(m, "num_heads", origin)},
                           {"d_conv", yamlValue<int64_t>(m, "conv_dim", origin)}};
    if (!lti) block.mixer.options["gated_norm"] = false;
    spec.blocks.assign(size_t(yamlValue<int64_t>(m, "num_layers", origin)), block);
    return spec;
}

}  // namespace

ModelSpec paperSpecFromYaml(const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw Error(path + ": cannot open the config");
    } catch (const YAML::Exception& e) {
        throw Error(path + ": not valid YAML (" + std::string(e.what()) + ")");
    }
    if (!root.IsMap() || !root["model"] || !root["model"].IsMap()) throw Error(path + ": no model section");
    const YAML::Node m = root["model"];
    const std::string layer = yamlOptional<std::string>(m, "layer", m["attention_fn"] ? "transformer" : "", path);
    ModelSpec spec;
    if (layer == "transformer") spec = transformerSpec(m, path);
    else if (layer == "mamba") spec = mambaSpec(m, path);
    else if (layer == "s4" || layer == "lru") jaxOutOfScope(path);
    else throw Error(path + ": model.layer \"" + layer + "\" is not transformer or mamba");
    spec.name = fs::path(path).stem().string();
    spec.seed = yamlOptional<uint64_t>(root, "seed", 0, path);
    const YAML::Node dataset = root["dataset"];
    spec.seqLen = dataset && dataset.IsMap() ? yamlOptional<int64_t>(dataset, "input_seq_length", 512, path) : 512;
    validateSpec(spec);
    return spec;
}

ModelFormat paperCheckpointFormat() {
    ModelFormat f;
    f.info = {"reference-code checkpoint + YAML config",
              "a state dict of the paper's PyTorch models (torch.save or safetensors) with its YAML config",
              {"*.pt", "*.pth", "*.bin", "*.ckpt", "*.safetensors"}, false, "yaml"};
    f.recognizes = [](const std::string& path, const std::string& config) {
        return isYaml(config) && fs::is_regular_file(path) && isBareStateDict(path);
    };
    f.read = [](const std::string& path, const std::string& config) {
        ImportedModel out;
        out.spec = paperSpecFromYaml(config);
        out.tensors = readStateDict(path, out.warnings);
        out.variant = "config " + fs::path(config).filename().string();
        return out;
    };
    return f;
}

ModelFormat orbaxFormat() {
    ModelFormat f;
    f.info = {"JAX/orbax checkpoint (refused)", "the reference code's S4 and LRU checkpoints; not readable", {}, true, ""};
    f.recognizes = [](const std::string& path, const std::string&) { return fs::is_directory(path) && isOrbaxFolder(path); };
    f.read = [](const std::string& path, const std::string&) -> ImportedModel { jaxOutOfScope(path); };
    return f;
}

}  // namespace eigenscope::io
