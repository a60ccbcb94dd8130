#include "io/formats/format.h"

#include "eigenscope/error.h"
#include "io/formats/signatures.h"
#include "io/formats/state_dict.h"
#include "io/safetensors.h"

#include <filesystem>

namespace eigenscope::io {

namespace fs = std::filesystem;

const std::vector<ModelFormat>& modelFormats() {
    static const std::vector<ModelFormat> table = {presetFormat(),          specFileFormat(), nativeFormat(),
                                                   huggingFaceFormat(),     paperCheckpointFormat(), orbaxFormat(),
                                                   legacyTorchSaveFormat()};
    return table;
}

const ModelFormat& detectFormat(const std::string& path, const std::string& config) {
    for (const auto& format : modelFormats())
        if (format.recognizes(path, config)) return format;
    if (!fs::exists(path)) throw Error(path + ": no such file or folder");
    if (fs::is_directory(path))
        throw Error(path + ": a folder without model.safetensors, model.safetensors.index.json or pytorch_model.bin");
    if (isBareStateDict(path)) {
        const bool zip = isZipArchive(path);
        if (!zip) SafetensorsFile::open(path);  // a broken file: the parser names its fault before anything else
        const std::string kind = zip ? "torch.save state dict" : "safetensors state dict";
        if (!config.empty())
            throw Error(config + ": expected the reference code's YAML config or a Hugging Face config.json for " + path);
        throw Error(path + ": a " + kind + " without a model description: pass the reference code's YAML config with "
                    "--config, or keep the Hugging Face config.json next to it");
    }
    // Neither safetensors, nor a zip or legacy torch.save: the safetensors parser says what is wrong with it.
    SafetensorsFile::open(path);
    throw Error(path + ": not a model file eigenscope reads");
}

}  // namespace eigenscope::io

namespace eigenscope {

std::vector<ModelFormatInfo> listModelFormats() {
    std::vector<ModelFormatInfo> out;
    for (const auto& format : io::modelFormats()) out.push_back(format.info);
    return out;
}

std::string detectModelFormat(const std::string& model, const std::string& config) {
    return io::detectFormat(model, config).info.name;
}

bool modelNeedsConfig(const std::string& model) {
    try {
        io::detectFormat(model, "");
        return false;
    } catch (const Error&) {
        return std::filesystem::is_regular_file(model) && io::isBareStateDict(model);
    }
}

}  // namespace eigenscope
