// A stand-in for LibTorch >= 2.5, whose libtorch_cpu.so exports std::filesystem symbols of its own
// (pytorch/pytorch#133437): this library defines one of them, recursive_directory_iterator::depth(), and returns
// a value no real iterator returns. The test suite links it where LibTorch stands in the link order, so
// stdlib_binding_test.cpp sees the decoy's answer if libstdc++ no longer comes first.
#include <filesystem>

int std::filesystem::recursive_directory_iterator::depth() const noexcept { return -1000; }
