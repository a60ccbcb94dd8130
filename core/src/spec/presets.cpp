#include "eigenscope/presets.h"

#include "eigenscope/error.h"
#include "presets_data.h"

#include <fstream>
#include <sstream>

namespace eigenscope {

namespace {

nlohmann::json presetJson(const EmbeddedPreset& preset) {
    auto j = nlohmann::json::parse(preset.json);
    j.erase("training");  // not part of the model spec
    return j;
}

std::optional<TrainingDefaults> trainingIn(const nlohmann::json& j, const std::string& origin) {
    if (!j.is_object() || !j.contains("training")) return std::nullopt;
    try {
        const auto& t = j.at("training");
        TrainingDefaults d;
        d.lr = t.at("lr").get<double>();
        d.weightDecay = t.at("weight_decay").get<double>();
        d.warmup = t.value("warmup", int64_t(-1));
        d.ssmLr = t.value("ssm_lr", 0.0);
        d.ssmVars = t.value("ssm_lr_vars", std::vector<std::string>{});
        d.source = t.value("source", origin);
        return d;
    } catch (const nlohmann::json::exception& e) {
        throw Error(origin + ": the \"training\" object needs lr and weight_decay as numbers (" + e.what() + ")");
    }
}

std::optional<TrainingDefaults> trainingOf(const EmbeddedPreset& preset) {
    return trainingIn(nlohmann::json::parse(preset.json), "preset:" + std::string(preset.name));
}

}  // namespace

std::vector<PresetInfo> listPresets() {
    std::vector<PresetInfo> out;
    for (const EmbeddedPreset& preset : embeddedPresets()) {
        const auto j = presetJson(preset);
        out.push_back({preset.name, j.value("description", std::string()), trainingOf(preset)});
    }
    return out;
}

ModelSpec presetSpec(const std::string& name) {
    std::string known;
    for (const EmbeddedPreset& preset : embeddedPresets()) {
        if (preset.name == name) {
            ModelSpec spec = specFromJson(presetJson(preset), "preset:" + name);
            if (spec.name.empty()) spec.name = name;
            return spec;
        }
        known += (known.empty() ? "" : ", ") + std::string(preset.name);
    }
    throw Error("preset:" + name + ": no such preset (known: " + known + ")");
}

nlohmann::json trainingToJson(const TrainingDefaults& t) {
    return {{"lr", t.lr},       {"weight_decay", t.weightDecay}, {"warmup", t.warmup},
            {"ssm_lr", t.ssmLr}, {"ssm_lr_vars", t.ssmVars},      {"source", t.source}};
}

std::optional<TrainingDefaults> trainingDefaults(const std::string& model) {
    const bool prefixed = model.rfind("preset:", 0) == 0;
    const std::string name = prefixed ? model.substr(7) : model;
    for (const EmbeddedPreset& preset : embeddedPresets())
        if (preset.name == name) return trainingOf(preset);
    const bool specFile = model.size() > 5 && model.compare(model.size() - 5, 5, ".json") == 0;
    if (prefixed || !specFile) return std::nullopt;
    std::ifstream in(model, std::ios::binary);
    if (!in) return std::nullopt;  // opening the model names the problem
    std::ostringstream text;
    text << in.rdbuf();
    const auto j = nlohmann::json::parse(text.str(), nullptr, false);
    return j.is_discarded() ? std::nullopt : trainingIn(j, model);
}

ModelSpec loadModelSpec(const std::string& model) {
    const std::string prefix = "preset:";
    if (model.rfind(prefix, 0) == 0) return presetSpec(model.substr(prefix.size()));
    std::ifstream in(model, std::ios::binary);
    if (!in) throw Error(model + ": cannot open the file");
    std::ostringstream text;
    text << in.rdbuf();
    ModelSpec spec = specFromJsonText(text.str(), model);
    validateSpec(spec);
    return spec;
}

}  // namespace eigenscope
