#include "eigenscope/presets.h"

#include "eigenscope/error.h"
#include "presets_data.h"

#include <fstream>
#include <sstream>

namespace eigenscope {

namespace {

nlohmann::json presetJson(const EmbeddedPreset& preset) {
    return nlohmann::json::parse(preset.json);
}

}  // namespace

std::vector<PresetInfo> listPresets() {
    std::vector<PresetInfo> out;
    for (const EmbeddedPreset& preset : embeddedPresets()) {
        const auto j = presetJson(preset);
        out.push_back({preset.name, j.value("description", std::string())});
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
