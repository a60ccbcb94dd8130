#include "eigenscope/runtime.h"

#include <malloc.h>
#include <torch/cuda.h>

namespace eigenscope {

void tuneAllocator() {
    constexpr int kMiB = 1 << 20;
    mallopt(M_MMAP_THRESHOLD, 32 * kMiB);  // glibc's largest allowed value on 64-bit
    mallopt(M_TRIM_THRESHOLD, 1024 * kMiB);
    mallopt(M_TOP_PAD, 64 * kMiB);
}

bool cudaAvailable() { return torch::cuda::is_available(); }

}  // namespace eigenscope
