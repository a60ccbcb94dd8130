// A built model behind a torch-free handle: what the CLI and GUI pass around.
#pragma once

#include "eigenscope/model_spec.h"

#include <memory>
#include <string>

namespace eigenscope {

class Model {
public:
    // Freshly initialized from the spec (torch's generator seeded with spec.seed).
    static Model fromSpec(const ModelSpec& spec);
    // MODEL = "preset:NAME" or a model spec JSON file.
    static Model open(const std::string& model);

    const ModelSpec& spec() const;
    // The same architecture, freshly initialized with the same seed (the paper's "init" model).
    Model freshlyInitialized() const;

    struct Impl;
    std::shared_ptr<Impl> impl;
};

}  // namespace eigenscope
