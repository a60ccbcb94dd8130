// Hugging Face checkpoints: mamba_ssm and transformers Mamba, Falcon-Mamba and Mamba-2 (with groups), fla's GLA,
// RetNet, DeltaNet and Gated DeltaNet (hf_fla.cpp), GPT-2 (hf_gpt2.cpp), the Llama family: Llama, Mistral, Qwen2,
// Qwen3 (hf_llama.cpp), Nemotron-H (hf_nemotron.cpp) and RecurrentGemma (hf_recurrent_gemma.cpp): a folder with
// config.json and model.safetensors, a sharded model.safetensors.index.json or pytorch_model.bin; or one weights file
// with config.json beside it.
#include "io/formats/hugging_face.h"

#include "eigenscope/error.h"
#include "io/formats/format.h"
#include "io/formats/hf_config.h"
#include "io/formats/hf_fla.h"
#include "io/formats/hf_gpt2.h"
#include "io/formats/hf_llama.h"
#include "io/formats/hf_nemotron.h"
#include "io/formats/hf_recurrent_gemma.h"
#include "io/formats/signatures.h"
#include "io/formats/state_dict.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace eigenscope::io {

namespace fs = std::filesystem;

namespace {

const char* const kWeightFiles[] = {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"};

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

nlohmann::json readJson(const std::string& path) {
    try {
        return nlohmann::json::parse(hf::withQuotedNonFinite(readText(path)));
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": not valid JSON (" + e.what() + ")");
    }
}

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
    const auto config = readJson(configPath.string());
    ImportedModel out;
    NamedTensors raw;
    for (const auto& file : weightFiles) {
        auto tensors = readStateDict(file.string(), out.warnings);
        raw.insert(raw.end(), std::make_move_iterator(tensors.begin()), std::make_move_iterator(tensors.end()));
    }
    using Importer = ImportedModel (*)(const nlohmann::json&, NamedTensors, const std::string&);
    const Importer family = isFlaConfig(config)              ? importFla
                            : isLlamaFamilyConfig(config)    ? importLlamaFamily
                            : isGpt2Config(config)           ? importGpt2
                            : isNemotronHConfig(config)      ? importNemotronH
                            : isRecurrentGemmaConfig(config) ? importRecurrentGemma
                                                             : nullptr;
    if (family) {
        auto imported = family(config, std::move(raw), configPath.string());
        imported.spec.name = folder.filename().string();
        imported.warnings.insert(imported.warnings.begin(), out.warnings.begin(), out.warnings.end());
        return imported;
    }
    out.spec = mambaSpecFromConfig(config, configPath.string());
    const bool tied = jsonValue<bool>(config, "tie_embeddings", jsonValue<bool>(config, "tie_word_embeddings", true, origin), origin);
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
    hf::tieHeadIfMissing(out, hasHead, tied, embedding, origin);
    const auto& mixer = out.spec.blocks.front().mixer;
    const bool falcon = mixer.options.value("bcdt_rms_eps", 0.0) > 0;
    out.variant = mixer.type == "mamba2" ? "Mamba-2" : falcon ? "Falcon-Mamba" : "Mamba";
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

bool isConfigJson(const std::string& path) { return fs::path(path).filename() == "config.json"; }

// Where the checkpoint `path` (with `config`) lies: its folder and its weights file (a weights file, a shard index,
// or empty when the folder has none); false when it is no Hugging Face checkpoint.
bool locate(const std::string& path, const std::string& config, fs::path& folder, fs::path& weights) {
    const fs::path p(path);
    if (fs::is_directory(p)) {
        folder = p;
        for (const char* name : kWeightFiles)
            if (weights.empty() && fs::exists(p / name)) weights = p / name;
        return !weights.empty() || fs::exists(p / "config.json");
    }
    if (!fs::is_regular_file(p)) return false;
    if (hasExtension(path, ".index.json")) {
        folder = p.parent_path();
        weights = p;
        return true;
    }
    if (isConfigJson(path)) return locate(p.parent_path().string(), "", folder, weights);
    if (!isBareStateDict(path)) return false;
    if (isConfigJson(config)) folder = fs::path(config).parent_path();
    else if (config.empty() && fs::exists(p.parent_path() / "config.json")) folder = p.parent_path();
    else return false;
    weights = p;
    return true;
}

}  // namespace

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
            block.mixer.options["ngroups"] = jsonValue<int64_t>(ssm, "ngroups", 1, origin);
        } else if (kind == "Mamba1") {
            block.mixer.type = "s6";
            block.mixer.options = {{"d_state", jsonValue<int64_t>(ssm, "d_state", 16, origin)},
                                   {"expand", jsonValue<int64_t>(ssm, "expand", 2, origin)},
                                   {"d_conv", jsonValue<int64_t>(ssm, "d_conv", 4, origin)}};
        } else {
            throw Error(origin + ": ssm_cfg.layer \"" + kind + "\" is not Mamba1 or Mamba2");
        }
    } else {
        // transformers MambaConfig / FalconMambaConfig / Mamba2Config.
        const std::string type = jsonValue<std::string>(c, "model_type", "", origin);
        if (type != "mamba" && type != "falcon_mamba" && type != "mamba2")
            throw Error(origin + ": neither a mamba_ssm config (d_model) nor a model_type eigenscope reads (mamba, "
                                 "falcon_mamba, mamba2, gla, retnet, delta_net, gated_deltanet, gpt2, llama, mistral, "
                                 "qwen2, qwen3, nemotron_h, recurrent_gemma)" +
                        (type.empty() ? std::string() : "; model_type is \"" + type + "\""));
        spec.dModel = jsonValue<int64_t>(c, "hidden_size", 0, origin);
        layers = jsonValue<int64_t>(c, "num_hidden_layers", 0, origin);
        spec.vocabSize = jsonValue<int64_t>(c, "vocab_size", 0, origin);
        spec.norm = "rms";
        if (jsonValue<bool>(c, "use_bias", false, origin)) throw Error(origin + ": use_bias: true is not supported");
        if (!jsonValue<bool>(c, "use_conv_bias", true, origin)) throw Error(origin + ": use_conv_bias: false is not supported");
        const int64_t conv = jsonValue<int64_t>(c, "conv_kernel", 4, origin);
        if (type == "mamba" || type == "falcon_mamba") {
            block.mixer.type = "s6";
            const int64_t inner = jsonValue<int64_t>(c, "intermediate_size",
                                                     jsonValue<int64_t>(c, "expand", 2, origin) * spec.dModel, origin);
            if (spec.dModel <= 0 || inner % spec.dModel != 0)
                throw Error(origin + ": intermediate_size must be a multiple of hidden_size");
            int64_t rank = 0;
            if (c.contains("time_step_rank") && c["time_step_rank"].is_number_integer()) rank = c["time_step_rank"].get<int64_t>();
            block.mixer.options = {{"d_state", jsonValue<int64_t>(c, "state_size", 16, origin)},
                                   {"expand", inner / spec.dModel},
                                   {"d_conv", conv},
                                   {"dt_rank", rank}};
            if (type == "falcon_mamba") {
                const double eps = jsonValue<double>(c, "mixer_rms_eps", 1e-6, origin);
                if (!(eps > 0 && eps <= 1)) throw Error(origin + ": mixer_rms_eps must lie in (0, 1]");
                block.mixer.options["bcdt_rms_eps"] = eps;
            }
        } else {
            block.mixer.type = "mamba2";
            if (jsonValue<bool>(c, "norm_before_gate", false, origin)) throw Error(origin + ": norm_before_gate: true is not supported");
            hf::checkTimeStepLimit(c, origin);
            block.mixer.options = {{"d_state", jsonValue<int64_t>(c, "state_size", 128, origin)},
                                   {"expand", jsonValue<int64_t>(c, "expand", 2, origin)},
                                   {"headdim", jsonValue<int64_t>(c, "head_dim", 64, origin)},
                                   {"d_conv", conv},
                                   {"gated_norm", true},
                                   {"ngroups", jsonValue<int64_t>(c, "n_groups", 1, origin)},
                                   {"norm_eps", jsonValue<double>(c, "layer_norm_epsilon", 1e-5, origin)}};
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

ModelFormat huggingFaceFormat() {
    ModelFormat f;
    f.info = {"Hugging Face / mamba_ssm",
              "a Mamba, Falcon-Mamba, Mamba-2, GPT-2, Llama, Mistral, Qwen2, Qwen3, Nemotron-H, RecurrentGemma or fla "
              "(GLA, RetNet, DeltaNet, Gated DeltaNet) checkpoint folder: config.json with model.safetensors, a sharded "
              "index or pytorch_model.bin",
              {"config.json", "*.index.json"}, true, ""};
    f.recognizes = [](const std::string& path, const std::string& config) {
        fs::path folder, weights;
        return locate(path, config, folder, weights);
    };
    f.read = [](const std::string& path, const std::string& config) {
        fs::path folder, weights;
        locate(path, config, folder, weights);
        if (weights.empty())
            throw Error(path + ": a folder without model.safetensors, model.safetensors.index.json or pytorch_model.bin");
        auto imported = importMamba(folder, hasExtension(weights.string(), ".index.json") ? shardFiles(weights, path)
                                                                                          : std::vector<fs::path>{weights},
                                    path);
        if (fs::is_regular_file(folder / "tokenizer.json")) imported.tokenizer = (folder / "tokenizer.json").string();
        return imported;
    };
    return f;
}

}  // namespace eigenscope::io
