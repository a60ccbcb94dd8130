#include "io/formats/state_dict.h"

#include "io/formats/native.h"
#include "io/formats/signatures.h"
#include "io/safetensors.h"

namespace eigenscope::io {

NamedTensors readStateDict(const std::string& path, std::vector<std::string>& warnings) {
    if (isZipArchive(path)) {
        auto state = readTorchSave(path);
        warnings.insert(warnings.end(), state.notes.begin(), state.notes.end());
        return std::move(state.tensors);
    }
    const auto file = SafetensorsFile::open(path);
    NamedTensors tensors;
    for (const auto& e : file.header().tensors) tensors.emplace_back(e.name, file.tensor(e.name));
    return tensors;
}

bool isBareStateDict(const std::string& path) {
    if (isZipArchive(path)) return true;
    const auto metadata = safetensorsMetadata(path);
    return metadata && !metadata->count(kSpecMetadataKey);
}

}  // namespace eigenscope::io
