#include "io/zip_reader.h"

#include "eigenscope/error.h"

#include <zip.h>

#include <fstream>

namespace eigenscope::io {

ZipReader::ZipReader(const std::string& path, const std::string& what) : path_(path) {
    if (!std::ifstream(path, std::ios::binary)) throw Error(path + ": cannot open");
    int error = 0;
    zip_ = zip_open(path.c_str(), ZIP_RDONLY, &error);
    if (!zip_) throw Error(path + ": not a " + what + " (libzip error " + std::to_string(error) + ")");
    const zip_int64_t count = zip_get_num_entries(zip_, 0);
    for (zip_int64_t i = 0; i < count; ++i)
        if (const char* name = zip_get_name(zip_, zip_uint64_t(i), 0)) entries_[name] = i;
}

ZipReader::~ZipReader() {
    if (zip_) zip_discard(zip_);
}

std::string ZipReader::read(const std::string& name) const {
    const auto found = entries_.find(name);
    if (found == entries_.end()) throw Error(path_ + ": the archive has no entry " + name);
    zip_stat_t stat;
    if (zip_stat_index(zip_, zip_uint64_t(found->second), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
        throw Error(path_ + ": cannot read the archive entry " + name);
    if (stat.size > (uint64_t(1) << 40)) throw Error(path_ + ": the archive entry " + name + " is absurdly large");
    zip_file_t* file = zip_fopen_index(zip_, zip_uint64_t(found->second), 0);
    if (!file) throw Error(path_ + ": cannot open the archive entry " + name + " (" + zip_strerror(zip_) + ")");
    std::string bytes(size_t(stat.size), '\0');
    const zip_int64_t read = stat.size ? zip_fread(file, bytes.data(), stat.size) : 0;
    zip_fclose(file);
    if (read < 0 || uint64_t(read) != stat.size) throw Error(path_ + ": the archive entry " + name + " is truncated or corrupt");
    return bytes;
}

}  // namespace eigenscope::io
