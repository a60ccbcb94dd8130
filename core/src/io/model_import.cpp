#include "io/model_import.h"

#include "eigenscope/error.h"
#include "io/safetensors.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace eigenscope::io {

namespace fs = std::filesystem;

namespace {

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

nlohmann::json readJson(const std::string& path) {
    try {
        return nlohmann::json::parse(readText(path));
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": not valid JSON (" + e.what() + ")");
    }
}

bool looksLikeLegacyPickle(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char first = 0;
    return in.get(first) && uint8_t(first) == 0x80;  // a pickle PROTO opcode: torch.save before PyTorch 1.6
}

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

// ---- YAML (the reference code's configs) ----

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

// ---- Hugging Face / mamba_ssm ----

template <class T>
T jsonValue(const nlohmann::json& j, const std::string& key, T fallback, const std::string& origin) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    try {
        return j[key].get<T>();
    } catch (const nlohmann::json::exception&) {
        throw Error(origin + ": " + key + " has the wrong type");
    }
}

std::string hfKey(const std::string& key, bool& isHead) {
    static const std::regex layer(R"(^backbone\.layers\.(\d+)\.(norm|mixer)\.(.+)$)");
    std::smatch m;
    isHead = false;
    if (key == "backbone.embedding.weight" || key == "backbone.embeddings.weight") return "encoder.word_embeddings.weight";
    if (key == "backbone.norm_f.weight") return "norm.weight";
    if (key == "lm_head.weight") {
        isHead = true;
        return "decoder.weight";
    }
    if (std::regex_match(key, m, layer)) return "layers." + m[1].str() + "." + m[2].str() + "." + m[3].str();
    return {};
}

ImportedModel importMamba(const fs::path& folder, const std::vector<fs::path>& weightFiles, const std::string& origin) {
    const fs::path configPath = folder / "config.json";
    if (!fs::exists(configPath)) throw Error(origin + ": no config.json next to the weights, so the architecture is unknown");
    ImportedModel out;
    out.spec = mambaSpecFromConfig(readJson(configPath.string()), configPath.string());
    bool tied = true;
    {
        const auto config = readJson(configPath.string());
        tied = jsonValue<bool>(config, "tie_embeddings", jsonValue<bool>(config, "tie_word_embeddings", true, origin), origin);
    }
    NamedTensors raw;
    for (const auto& file : weightFiles) {
        if (looksLikeZip(file.string())) {
            auto state = readTorchSave(file.string());
            for (auto& note : state.notes) out.warnings.push_back(note);
            raw.insert(raw.end(), state.tensors.begin(), state.tensors.end());
        } else {
            const auto st = SafetensorsFile::open(file.string());
            for (const auto& e : st.header().tensors) raw.emplace_back(e.name, st.tensor(e.name));
        }
    }
    bool hasHead = false;
    torch::Tensor embedding;
    for (auto& [key, tensor] : raw) {
        bool isHead = false;
        const std::string ours = hfKey(key, isHead);
        if (ours.empty()) throw Error(origin + ": unexpected tensor \"" + key + "\" for a Mamba checkpoint");
        hasHead = hasHead || isHead;
        if (ours == "encoder.word_embeddings.weight") embedding = tensor;
        out.tensors.emplace_back(ours, tensor);
    }
    if (!embedding.defined()) throw Error(origin + ": no backbone.embedding.weight (or backbone.embeddings.weight)");
    if (embedding.dim() != 2) throw Error(origin + ": the embedding is not a matrix");
    if (embedding.size(0) != out.spec.vocabSize)
        throw Error(origin + ": config.json gives a (padded) vocabulary of " + std::to_string(out.spec.vocabSize) +
                    ", the embedding has " + std::to_string(embedding.size(0)) + " rows");
    if (!hasHead) {
        if (!tied) throw Error(origin + ": lm_head.weight is missing and the config does not tie it to the embedding");
        out.tensors.emplace_back("decoder.weight", embedding);
        out.warnings.push_back("lm_head.weight rebuilt from the tied embedding");
    }
    out.format = out.spec.blocks.front().mixer.type == "s6" ? "Mamba" : "Mamba-2";
    return out;
}

std::vector<fs::path> shardFiles(const fs::path& index, const std::string& origin) {
    const auto json = readJson(index.string());
    if (!json.contains("weight_map") || !json["weight_map"].is_object())
        throw Error(index.string() + ": no weight_map object");
    std::set<std::string> files;
    for (const auto& [name, file] : json["weight_map"].items()) {
        if (!file.is_string()) throw Error(index.string() + ": weight_map entry " + name + " is not a file name");
        const std::string f = file.get<std::string>();
        if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
            throw Error(index.string() + ": weight_map names a file outside the folder: " + f);
        files.insert(f);
    }
    std::vector<fs::path> out;
    for (const auto& f : files) out.push_back(index.parent_path() / f);
    return out;
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

ModelSpec mambaSpecFromConfig(const nlohmann::json& c, const std::string& origin) {
    if (!c.is_object()) throw Error(origin + ": not a JSON object");
    ModelSpec spec;
    spec.style = "standard";
    spec.encoder = "tokens";
    spec.normPosition = "pre";
    spec.finalNorm = true;
    spec.head = "lm";
    spec.headBias = false;
    spec.seqLen = 2048;
    BlockSpec block;
    int64_t layers = 0;
    const bool mambaSsm = c.contains("d_model");
    if (mambaSsm) {
        // mamba_ssm MambaConfig (config_mamba.py).
        spec.dModel = jsonValue<int64_t>(c, "d_model", 0, origin);
        layers = jsonValue<int64_t>(c, "n_layer", 0, origin);
        const int64_t vocab = jsonValue<int64_t>(c, "vocab_size", 0, origin);
        const int64_t multiple = std::max<int64_t>(1, jsonValue<int64_t>(c, "pad_vocab_size_multiple", 8, origin));
        spec.vocabSize = (vocab + multiple - 1) / multiple * multiple;
        spec.norm = jsonValue<bool>(c, "rms_norm", true, origin) ? "rms" : "layer";
        if (jsonValue<int64_t>(c, "d_intermediate", 0, origin) != 0)
            throw Error(origin + ": d_intermediate > 0 (a gated MLP after each mixer) is not supported");
        if (c.contains("attn_layer_idx") && c["attn_layer_idx"].is_array() && !c["attn_layer_idx"].empty())
            throw Error(origin + ": attention layers (attn_layer_idx) are not supported");
        const auto ssm = c.value("ssm_cfg", nlohmann::json::object());
        const std::string kind = jsonValue<std::string>(ssm, "layer", "Mamba1", origin);
        if (kind == "Mamba2") {
            block.mixer.type = "mamba2";
            block.mixer.options = {{"d_state", jsonValue<int64_t>(ssm, "d_state", 128, origin)},
                                   {"expand", jsonValue<int64_t>(ssm, "expand", 2, origin)},
                                   {"headdim", jsonValue<int64_t>(ssm, "headdim", 64, origin)},
                                   {"d_conv", jsonValue<int64_t>(ssm, "d_conv", 4, origin)},
                                   {"gated_norm", true}};
            if (jsonValue<int64_t>(ssm, "ngroups", 1, origin) != 1) throw Error(origin + ": ssm_cfg.ngroups other than 1 is not supported");
        } else if (kind == "Mamba1") {
            block.mixer.type = "s6";
            block.mixer.options = {{"d_state", jsonValue<int64_t>(ssm, "d_state", 16, origin)},
                                   {"expand", jsonValue<int64_t>(ssm, "expand", 2, origin)},
                                   {"d_conv", jsonValue<int64_t>(ssm, "d_conv", 4, origin)}};
        } else {
            throw Error(origin + ": ssm_cfg.layer \"" + kind + "\" is not Mamba1 or Mamba2");
        }
    } else {
        // transformers MambaConfig / Mamba2Config.
        const std::string type = jsonValue<std::string>(c, "model_type", "", origin);
        if (type != "mamba" && type != "mamba2")
            throw Error(origin + ": neither a mamba_ssm config (d_model) nor a transformers Mamba config (model_type mamba or mamba2)");
        spec.dModel = jsonValue<int64_t>(c, "hidden_size", 0, origin);
        layers = jsonValue<int64_t>(c, "num_hidden_layers", 0, origin);
        spec.vocabSize = jsonValue<int64_t>(c, "vocab_size", 0, origin);
        spec.norm = "rms";
        if (jsonValue<bool>(c, "use_bias", false, origin)) throw Error(origin + ": use_bias: true is not supported");
        if (!jsonValue<bool>(c, "use_conv_bias", true, origin)) throw Error(origin + ": use_conv_bias: false is not supported");
        const int64_t conv = jsonValue<int64_t>(c, "conv_kernel", 4, origin);
        if (type == "mamba") {
            block.mixer.type = "s6";
            const int64_t inner = jsonValue<int64_t>(c, "intermediate_size", 2 * spec.dModel, origin);
            if (spec.dModel <= 0 || inner % spec.dModel != 0)
                throw Error(origin + ": intermediate_size must be a multiple of hidden_size");
            int64_t rank = 0;
            if (c.contains("time_step_rank") && c["time_step_rank"].is_number_integer()) rank = c["time_step_rank"].get<int64_t>();
            block.mixer.options = {{"d_state", jsonValue<int64_t>(c, "state_size", 16, origin)},
                                   {"expand", inner / spec.dModel},
                                   {"d_conv", conv},
                                   {"dt_rank", rank}};
        } else {
            block.mixer.type = "mamba2";
            if (jsonValue<int64_t>(c, "n_groups", 1, origin) != 1) throw Error(origin + ": n_groups other than 1 is not supported");
            if (jsonValue<bool>(c, "norm_before_gate", false, origin)) throw Error(origin + ": norm_before_gate: true is not supported");
            block.mixer.options = {{"d_state", jsonValue<int64_t>(c, "state_size", 128, origin)},
                                   {"expand", jsonValue<int64_t>(c, "expand", 2, origin)},
                                   {"headdim", jsonValue<int64_t>(c, "head_dim", 64, origin)},
                                   {"d_conv", conv},
                                   {"gated_norm", true}};
        }
    }
    if (spec.dModel <= 0 || layers <= 0 || spec.vocabSize <= 0)
        throw Error(origin + ": the width, layer count and vocabulary must be positive");
    if (layers > 4096) throw Error(origin + ": " + std::to_string(layers) + " layers is absurd");
    spec.name = fs::path(origin).parent_path().filename().string();
    spec.blocks.assign(size_t(layers), block);
    validateSpec(spec);
    return spec;
}

ImportedModel importModel(const std::string& path, const std::string& config) {
    const fs::path p(path);
    if (!fs::exists(p)) throw Error(path + ": no such file or folder");
    if (fs::is_directory(p)) {
        if (fs::exists(p / "model.safetensors")) return importMamba(p, {p / "model.safetensors"}, path);
        if (fs::exists(p / "model.safetensors.index.json")) return importMamba(p, shardFiles(p / "model.safetensors.index.json", path), path);
        if (fs::exists(p / "pytorch_model.bin")) return importMamba(p, {p / "pytorch_model.bin"}, path);
        if (isOrbaxFolder(p)) jaxOutOfScope(path);
        throw Error(path + ": a folder without model.safetensors, model.safetensors.index.json or pytorch_model.bin");
    }
    const std::string name = p.filename().string();
    if (name.size() > 11 && name.substr(name.size() - 11) == ".index.json") return importMamba(p.parent_path(), shardFiles(p, path), path);

    ImportedModel out;
    bool native = false;
    if (looksLikeZip(path) || looksLikeLegacyPickle(path)) {
        auto state = readTorchSave(path);
        out.tensors = std::move(state.tensors);
        out.warnings = std::move(state.notes);
        out.format = "torch.save state dict";
    } else {
        const auto file = SafetensorsFile::open(path);
        const auto spec = file.header().metadata.find(kSpecMetadataKey);
        native = spec != file.header().metadata.end();
        if (native) out.spec = specFromJsonText(spec->second, path + " (__metadata__ " + kSpecMetadataKey + ")");
        for (const auto& e : file.header().tensors) out.tensors.emplace_back(e.name, file.tensor(e.name));
        out.format = native ? "eigenscope native (safetensors)" : "safetensors";
    }
    if (native) {
        if (!config.empty()) out.warnings.push_back("--config ignored: the file carries its own spec");
        validateSpec(out.spec);
        return out;
    }
    if (!config.empty()) {
        const std::string ext = fs::path(config).extension().string();
        if (ext == ".yaml" || ext == ".yml") {
            out.spec = paperSpecFromYaml(config);
            out.format += " + reference-code config " + fs::path(config).filename().string();
            return out;
        }
        if (fs::path(config).filename() == "config.json") {
            auto mamba = importMamba(fs::path(config).parent_path(), {p}, path);
            return mamba;
        }
        throw Error(config + ": expected the reference code's YAML config or a Hugging Face config.json");
    }
    if (fs::exists(p.parent_path() / "config.json")) return importMamba(p.parent_path(), {p}, path);
    throw Error(path + ": a " + out.format + " without a model description: pass the reference code's YAML config with "
                "--config, or keep the Hugging Face config.json next to it");
}

NamedTensors moduleTensors(SequenceModel& module) {
    NamedTensors out;
    for (const auto& item : module->named_parameters(true)) out.emplace_back(item.key(), item.value());
    for (const auto& item : module->named_buffers(true)) out.emplace_back(item.key(), item.value());
    return out;
}

void loadTensors(SequenceModel& module, const NamedTensors& tensors, const std::string& origin, bool allowNonFinite,
                 std::vector<std::string>& warnings) {
    std::map<std::string, const torch::Tensor*> given;
    for (const auto& [name, tensor] : tensors) {
        if (!given.emplace(name, &tensor).second) throw Error(origin + ": tensor " + name + " appears twice");
    }
    torch::NoGradGuard noGrad;
    std::vector<std::string> missing;
    for (auto& [name, target] : moduleTensors(module)) {
        const auto found = given.find(name);
        if (found == given.end()) {
            missing.push_back(name);
            continue;
        }
        const torch::Tensor& source = *found->second;
        if (source.sizes() != target.sizes()) {
            std::ostringstream text;
            text << origin << ": tensor " << name << " has shape " << source.sizes() << ", the model described by the config needs "
                 << target.sizes();
            throw Error(text.str());
        }
        if (source.is_floating_point()) {
            const auto bad = (~torch::isfinite(source)).sum().item<int64_t>();
            if (bad > 0) {
                const std::string message = "tensor " + name + " holds " + std::to_string(bad) + " NaN or Inf values";
                if (!allowNonFinite) throw Error(origin + ": " + message);
                warnings.push_back(message);
            }
        }
        target.copy_(source.to(target.dtype()));
        given.erase(found);
    }
    if (!missing.empty()) {
        std::string list;
        for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
        if (missing.size() > 5) list += ", … (" + std::to_string(missing.size()) + " in all)";
        throw Error(origin + ": missing tensors for the model described by the config: " + list);
    }
    if (!given.empty()) {
        std::string list;
        size_t i = 0;
        for (const auto& [name, unused] : given) {
            if (i++ == 5) {
                list += ", …";
                break;
            }
            list += (list.empty() ? "" : ", ") + name;
        }
        throw Error(origin + ": tensors the model described by the config does not have: " + list);
    }
}

}  // namespace eigenscope::io
