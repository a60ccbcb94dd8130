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
    std::string tokenizer;  // the tokenizer.json beside the weights; empty: none (text is read as bytes)
};

// A model-file format eigenscope reads (`eigenscope-cli formats`; the GUI's file filters).
struct ModelFormatInfo {
    std::string name;
    std::string description;
    std::vector<std::string> patterns;  // file-name patterns, e.g. "*.safetensors"; empty: not opened as a file
    bool folder = false;                // opened as a folder
    std::string config;                 // the config it needs besides the file: "" none, "yaml" the reference code's
};

std::vector<ModelFormatInfo> listModelFormats();
// The name of the format MODEL is in, from its whole signature; throws an Error naming MODEL when none fits.
std::string detectModelFormat(const std::string& model, const std::string& config = "");
// Whether MODEL is a weights file that only opens with a config naming its architecture (--config).
bool modelNeedsConfig(const std::string& model);

class Model {
public:
    // Freshly initialized from the spec (torch's generator seeded with spec.seed).
    static Model fromSpec(const ModelSpec& spec);
    // MODEL in any format of listModelFormats(): "preset:NAME", a model spec JSON file, a native .safetensors
    // file, a Hugging Face / mamba_ssm folder or weights file (config.json beside it), or a state dict of the
    // reference paper code with options.config naming its YAML config.
    static Model open(const std::string& model, const OpenOptions& options = {});
    // The native file: safetensors with the spec in __metadata__["eigenscope.spec"]; written atomically.
    void save(const std::string& path) const;

    const ModelSpec& spec() const;
    const ModelSource& source() const;
    // The same architecture, freshly initialized with the same seed (the paper's "init" model).
    Model freshlyInitialized() const;
    // Keeps the weights on `device` ("cpu" or "cuda"), so that analyses there do not copy them each time.
    void moveTo(const std::string& device) const;

    struct Impl;
    std::shared_ptr<Impl> impl;
};

}  // namespace eigenscope
