#include "io/safetensors.h"

#include "eigenscope/error.h"
#include "io/npy.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <set>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace eigenscope::io {

namespace {

constexpr uint64_t kMaxHeader = 100ull << 20;  // the reference implementation's limit
constexpr uint64_t kMaxElements = 1ull << 40;

struct DtypeInfo {
    size_t bytes;
    torch::ScalarType stored;  // what decodeTensor returns
};

const std::map<std::string, DtypeInfo>& dtypes() {
    static const std::map<std::string, DtypeInfo> table = {
        {"BOOL", {1, torch::kBool}},     {"U8", {1, torch::kUInt8}},     {"I8", {1, torch::kInt8}},
        {"F8_E5M2", {1, torch::kFloat}}, {"F8_E4M3", {1, torch::kFloat}}, {"I16", {2, torch::kInt16}},
        {"U16", {2, torch::kLong}},      {"F16", {2, torch::kFloat}},    {"BF16", {2, torch::kFloat}},
        {"I32", {4, torch::kInt32}},     {"U32", {4, torch::kLong}},     {"F32", {4, torch::kFloat}},
        {"F64", {8, torch::kDouble}},     {"I64", {8, torch::kLong}},     {"U64", {8, torch::kLong}}};
    return table;
}

std::string dtypeName(torch::ScalarType type, const std::string& origin, const std::string& name) {
    switch (type) {
    case torch::kBool: return "BOOL";
    case torch::kUInt8: return "U8";
    case torch::kInt8: return "I8";
    case torch::kInt16: return "I16";
    case torch::kInt32: return "I32";
    case torch::kLong: return "I64";
    case torch::kHalf: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kFloat: return "F32";
    case torch::kDouble: return "F64";
    default: throw Error(origin + ": tensor " + name + " has dtype " + c10::toString(type) + ", which safetensors cannot store");
    }
}

uint64_t readLe64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

uint64_t unsignedField(const nlohmann::json& value, const std::string& what) {
    if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<int64_t>() >= 0))
        throw Error(what + " must be a non-negative integer, got " + value.dump());
    return value.get<uint64_t>();
}

TensorEntry parseEntry(const std::string& name, const nlohmann::json& value, uint64_t bufferSize, const std::string& origin) {
    const std::string where = origin + ": tensor \"" + name + "\"";
    if (!value.is_object()) throw Error(where + ": expected an object with dtype, shape and data_offsets");
    for (const auto& [key, unused] : value.items())
        if (key != "dtype" && key != "shape" && key != "data_offsets") throw Error(where + ": unknown field \"" + key + "\"");
    if (!value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets"))
        throw Error(where + ": needs dtype, shape and data_offsets");
    TensorEntry entry;
    entry.name = name;
    if (!value["dtype"].is_string()) throw Error(where + ": dtype must be a string");
    entry.dtype = value["dtype"].get<std::string>();
    const auto type = dtypes().find(entry.dtype);
    if (type == dtypes().end()) throw Error(where + ": unknown dtype \"" + entry.dtype + "\"");
    const auto& shape = value["shape"];
    if (!shape.is_array() || shape.size() > 32) throw Error(where + ": shape must be an array of at most 32 sizes");
    uint64_t elements = 1;
    for (const auto& dim : shape) {
        const uint64_t size = unsignedField(dim, where + ": shape entry");
        if (size > kMaxElements || (size > 0 && elements > kMaxElements / size))
            throw Error(where + ": shape " + shape.dump() + " is absurdly large");
        elements *= size;
        entry.shape.push_back(int64_t(size));
    }
    const auto& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2) throw Error(where + ": data_offsets must be [begin, end]");
    entry.begin = unsignedField(offsets[0], where + ": data_offsets begin");
    entry.end = unsignedField(offsets[1], where + ": data_offsets end");
    if (entry.begin > entry.end) throw Error(where + ": data_offsets " + offsets.dump() + " end before they begin");
    if (entry.end > bufferSize)
        throw Error(where + ": data_offsets " + offsets.dump() + " reach past the end of the data (" +
                    std::to_string(bufferSize) + " bytes)");
    const uint64_t expected = elements * type->second.bytes;
    if (entry.end - entry.begin != expected)
        throw Error(where + ": shape " + shape.dump() + " of " + entry.dtype + " needs " + std::to_string(expected) +
                    " bytes, data_offsets give " + std::to_string(entry.end - entry.begin));
    return entry;
}

float fromE4M3(uint8_t v) {
    const int sign = v >> 7, exponent = (v >> 3) & 0xF, mantissa = v & 7;
    if (exponent == 0xF && mantissa == 7) return std::numeric_limits<float>::quiet_NaN();
    const float magnitude = exponent == 0 ? std::ldexp(float(mantissa) / 8.0f, -6)
                                          : std::ldexp(1.0f + float(mantissa) / 8.0f, exponent - 7);
    return sign ? -magnitude : magnitude;
}

}  // namespace

SafetensorsHeader parseSafetensors(const uint8_t* data, size_t size, const std::string& origin) {
    if (size < 8) throw Error(origin + ": not a safetensors file (" + std::to_string(size) + " bytes, shorter than the 8-byte header length)");
    const uint64_t headerLength = readLe64(data);
    if (headerLength > size - 8)
        throw Error(origin + ": header length " + std::to_string(headerLength) + " runs past the end of the file (" +
                    std::to_string(size) + " bytes): not a safetensors file, or a truncated one");
    if (headerLength > kMaxHeader) throw Error(origin + ": header length " + std::to_string(headerLength) + " exceeds the 100 MB limit");
    if (headerLength < 2 || data[8] != '{') throw Error(origin + ": the header is not a JSON object (it must start with '{')");
    const char* begin = reinterpret_cast<const char*>(data + 8);
    std::set<std::string> seen;
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(begin, begin + headerLength, [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            if (depth == 1 && event == nlohmann::json::parse_event_t::key && !seen.insert(parsed.get<std::string>()).second)
                throw Error(origin + ": tensor name \"" + parsed.get<std::string>() + "\" appears twice in the header");
            return true;
        });
    } catch (const nlohmann::json::exception& e) {
        throw Error(origin + ": the header is not valid JSON (" + e.what() + ")");
    }
    if (!header.is_object()) throw Error(origin + ": the header is not a JSON object");
    SafetensorsHeader out;
    out.dataOffset = 8 + headerLength;
    const uint64_t bufferSize = size - out.dataOffset;
    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            if (!value.is_object()) throw Error(origin + ": __metadata__ must be an object of strings");
            for (const auto& [key, text] : value.items()) {
                if (!text.is_string()) throw Error(origin + ": __metadata__ value of \"" + key + "\" is not a string");
                out.metadata[key] = text.get<std::string>();
            }
            continue;
        }
        out.tensors.push_back(parseEntry(name, value, bufferSize, origin));
    }
    std::sort(out.tensors.begin(), out.tensors.end(),
              [](const TensorEntry& a, const TensorEntry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
    uint64_t position = 0;
    for (const auto& t : out.tensors) {
        if (t.begin < position) throw Error(origin + ": tensor \"" + t.name + "\" overlaps the bytes of another tensor");
        if (t.begin > position)
            throw Error(origin + ": " + std::to_string(t.begin - position) + " unused bytes before tensor \"" + t.name + "\"");
        position = t.end;
    }
    if (position != bufferSize)
        throw Error(origin + ": " + std::to_string(bufferSize - position) + " bytes after the last tensor belong to none");
    return out;
}

torch::Tensor decodeTensor(const uint8_t* buffer, const TensorEntry& entry, const std::string& origin) {
    const uint8_t* bytes = buffer + entry.begin;
    const size_t count = size_t(entry.end - entry.begin);
    const auto& type = dtypes().at(entry.dtype);
    const int64_t n = int64_t(count / type.bytes);
    const auto raw = [&](torch::ScalarType t) {
        auto tensor = torch::empty({n}, torch::TensorOptions().dtype(t));
        if (count) std::memcpy(tensor.data_ptr(), bytes, count);
        return tensor;
    };
    torch::Tensor flat;
    if (entry.dtype == "F16") flat = raw(torch::kHalf).to(torch::kFloat);
    else if (entry.dtype == "BF16") flat = raw(torch::kBFloat16).to(torch::kFloat);
    else if (entry.dtype == "F64") flat = raw(torch::kDouble);
    else if (entry.dtype == "F8_E5M2") {
        // E5M2 is the top byte of an IEEE half.
        auto halves = torch::empty({n}, torch::kInt16);
        auto* h = halves.data_ptr<int16_t>();
        for (int64_t i = 0; i < n; ++i) h[i] = int16_t(uint16_t(bytes[i]) << 8);
        flat = halves.view(torch::kHalf).to(torch::kFloat);
    } else if (entry.dtype == "F8_E4M3") {
        flat = torch::empty({n}, torch::kFloat);
        auto* f = flat.data_ptr<float>();
        for (int64_t i = 0; i < n; ++i) f[i] = fromE4M3(bytes[i]);
    } else if (entry.dtype == "U16" || entry.dtype == "U32" || entry.dtype == "U64") {
        flat = torch::empty({n}, torch::kLong);
        auto* out = flat.data_ptr<int64_t>();
        for (int64_t i = 0; i < n; ++i) {
            uint64_t v = 0;
            std::memcpy(&v, bytes + size_t(i) * type.bytes, type.bytes);
            if (v > uint64_t(std::numeric_limits<int64_t>::max()))
                throw Error(origin + ": tensor \"" + entry.name + "\" holds a U64 value above 2^63 − 1");
            out[i] = int64_t(v);
        }
    } else {
        flat = raw(type.stored);
    }
    return flat.view(entry.shape);
}

namespace {

// The live mappings, start → size, so that releaseMappedPages touches nothing else.
std::mutex mappingsMutex;
std::map<const uint8_t*, size_t>& liveMappings() {
    static std::map<const uint8_t*, size_t> mappings;
    return mappings;
}

}  // namespace

void releaseMappedPages(const torch::Tensor& tensor) {
    if (!tensor.defined() || !tensor.has_storage()) return;
    const auto* begin = static_cast<const uint8_t*>(tensor.storage().data_ptr().get());
    const size_t bytes = tensor.storage().nbytes();
    std::lock_guard lock(mappingsMutex);
    const auto& mappings = liveMappings();
    auto holder = mappings.upper_bound(begin);
    if (holder == mappings.begin()) return;
    --holder;
    if (begin + bytes > holder->first + holder->second) return;
    const auto page = uintptr_t(::sysconf(_SC_PAGESIZE));
    const uintptr_t first = (uintptr_t(begin) + page - 1) / page * page, last = (uintptr_t(begin) + bytes) / page * page;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

MappedFile::MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path + ": cannot open (" + std::strerror(errno) + ")");
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        throw Error(path + ": not a regular file");
    }
    size_ = size_t(info.st_size);
    if (size_ > 0) {
        void* mapped = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (mapped == MAP_FAILED) {
            ::close(fd);
            throw Error(path + ": cannot map the file (" + std::strerror(errno) + ")");
        }
        data_ = static_cast<const uint8_t*>(mapped);
        std::lock_guard lock(mappingsMutex);
        liveMappings()[data_] = size_;
    }
    ::close(fd);
}

MappedFile::~MappedFile() {
    if (!data_) return;
    {
        std::lock_guard lock(mappingsMutex);
        liveMappings().erase(data_);
    }
    ::munmap(const_cast<uint8_t*>(data_), size_);
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    SafetensorsFile file;
    file.path_ = path;
    file.mapping_ = std::make_shared<MappedFile>(path);
    static const uint8_t empty = 0;
    file.header_ = parseSafetensors(file.mapping_->data() ? file.mapping_->data() : &empty, file.mapping_->size(), path);
    for (size_t i = 0; i < file.header_.tensors.size(); ++i) file.index_[file.header_.tensors[i].name] = i;
    return file;
}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
    const auto found = index_.find(name);
    if (found == index_.end()) throw Error(path_ + ": no tensor named \"" + name + "\"");
    return header_.tensors[found->second];
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
    static const std::map<std::string, torch::ScalarType> inPlace = {
        {"BOOL", torch::kBool},   {"U8", torch::kUInt8},  {"I8", torch::kInt8},    {"I16", torch::kInt16},
        {"I32", torch::kInt32},   {"I64", torch::kLong},  {"F16", torch::kHalf},   {"BF16", torch::kBFloat16},
        {"F32", torch::kFloat},   {"F64", torch::kDouble}};
    const TensorEntry& e = entry(name);
    const auto type = inPlace.find(e.dtype);
    if (type == inPlace.end()) return decodeTensor(mapping_->data() + header_.dataOffset, e, path_);
    // The file's own bytes, without a copy: the tensor keeps the mapping alive (copy-on-write, so a write to it
    // never reaches the file). A misaligned tensor is copied.
    auto* bytes = const_cast<uint8_t*>(mapping_->data() + header_.dataOffset + e.begin);
    const auto options = torch::TensorOptions().dtype(type->second);
    const size_t count = size_t(e.end - e.begin);
    if (count == 0) return torch::empty(e.shape, options);
    if (reinterpret_cast<uintptr_t>(bytes) % dtypes().at(e.dtype).bytes != 0) {
        auto copy = torch::empty(e.shape, options);
        std::memcpy(copy.data_ptr(), bytes, count);
        return copy;
    }
    auto keep = mapping_;
    return torch::from_blob(bytes, e.shape, [keep](void*) {}, options);
}

std::string serializeSafetensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                                 const std::map<std::string, std::string>& metadata, const std::string& origin) {
    std::vector<std::pair<std::string, torch::Tensor>> sorted(tensors.begin(), tensors.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    std::vector<torch::Tensor> contiguous;
    for (size_t i = 0; i < sorted.size(); ++i) {
        const auto& [name, tensor] = sorted[i];
        if (name == "__metadata__" || (i > 0 && sorted[i - 1].first == name))
            throw Error(origin + ": tensor name \"" + name + "\" is reserved or repeated");
        auto data = tensor.detach().to(torch::kCPU).contiguous();
        const uint64_t bytes = uint64_t(data.numel()) * data.element_size();
        header[name] = {{"dtype", dtypeName(data.scalar_type(), origin, name)},
                        {"shape", data.sizes().vec()},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        contiguous.push_back(data);
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data buffer 8-byte aligned
    std::string out(8, '\0');
    uint64_t length = text.size();
    for (int i = 0; i < 8; ++i) out[size_t(i)] = char((length >> (8 * i)) & 0xFF);
    out += text;
    out.reserve(out.size() + offset);
    for (const auto& t : contiguous)
        out.append(static_cast<const char*>(t.data_ptr()), size_t(t.numel()) * t.element_size());
    return out;
}

void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    writeFileAtomically(path, serializeSafetensors(tensors, metadata, path));
}

}  // namespace eigenscope::io
