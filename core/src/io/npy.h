// NumPy .npy files (format versions 1–3) and .npz archives: read into tensors, write from plain arrays.
#pragma once

#include <torch/torch.h>

#include <complex>
#include <map>
#include <cstdint>
#include <string>
#include <vector>

namespace eigenscope::io {

// Reads a C-ordered array of dtype bool, int8–int64, uint8, float16/32/64 or complex64/128 (little-endian).
// Errors name the file and the problem.
torch::Tensor readNpy(const std::string& path);
torch::Tensor parseNpy(const std::string& bytes, const std::string& origin);

// One array of an .npz archive: a name (without ".npy") and the serialized .npy bytes.
struct NpyArray {
    std::string name;
    std::string bytes;
};

NpyArray npyArray(const std::string& name, const std::vector<double>& data, const std::vector<int64_t>& shape);
NpyArray npyArray(const std::string& name, const std::vector<int64_t>& data, const std::vector<int64_t>& shape);
NpyArray npyArray(const std::string& name, const std::vector<std::complex<double>>& data,
                  const std::vector<int64_t>& shape);

// UTF-8 strings as a 1-D NumPy unicode array (<Un, UTF-32, n the longest); parseNpy reads such an array back as
// int32 code units of shape (…, n).
NpyArray npyStrings(const std::string& name, const std::vector<std::string>& utf8);

// Bytes (e.g. UTF-8 text) as a 1-D uint8 array.
NpyArray npyBytes(const std::string& name, const std::string& bytes);

// Every .npy array of an .npz archive by name (without ".npy"); errors name the archive and the entry.
std::map<std::string, torch::Tensor> readNpz(const std::string& path);

// Writes an uncompressed .npz (a zip of .npy files), atomically: a temporary file renamed into place.
void writeNpz(const std::string& path, const std::vector<NpyArray>& arrays);

// Writes text to a file atomically.
void writeFileAtomically(const std::string& path, const std::string& contents);

}  // namespace eigenscope::io
