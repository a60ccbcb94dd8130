// A module's parameters and buffers as named tensors: what files store and what loading fills in.
#pragma once

#include "io/torch_pickle.h"
#include "model/sequence_model.h"

#include <string>
#include <vector>

namespace eigenscope {

// The module's parameters and buffers by name, as the native file stores them.
io::NamedTensors moduleTensors(SequenceModel& module);

// Copies `tensors` into the module's parameters and buffers. Every parameter and buffer must be present with its
// shape and no name may be left over; non-finite values are an error unless `allowNonFinite`, when they become
// warnings. `origin` (the file) starts every error message.
void loadTensors(SequenceModel& module, const io::NamedTensors& tensors, const std::string& origin, bool allowNonFinite,
                 std::vector<std::string>& warnings);

}  // namespace eigenscope
