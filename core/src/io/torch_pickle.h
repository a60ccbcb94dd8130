// The state dicts inside torch.save files (.pt, .pth, .bin): a zip archive with data.pkl and data/N storages.
// A small pickle interpreter of our own reads what torch.save emits for state dicts (dicts incl.
// collections.OrderedDict, tuples, lists, strings, numbers, bools, None, _rebuild_tensor_v2 and
// _rebuild_parameter, persistent storage ids with dtype, offset and strides, storages saved on cuda:N). It never
// imports or calls anything a pickle names: any other global is an "unsupported pickle content" error.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace eigenscope::io {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct TorchStateDict {
    NamedTensors tensors;            // in the pickle's order, on the CPU
    std::vector<std::string> notes;  // e.g. "storages saved on cuda:0 were loaded on the CPU"
};

TorchStateDict readTorchSave(const std::string& path);

// The interpreter alone: `storage(key)` returns the bytes of data/<key>. For tests and the fuzzer.
TorchStateDict unpickleStateDict(const std::string& pickle, const std::function<std::string(const std::string&)>& storage,
                                 const std::string& origin);

}  // namespace eigenscope::io
