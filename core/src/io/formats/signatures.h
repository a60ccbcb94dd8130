// What a file is, from its whole signature rather than its first byte: a safetensors header length that fits the
// file followed by a header that parses as a JSON object; the zip local-file magic of torch.save (PyTorch ≥ 1.6);
// the legacy torch.save pickle, whose protocol opcode is followed by its magic number.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace eigenscope::io {

// The __metadata__ of a safetensors file (empty when it has none), or nothing when `path` is no safetensors file.
std::optional<std::map<std::string, std::string>> safetensorsMetadata(const std::string& path);
bool isZipArchive(const std::string& path);
bool isLegacyTorchSave(const std::string& path);
bool hasExtension(const std::string& path, const std::string& extension);  // case-insensitive, e.g. ".json"

}  // namespace eigenscope::io
