// The reference paper code's YAML configs.
#pragma once

#include "eigenscope/model_spec.h"

#include <string>

namespace eigenscope::io {

// The spec a paper YAML config describes (its model section, seed and sequence length).
ModelSpec paperSpecFromYaml(const std::string& path);

}  // namespace eigenscope::io
