// Process-wide settings that make CPU tensor work fast. Call once at the start of main().
#pragma once

namespace eigenscope {

// Keeps freed tensor memory in the heap instead of returning it to the kernel after every op: LibTorch's
// large temporaries otherwise cost a page fault per page on each forward pass (measured 2–10× slower
// forwards on the CPU presets, bench/RESULTS.md).
void tuneAllocator();

// Whether the LibTorch in use was built with CUDA and sees a device (the GUI's device selector).
bool cudaAvailable();

}  // namespace eigenscope
