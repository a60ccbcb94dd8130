// The program's std::filesystem is libstdc++'s, not a copy exported by a library linked before it (LibTorch >= 2.5
// exports one; core/CMakeLists.txt names libstdc++ first). A decoy library (tests/support/filesystem_decoy.cpp)
// stands where LibTorch stands in the link order, so this fails on Debian's LibTorch too if the order is lost.
#include <dlfcn.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace eigenscope {
namespace {

std::string definingLibrary(const char* symbol) {
    void* address = dlsym(RTLD_DEFAULT, symbol);
    Dl_info info{};
    if (!address || !dladdr(address, &info) || !info.dli_fname) return "(not found)";
    return info.dli_fname;
}

TEST(StdlibBinding, FilesystemCallsReachLibstdcxx) {
    namespace fs = std::filesystem;
    const fs::path root = fs::temp_directory_path() / ("eigenscope-binding-" + std::to_string(::getpid()));
    fs::create_directories(root / "a" / "b");
    int deepest = -1;
    for (fs::recursive_directory_iterator it(root), end; it != end; ++it) deepest = std::max(deepest, it.depth());
    fs::remove_all(root);
    EXPECT_EQ(deepest, 1) << "recursive_directory_iterator::depth() came from a library other than libstdc++";
}

TEST(StdlibBinding, FilesystemSymbolsResolveToLibstdcxx) {
    // depth() is the decoy's; _M_split_cmpts runs in every path constructor and is among LibTorch's exports.
    for (const char* symbol : {"_ZNKSt10filesystem7__cxx1128recursive_directory_iterator5depthEv",
                               "_ZNSt10filesystem7__cxx114path14_M_split_cmptsEv"}) {
        const std::string library = definingLibrary(symbol);
        EXPECT_NE(library.find("libstdc++"), std::string::npos) << symbol << " resolves to " << library;
    }
}

}  // namespace
}  // namespace eigenscope
