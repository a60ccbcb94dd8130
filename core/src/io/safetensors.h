// safetensors files: an 8-byte little-endian header length, a JSON header (tensor name → dtype, shape, byte
// range; optional "__metadata__" string map), then the packed little-endian tensor bytes. Reading maps the file
// and validates every field, offset and size before any tensor is touched; writing is atomic.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace eigenscope::io {

struct TensorEntry {
    std::string name;
    std::string dtype;  // BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;  // byte range within the data buffer
};

struct SafetensorsHeader {
    std::map<std::string, std::string> metadata;
    std::vector<TensorEntry> tensors;  // in file order of their byte ranges
    uint64_t dataOffset = 0;           // where the data buffer starts in the file
};

// Parses and validates a whole file image of `size` bytes. `origin` (the path) starts every error message.
SafetensorsHeader parseSafetensors(const uint8_t* data, size_t size, const std::string& origin);

// One tensor from the data buffer: F16, BF16 and the F8 types become float32, U16/U32/U64 int64
// (a U64 value above 2^63 − 1 is an error); the other types, F64 included, keep theirs.
torch::Tensor decodeTensor(const uint8_t* buffer, const TensorEntry& entry, const std::string& origin);

// A read-only memory mapping of a whole file.
class MappedFile {
public:
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }

private:
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

// Once a tensor that views a mapped file has been copied out: its whole pages leave this process's resident memory
// (they are the file's own, unmodified, and come back from it if read again). Other tensors are left alone.
void releaseMappedPages(const torch::Tensor& tensor);

class SafetensorsFile {
public:
    static SafetensorsFile open(const std::string& path);
    const std::string& path() const { return path_; }
    const SafetensorsHeader& header() const { return header_; }
    bool contains(const std::string& name) const { return index_.count(name) > 0; }
    const TensorEntry& entry(const std::string& name) const;
    // The tensor in the file's dtype, sharing the mapped bytes (F8 and unsigned types are decoded as decodeTensor does).
    torch::Tensor tensor(const std::string& name) const;

private:
    std::string path_;
    std::shared_ptr<MappedFile> mapping_;
    SafetensorsHeader header_;
    std::map<std::string, size_t> index_;
};

// The file image of `tensors` (contiguous CPU copies are made as needed; complex tensors are an error).
std::string serializeSafetensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                                 const std::map<std::string, std::string>& metadata, const std::string& origin);
void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata);

}  // namespace eigenscope::io
