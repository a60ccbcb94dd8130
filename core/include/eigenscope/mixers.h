// The mixer registry as seen from outside the core: keys, one-line summaries and option schemas.
#pragma once

#include "eigenscope/options.h"

#include <string>
#include <vector>

namespace eigenscope {

struct MixerDescription {
    std::string key;
    std::string summary;
    std::vector<OptionSpec> options;
};

std::vector<MixerDescription> listMixers();

}  // namespace eigenscope
