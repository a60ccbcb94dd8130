// Models described without weights: built-in presets and model spec files. They open freshly initialized.
#include "eigenscope/error.h"
#include "eigenscope/presets.h"
#include "io/formats/format.h"
#include "io/formats/signatures.h"

namespace eigenscope::io {

namespace {

bool isPreset(const std::string& path) { return path.rfind("preset:", 0) == 0; }

ImportedModel fromSpec(const std::string& model) {
    ImportedModel out;
    out.spec = loadModelSpec(model);
    validateSpec(out.spec);
    out.initialize = true;
    return out;
}

}  // namespace

ModelFormat presetFormat() {
    ModelFormat f;
    f.info = {"preset", "a built-in model (eigenscope-cli presets), freshly initialized", {}, false, ""};
    f.recognizes = [](const std::string& path, const std::string&) { return isPreset(path); };
    f.read = [](const std::string& path, const std::string&) { return fromSpec(path); };
    return f;
}

ModelFormat specFileFormat() {
    ModelFormat f;
    f.info = {"model spec (JSON)", "an architecture as JSON, freshly initialized", {"*.json"}, false, ""};
    // Hugging Face's config.json and sharded index are JSON too; they belong to the Hugging Face format.
    f.recognizes = [](const std::string& path, const std::string&) {
        return !isPreset(path) && hasExtension(path, ".json") && !hasExtension(path, ".index.json") &&
               !hasExtension(path, "/config.json") && path != "config.json";
    };
    f.read = [](const std::string& path, const std::string&) { return fromSpec(path); };
    return f;
}

}  // namespace eigenscope::io
