#include "io/npy.h"

#include "eigenscope/error.h"
#include "io/zip_reader.h"

#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace eigenscope::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

struct DtypeInfo {
    torch::ScalarType type;
    int64_t size;
};

const std::map<std::string, DtypeInfo>& dtypes() {
    static const std::map<std::string, DtypeInfo> table = {
        {"|b1", {torch::kBool, 1}},     {"|i1", {torch::kInt8, 1}},      {"|u1", {torch::kUInt8, 1}},
        {"<i2", {torch::kInt16, 2}},    {"<i4", {torch::kInt32, 4}},     {"<i8", {torch::kInt64, 8}},
        {"<f2", {torch::kFloat16, 2}},  {"<f4", {torch::kFloat32, 4}},   {"<f8", {torch::kFloat64, 8}},
        {"<c8", {torch::kComplexFloat, 8}}, {"<c16", {torch::kComplexDouble, 16}}};
    return table;
}

std::string headerValue(const std::string& header, const std::string& key, const std::string& origin) {
    const std::regex pattern("'" + key + "'\\s*:\\s*('[^']*'|True|False|\\([^)]*\\))");
    std::smatch match;
    if (!std::regex_search(header, match, pattern))
        throw Error(origin + ": the .npy header has no '" + key + "' entry");
    return match[1].str();
}

std::string npyHeader(const std::string& descr, const std::vector<int64_t>& shape) {
    std::ostringstream dict;
    dict << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
    for (size_t i = 0; i < shape.size(); ++i) dict << shape[i] << (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    dict << "), }";
    std::string header = dict.str();
    const size_t unpadded = 10 + header.size() + 1;  // magic, version, length, header, newline
    header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
    std::string out(kMagic, 6);
    out += '\x01';
    out += '\x00';
    const uint16_t length = uint16_t(header.size());
    out += char(length & 0xff);
    out += char(length >> 8);
    return out + header;
}

template <typename T>
NpyArray makeArray(const std::string& name, const std::string& descr, const std::vector<T>& data,
                   const std::vector<int64_t>& shape) {
    int64_t count = 1;
    for (int64_t s : shape) count *= s;
    if (count != int64_t(data.size()))
        throw Error("npy array " + name + ": " + std::to_string(data.size()) + " values for a shape of " +
                    std::to_string(count));
    std::string bytes = npyHeader(descr, shape);
    bytes.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(T));
    return {name, bytes};
}

}  // namespace

torch::Tensor parseNpy(const std::string& bytes, const std::string& origin) {
    if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) throw Error(origin + ": not a .npy file (bad magic)");
    const int major = static_cast<unsigned char>(bytes[6]);
    size_t headerLength = 0, offset = 0;
    if (major == 1) {
        headerLength = size_t(static_cast<unsigned char>(bytes[8])) | size_t(static_cast<unsigned char>(bytes[9])) << 8;
        offset = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) throw Error(origin + ": truncated .npy header");
        for (int i = 0; i < 4; ++i) headerLength |= size_t(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
        offset = 12;
    } else {
        throw Error(origin + ": unsupported .npy format version " + std::to_string(major));
    }
    if (headerLength > bytes.size() - offset) throw Error(origin + ": the .npy header is longer than the file");
    const std::string header = bytes.substr(offset, headerLength);
    const std::string descr = headerValue(header, "descr", origin);
    const std::string order = headerValue(header, "fortran_order", origin);
    const std::string shapeText = headerValue(header, "shape", origin);
    if (order != "False") throw Error(origin + ": Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
    const std::string dtypeName = descr.substr(1, descr.size() - 2);
    // Unicode strings (<Un) are read as their UTF-32 code units: int32 with a trailing dimension n.
    const std::regex unicode("<U([0-9]{1,6})");
    std::smatch unicodeMatch;
    const bool isUnicode = std::regex_match(dtypeName, unicodeMatch, unicode);
    const int64_t codeUnits = isUnicode ? std::stoll(unicodeMatch[1].str()) : 1;
    const auto found = dtypes().find(isUnicode ? "<i4" : dtypeName);
    if (found == dtypes().end()) throw Error(origin + ": unsupported dtype " + dtypeName);
    std::vector<int64_t> shape;
    int64_t count = 1;
    const std::regex number("-?[0-9]+");
    for (auto it = std::sregex_iterator(shapeText.begin(), shapeText.end(), number); it != std::sregex_iterator(); ++it) {
        const int64_t dim = std::stoll(it->str());
        if (dim < 0 || (dim > 0 && count > (int64_t(1) << 40) / dim)) throw Error(origin + ": absurd shape " + shapeText);
        shape.push_back(dim);
        count *= dim;
    }
    if (isUnicode) {
        shape.push_back(codeUnits);
        count *= codeUnits;
    }
    const size_t dataOffset = offset + headerLength;
    const size_t expected = size_t(count) * size_t(found->second.size);
    if (bytes.size() - dataOffset != expected)
        throw Error(origin + ": the data holds " + std::to_string(bytes.size() - dataOffset) + " bytes, the header's shape " +
                    shapeText + " of " + dtypeName + " needs " + std::to_string(expected));
    auto tensor = torch::empty(shape, found->second.type);
    if (expected > 0) std::memcpy(tensor.data_ptr(), bytes.data() + dataOffset, expected);
    return tensor;
}

torch::Tensor readNpy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open the file");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return parseNpy(buffer.str(), path);
}

NpyArray npyArray(const std::string& name, const std::vector<double>& data, const std::vector<int64_t>& shape) {
    return makeArray(name, "<f8", data, shape);
}

NpyArray npyArray(const std::string& name, const std::vector<int64_t>& data, const std::vector<int64_t>& shape) {
    return makeArray(name, "<i8", data, shape);
}

NpyArray npyArray(const std::string& name, const std::vector<std::complex<double>>& data,
                  const std::vector<int64_t>& shape) {
    return makeArray(name, "<c16", data, shape);
}

NpyArray npyStrings(const std::string& name, const std::vector<std::string>& utf8) {
    std::vector<std::vector<uint32_t>> decoded;
    size_t width = 1;
    for (const auto& text : utf8) {
        std::vector<uint32_t> points;
        for (size_t i = 0; i < text.size();) {
            const auto c = static_cast<unsigned char>(text[i]);
            const int n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
            if (n == 0 || i + size_t(n) > text.size()) {  // not UTF-8: the replacement character
                points.push_back(0xFFFD);
                ++i;
                continue;
            }
            uint32_t point = n == 1 ? c : c & (0x7F >> n);
            for (int k = 1; k < n; ++k) point = (point << 6) | (static_cast<unsigned char>(text[i + size_t(k)]) & 0x3F);
            points.push_back(point);
            i += size_t(n);
        }
        width = std::max(width, points.size());
        decoded.push_back(std::move(points));
    }
    std::vector<uint32_t> data;
    for (auto& points : decoded) {
        points.resize(width, 0);
        data.insert(data.end(), points.begin(), points.end());
    }
    std::string bytes = npyHeader("<U" + std::to_string(width), {int64_t(utf8.size())});
    bytes.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(uint32_t));
    return {name, bytes};
}

NpyArray npyBytes(const std::string& name, const std::string& bytes) {
    return makeArray(name, "|u1", std::vector<uint8_t>(bytes.begin(), bytes.end()), {int64_t(bytes.size())});
}

std::map<std::string, torch::Tensor> readNpz(const std::string& path) {
    const ZipReader archive(path, "NumPy .npz archive");
    std::map<std::string, torch::Tensor> out;
    for (const auto& [entry, index] : archive.entries())
        if (entry.size() > 4 && entry.compare(entry.size() - 4, 4, ".npy") == 0)
            out[entry.substr(0, entry.size() - 4)] = parseNpy(archive.read(entry), path + " (" + entry + ")");
    return out;
}

namespace {

std::string temporaryPathFor(const std::string& path) {
    return path + ".tmp-" + std::to_string(::getpid());
}

}  // namespace

void writeNpz(const std::string& path, const std::vector<NpyArray>& arrays) {
    const std::string temporary = temporaryPathFor(path);
    int error = 0;
    zip_t* archive = zip_open(temporary.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (!archive) throw Error(path + ": cannot create the file (libzip error " + std::to_string(error) + ")");
    for (const NpyArray& array : arrays) {
        zip_source_t* source = zip_source_buffer(archive, array.bytes.data(), array.bytes.size(), 0);
        if (!source || zip_file_add(archive, (array.name + ".npy").c_str(), source, ZIP_FL_OVERWRITE) < 0) {
            if (source) zip_source_free(source);
            zip_discard(archive);
            std::remove(temporary.c_str());
            throw Error(path + ": cannot add " + array.name + " to the archive");
        }
        zip_set_file_compression(archive, zip_uint64_t(zip_name_locate(archive, (array.name + ".npy").c_str(), 0)),
                                 ZIP_CM_STORE, 0);
    }
    if (zip_close(archive) != 0) {
        const std::string reason = zip_strerror(archive);
        zip_discard(archive);
        std::remove(temporary.c_str());
        throw Error(path + ": writing failed (" + reason + ")");
    }
    std::filesystem::rename(temporary, path);
}

void writeFileAtomically(const std::string& path, const std::string& contents) {
    const std::string temporary = temporaryPathFor(path);
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(path + ": cannot write the file");
        out << contents;
        if (!out.flush()) {
            std::remove(temporary.c_str());
            throw Error(path + ": writing failed");
        }
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        std::remove(temporary.c_str());
        throw Error(path + ": cannot move the written file into place (" + ec.message() + ")");
    }
}

}  // namespace eigenscope::io
