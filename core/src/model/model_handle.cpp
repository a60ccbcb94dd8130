#include "model/model_handle.h"

#include "eigenscope/presets.h"

namespace eigenscope {

Model Model::fromSpec(const ModelSpec& spec) {
    Model model;
    model.impl = std::make_shared<Impl>();
    model.impl->spec = spec;
    model.impl->module = buildModel(spec);
    return model;
}

Model Model::open(const std::string& model) { return fromSpec(loadModelSpec(model)); }

const ModelSpec& Model::spec() const { return impl->spec; }

Model Model::freshlyInitialized() const { return fromSpec(impl->spec); }

}  // namespace eigenscope
