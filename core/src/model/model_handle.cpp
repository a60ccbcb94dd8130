#include "model/model_handle.h"

#include "eigenscope/presets.h"
#include "io/model_import.h"
#include "io/safetensors.h"

namespace eigenscope {

Model Model::fromSpec(const ModelSpec& spec) {
    Model model;
    model.impl = std::make_shared<Impl>();
    model.impl->spec = spec;
    model.impl->module = buildModel(spec);
    model.impl->source.format = "spec";
    return model;
}

Model Model::open(const std::string& model, const OpenOptions& options) {
    const bool preset = model.rfind("preset:", 0) == 0;
    const bool json = model.size() > 5 && model.substr(model.size() - 5) == ".json" &&
                      model.find(".index.json") == std::string::npos;
    if (preset || json) {
        Model m = fromSpec(loadModelSpec(model));
        m.impl->source = {model, preset ? "preset" : "model spec (JSON)", {}};
        return m;
    }
    auto imported = io::importModel(model, options.config);
    Model m = fromSpec(imported.spec);
    io::loadTensors(m.impl->module, imported.tensors, model, options.allowNonFinite, imported.warnings);
    m.impl->source = {model, imported.format, imported.warnings};
    return m;
}

void Model::save(const std::string& path) const {
    io::NamedTensors tensors;
    for (auto& [name, tensor] : io::moduleTensors(impl->module)) tensors.emplace_back(name, tensor.to(torch::kCPU));
    io::writeSafetensors(path, tensors, {{io::kSpecMetadataKey, specToJson(impl->spec).dump()}, {"format", "pt"}});
}

const ModelSpec& Model::spec() const { return impl->spec; }

const ModelSource& Model::source() const { return impl->source; }

Model Model::freshlyInitialized() const { return fromSpec(impl->spec); }

}  // namespace eigenscope
