// A built model behind a torch-free handle: what the CLI and GUI pass around.
#pragma once

#include "eigenscope/model_spec.h"

#include <memory>
#include <string>
#include <vector>

namespace eigenscope {

struct OpenOptions {
    std::string config;           // the reference code's YAML config (or a config.json) for a bare state dict
    bool allowNonFinite = false;  // NaN/Inf weights become warnings instead of an error (info)
};

// Where a model came from: the detected format and what the reader had to fix or noticed.
struct ModelSource {
    std::string path;
    std::string format;  // e.g. "preset", "model spec (JSON)", "eigenscope native (safetensors)", "Mamba-2"
    std::vector<std::string> warnings;
};

class Model {
public:
    // Freshly initialized from the spec (torch's generator seeded with spec.seed).
    static Model fromSpec(const ModelSpec& spec);
    // MODEL = "preset:NAME", a model spec JSON file, a native .safetensors file, a Hugging Face / mamba_ssm Mamba
    // or Mamba-2 folder or weights file (config.json beside it), or a torch.save / safetensors state dict of the
    // reference paper code with options.config naming its YAML config.
    static Model open(const std::string& model, const OpenOptions& options = {});
    // The native file: safetensors with the spec in __metadata__["eigenscope.spec"]; written atomically.
    void save(const std::string& path) const;

    const ModelSpec& spec() const;
    const ModelSource& source() const;
    // The same architecture, freshly initialized with the same seed (the paper's "init" model).
    Model freshlyInitialized() const;

    struct Impl;
    std::shared_ptr<Impl> impl;
};

}  // namespace eigenscope
