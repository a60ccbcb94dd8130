// The tensors of a weights file, whichever container holds them: a torch.save zip archive or safetensors.
#pragma once

#include "io/torch_pickle.h"

#include <string>
#include <vector>

namespace eigenscope::io {

// Notes the reader makes (storages saved on a GPU, …) are appended to `warnings`.
NamedTensors readStateDict(const std::string& path, std::vector<std::string>& warnings);

// A weights file without a description of the model: a torch.save archive, or safetensors without eigenscope's spec.
bool isBareStateDict(const std::string& path);

}  // namespace eigenscope::io
