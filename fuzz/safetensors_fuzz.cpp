// libFuzzer target: the safetensors header parser and tensor decoder on arbitrary bytes.
#include "eigenscope/error.h"
#include "io/safetensors.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto header = eigenscope::io::parseSafetensors(data, size, "fuzz");
        for (const auto& entry : header.tensors) eigenscope::io::decodeTensor(data + header.dataOffset, entry, "fuzz");
    } catch (const eigenscope::Error&) {
    }
    return 0;
}
