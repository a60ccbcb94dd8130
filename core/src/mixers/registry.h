// The mixer registry: each key maps to its option schema, a structural check and a factory.
#pragma once

#include "eigenscope/model_spec.h"
#include "eigenscope/options.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace eigenscope {

class MixerImpl;

struct MixerEntry {
    std::string key;
    std::string summary;
    std::function<std::vector<OptionSpec>()> options;
    // Checks sizes against the model (heads dividing widths, …); options are already resolved.
    std::function<void(const ModelSpec&, const nlohmann::json&, const std::string& where)> check;
    std::function<std::shared_ptr<MixerImpl>(const ModelSpec&, const nlohmann::json&)> make;
};

const std::vector<MixerEntry>& mixerRegistry();
// Throws eigenscope::Error naming `where` when the key is unknown.
const MixerEntry& findMixer(const std::string& key, const std::string& where);

// Builds a mixer from a block of a validated spec.
std::shared_ptr<MixerImpl> makeMixer(const ModelSpec& spec, const MixerSpec& mixer);

}  // namespace eigenscope
