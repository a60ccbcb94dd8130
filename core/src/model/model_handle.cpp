#include "model/model_handle.h"

#include "eigenscope/error.h"
#include "io/formats/format.h"
#include "io/formats/native.h"
#include "model/model_tensors.h"

namespace eigenscope {

namespace {

Model built(const ModelSpec& spec, bool weightsFollow) {
    Model model;
    model.impl = std::make_shared<Model::Impl>();
    model.impl->spec = spec;
    model.impl->module = buildModel(spec, weightsFollow);
    model.impl->source.format = "spec";
    return model;
}

}  // namespace

Model Model::fromSpec(const ModelSpec& spec) { return built(spec, false); }

Model Model::open(const std::string& model, const OpenOptions& options) {
    const auto& format = io::detectFormat(model, options.config);
    auto imported = format.read(model, options.config);
    Model m = built(imported.spec, !imported.initialize);
    if (!imported.initialize) loadTensors(m.impl->module, imported.tensors, model, options.allowNonFinite, imported.warnings);
    m.impl->source = {model, format.info.name + (imported.variant.empty() ? "" : ": " + imported.variant), imported.warnings,
                      imported.tokenizer};
    return m;
}

void Model::save(const std::string& path) const { io::writeNativeModel(path, impl->spec, moduleTensors(impl->module)); }

const ModelSpec& Model::spec() const { return impl->spec; }

const ModelSource& Model::source() const { return impl->source; }

Model Model::freshlyInitialized() const { return fromSpec(impl->spec); }

void Model::moveTo(const std::string& device) const {
    if (device != "cpu" && device != "cuda") throw Error("device \"" + device + "\" is not one of: cpu, cuda");
    if (device == "cuda" && !torch::cuda::is_available())
        throw Error("device cuda: this LibTorch build has no CUDA support or no CUDA device is visible");
    impl->module->to(device == "cuda" ? torch::kCUDA : torch::kCPU);
}

}  // namespace eigenscope
