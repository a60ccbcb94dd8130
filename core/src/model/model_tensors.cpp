#include "model/model_tensors.h"

#include "eigenscope/error.h"
#include "io/safetensors.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace eigenscope {

io::NamedTensors moduleTensors(SequenceModel& module) {
    io::NamedTensors out;
    for (const auto& item : module->named_parameters(true)) out.emplace_back(item.key(), item.value());
    for (const auto& item : module->named_buffers(true)) out.emplace_back(item.key(), item.value());
    return out;
}

void loadTensors(SequenceModel& module, const io::NamedTensors& tensors, const std::string& origin, bool allowNonFinite,
                 std::vector<std::string>& warnings) {
    std::map<std::string, const torch::Tensor*> given;
    for (const auto& [name, tensor] : tensors) {
        if (!given.emplace(name, &tensor).second) throw Error(origin + ": tensor " + name + " appears twice");
    }
    torch::NoGradGuard noGrad;
    const auto vocabulary = module->vocabularyMatrices();
    std::map<const void*, torch::Tensor> halfCopies;
    std::vector<std::string> missing;
    for (auto& [name, target] : moduleTensors(module)) {
        const auto found = given.find(name);
        if (found == given.end()) {
            missing.push_back(name);
            continue;
        }
        const torch::Tensor& source = *found->second;
        if (source.sizes() != target.sizes()) {
            std::ostringstream text;
            text << origin << ": tensor " << name << " has shape " << source.sizes() << ", the model described by the config needs "
                 << target.sizes();
            throw Error(text.str());
        }
        if (std::count(vocabulary.begin(), vocabulary.end(), name)) {
            // A tied head (the embedding's own tensor given twice) shares a half-precision copy; float32 ones stay
            // separate parameters, as the trainer expects.
            const bool half = keepsStoredPrecision(source);
            auto& copy = halfCopies[source.data_ptr()];
            if (!half || !copy.defined() || copy.sizes() != source.sizes())
                copy = torch::empty(target.sizes(), torch::TensorOptions().dtype(half ? source.scalar_type()
                                                                                          : target.scalar_type()))
                           .copy_(source);
            target.set_data(copy);
        } else {
            target.copy_(source);
        }
        io::releaseMappedPages(source);
        if (source.is_floating_point()) {
            // In slices, so that a large tensor needs no temporaries of its size.
            int64_t bad = 0;
            for (const auto& slice : target.reshape(-1).split(int64_t(1) << 20))
                bad += slice.numel() - torch::isfinite(slice).sum().item<int64_t>();
            if (bad > 0) {
                const std::string message = "tensor " + name + " holds " + std::to_string(bad) + " NaN or Inf values";
                if (!allowNonFinite) throw Error(origin + ": " + message);
                warnings.push_back(message);
            }
        }
        given.erase(found);
    }
    if (!missing.empty()) {
        std::string list;
        for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
        if (missing.size() > 5) list += ", … (" + std::to_string(missing.size()) + " in all)";
        throw Error(origin + ": missing tensors for the model described by the config: " + list);
    }
    if (!given.empty()) {
        std::string list;
        size_t i = 0;
        for (const auto& [name, unused] : given) {
            if (i++ == 5) {
                list += ", …";
                break;
            }
            list += (list.empty() ? "" : ", ") + name;
        }
        throw Error(origin + ": tensors the model described by the config does not have: " + list);
    }
}

}  // namespace eigenscope
