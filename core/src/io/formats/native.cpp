#include "io/formats/native.h"

#include "io/formats/format.h"
#include "io/formats/signatures.h"
#include "io/safetensors.h"

namespace eigenscope::io {

void writeNativeModel(const std::string& path, const ModelSpec& spec, const NamedTensors& tensors) {
    writeSafetensors(path, tensors, {{kSpecMetadataKey, specToJson(spec).dump()}, {"format", "pt"}});
}

ModelFormat nativeFormat() {
    ModelFormat f;
    f.info = {"eigenscope native (safetensors)", "eigenscope's model file: weights with the model spec inside",
              {"*.safetensors"}, false, ""};
    f.recognizes = [](const std::string& path, const std::string&) {
        const auto metadata = safetensorsMetadata(path);
        return metadata && metadata->count(kSpecMetadataKey) > 0;
    };
    f.read = [](const std::string& path, const std::string& config) {
        ImportedModel out;
        const auto file = SafetensorsFile::open(path);
        out.spec = specFromJsonText(file.header().metadata.at(kSpecMetadataKey),
                                    path + " (__metadata__ " + kSpecMetadataKey + ")");
        validateSpec(out.spec);
        for (const auto& e : file.header().tensors) out.tensors.emplace_back(e.name, file.tensor(e.name));
        if (!config.empty()) out.warnings.push_back("--config ignored: the file carries its own spec");
        return out;
    };
    return f;
}

}  // namespace eigenscope::io
