// The model-file formats behind one table. Each format names itself, recognizes a path (with the optional
// `config` the user gave) from its whole signature, and reads it into a spec and tensors named as eigenscope's
// parameters; turning those into a module is model/'s job. A new format is one unit here and one line in
// formats.cpp; detection, `eigenscope-cli formats` and the GUI's file filters follow from the table.
#pragma once

#include "eigenscope/model.h"
#include "eigenscope/model_spec.h"
#include "io/torch_pickle.h"

#include <functional>
#include <string>
#include <vector>

namespace eigenscope::io {

struct ImportedModel {
    ModelSpec spec;
    NamedTensors tensors;
    bool initialize = false;  // no weights: the model is freshly initialized from the spec (presets, spec files)
    std::string variant;      // what the format holds, when it holds several kinds (e.g. "Mamba-2")
    std::vector<std::string> warnings;
    std::string tokenizer;  // the checkpoint's tokenizer.json, when it has one
};

struct ModelFormat {
    ModelFormatInfo info;
    std::function<bool(const std::string& path, const std::string& config)> recognizes;
    std::function<ImportedModel(const std::string& path, const std::string& config)> read;
};

const std::vector<ModelFormat>& modelFormats();

// The one format that recognizes `path`; otherwise an Error naming the path and what it is not.
const ModelFormat& detectFormat(const std::string& path, const std::string& config);

// The units of the table.
ModelFormat presetFormat();
ModelFormat specFileFormat();
ModelFormat nativeFormat();
ModelFormat huggingFaceFormat();
ModelFormat paperCheckpointFormat();
ModelFormat orbaxFormat();
ModelFormat legacyTorchSaveFormat();

}  // namespace eigenscope::io
