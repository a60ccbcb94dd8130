// Read access to the entries of a zip archive (torch.save files, .npz), with errors that name the file.
#pragma once

#include <map>
#include <string>

struct zip;

namespace eigenscope::io {

class ZipReader {
public:
    // `what` names the expected content in the error when `path` is no zip archive, e.g. "torch.save zip archive".
    ZipReader(const std::string& path, const std::string& what);
    ~ZipReader();
    ZipReader(const ZipReader&) = delete;
    ZipReader& operator=(const ZipReader&) = delete;

    // Entry name → index, in archive order.
    const std::map<std::string, int64_t>& entries() const { return entries_; }
    // The whole entry; errors for missing, absurdly large, truncated or corrupt entries.
    std::string read(const std::string& name) const;

private:
    std::string path_;
    struct zip* zip_ = nullptr;
    std::map<std::string, int64_t> entries_;
};

}  // namespace eigenscope::io
