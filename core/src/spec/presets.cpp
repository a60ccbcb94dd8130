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

std::optional<TrainingDefaults> trainingOf(const EmbeddedPreset& preset) {
    const auto j = nlohmann::json::parse(preset.json);
    if (!j.contains("training")) return std::nullopt;
    const auto& t = j["training"];
    TrainingDefaults d;
    d.lr = t.at("lr").get<double>();
    d.weightDecay = t.at("weight_decay").get<double>();
    d.warmup = t.value("warmup", int64_t(-1));
    d.ssmLr = t.value("ssm_lr", 0.0);
    d.ssmVars = t.value("ssm_lr_vars", std::vector<std::string>{});
    d.source = t.value("source", std::string());
    return d;
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

std::optional<TrainingDefaults> presetTraining(const std::string& model) {
    const std::string name = model.rfind("preset:", 0) == 0 ? model.substr(7) : model;
    for (const EmbeddedPreset& preset : embeddedPresets())
        if (preset.name == name) return trainingOf(preset);
    return std::nullopt;
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
