// libFuzzer target: the pickle interpreter of torch.save state dicts on arbitrary data.pkl bytes. Every storage
// the pickle names holds 4096 bytes, so tensors whose storage is that large are rebuilt too.
#include "eigenscope/error.h"
#include "io/torch_pickle.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string pickle(reinterpret_cast<const char*>(data), size);
    const auto storage = [](const std::string&) { return std::string(4096, '\x3f'); };
    try {
        eigenscope::io::unpickleStateDict(pickle, storage, "fuzz");
    } catch (const eigenscope::Error&) {
    }
    return 0;
}
