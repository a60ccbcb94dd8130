// The models the analysis worker runs, keyed by where their weights come from (a spec, or a file) and whether the
// freshly initialized twin is meant; the least recently used goes first when more than kCapacity are kept. Used on
// the analysis worker's thread only, except adopt(): a model opened by the file worker is handed over so it is not
// read twice.
#pragma once

#include "eigenscope/model.h"

#include <QString>

#include <list>
#include <map>
#include <mutex>
#include <string>

namespace eigenscope::ui {

class ModelCache {
public:
    static constexpr size_t kCapacity = 4;  // the current model, its init, and what undo or a preset switch returns to

    // `file` empty: built from `spec`. Kept on `device`.
    Model get(const ModelSpec& spec, const QString& file, const QString& config, bool init, const std::string& device);
    void adopt(const QString& file, Model model);

private:
    std::list<std::pair<std::string, Model>> models_;  // most recently used last; worker thread only
    std::mutex adoptedMutex_;
    std::map<QString, Model> adopted_;
};

}  // namespace eigenscope::ui
