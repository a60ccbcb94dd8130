#include "io/formats/signatures.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

namespace eigenscope::io {

namespace {

constexpr uint64_t kMaxSafetensorsHeader = 100ull << 20;

std::string head(const std::string& path, size_t bytes) {
    std::ifstream in(path, std::ios::binary);
    std::string out(bytes, '\0');
    in.read(out.data(), std::streamsize(bytes));
    out.resize(size_t(std::max<std::streamsize>(0, in.gcount())));
    return out;
}

bool regularFile(const std::string& path, uint64_t& size) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
    size = uint64_t(info.st_size);
    return true;
}

}  // namespace

std::optional<std::map<std::string, std::string>> safetensorsMetadata(const std::string& path) {
    uint64_t size = 0;
    if (!regularFile(path, size) || size < 10) return std::nullopt;
    const std::string prefix = head(path, 9);
    uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | uint8_t(prefix[size_t(i)]);
    if (length < 2 || length > size - 8 || length > kMaxSafetensorsHeader || prefix[8] != '{') return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    in.seekg(8);
    std::string text(length, '\0');
    if (!in.read(text.data(), std::streamsize(length))) return std::nullopt;
    const auto header = nlohmann::json::parse(text, nullptr, false);
    if (header.is_discarded() || !header.is_object()) return std::nullopt;
    std::map<std::string, std::string> metadata;
    if (header.contains("__metadata__") && header["__metadata__"].is_object())
        for (const auto& [key, value] : header["__metadata__"].items())
            if (value.is_string()) metadata[key] = value.get<std::string>();
    return metadata;
}

bool isZipArchive(const std::string& path) {
    const std::string magic = head(path, 4);
    return magic == std::string("PK\x03\x04", 4) || magic == std::string("PK\x05\x06", 4);
}

bool isLegacyTorchSave(const std::string& path) {
    // PROTO n, then LONG1 with 10 bytes: torch.serialization's MAGIC_NUMBER 0x1950a86a20f9469cfc6c, little-endian.
    static const std::array<uint8_t, 10> magic = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    const std::string bytes = head(path, 14);
    if (bytes.size() < 14 || uint8_t(bytes[0]) != 0x80 || uint8_t(bytes[1]) < 2 || uint8_t(bytes[1]) > 5) return false;
    return uint8_t(bytes[2]) == 0x8a && uint8_t(bytes[3]) == 0x0a && std::memcmp(bytes.data() + 4, magic.data(), 10) == 0;
}

bool hasExtension(const std::string& path, const std::string& extension) {
    if (path.size() < extension.size()) return false;
    return std::equal(extension.rbegin(), extension.rend(), path.rbegin(),
                      [](char a, char b) { return std::tolower(uint8_t(a)) == std::tolower(uint8_t(b)); });
}

}  // namespace eigenscope::io
