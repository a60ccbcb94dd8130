#include "eigenscope/model_info.h"

#include "model/model_handle.h"
#include "model/sequence_model.h"

#include <map>
#include <sstream>

namespace eigenscope {

namespace {

std::string number(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}

// "layers.3.attention.Wqkv.weight" → "layers.3"; "encoder.word_embeddings.weight" → "encoder".
std::string groupOf(const std::string& name) {
    const auto first = name.find('.');
    if (first == std::string::npos) return name;
    const std::string head = name.substr(0, first);
    if (head != "layers" && head != "blocks") return head;
    const auto second = name.find('.', first + 1);
    return name.substr(0, second);
}

ModelInfo describeModule(const ModelSpec& spec, SequenceModel& model) {
    std::map<std::string, int64_t> counts;
    std::vector<std::string> order;
    for (const auto& item : model->named_parameters()) {
        const std::string group = groupOf(item.key());
        if (!counts.count(group)) order.push_back(group);
        counts[group] += item.value().numel();
    }
    ModelInfo info;
    size_t blockIndex = 0;
    for (const std::string& group : order) {
        ParameterGroup g{group, "", counts[group]};
        if (group.rfind("layers.", 0) == 0 || group.rfind("blocks.", 0) == 0) {
            g.description = model->blocks()[blockIndex++]->describe();
        } else if (group == "encoder") {
            g.description = spec.encoder == "tokens"
                                ? "token embedding " + std::to_string(spec.vocabSize) + " × " + std::to_string(spec.dModel) +
                                      (spec.maxPositions > 0 ? ", " + std::to_string(spec.maxPositions) + " learned positions"
                                                             : "") +
                                      (spec.embedScale != 1.0 ? ", scaled by " + number(spec.embedScale) : "")
                                : spec.encoder + " encoder";
        } else if (group == "decoder") {
            g.description = (spec.head == "lm" ? "LM head → " : spec.pooling + "-pooled classifier → ") +
                            std::to_string(outputWidth(spec)) + (spec.headBias ? " (with bias)" : " (no bias)") +
                            (spec.logitSoftCap > 0 ? ", soft cap " + number(spec.logitSoftCap) : "");
        } else if (group == "norm") {
            g.description = "final " + spec.norm + " norm";
        }
        info.totalParameters += g.parameters;
        info.groups.push_back(g);
    }
    return info;
}

}  // namespace

ModelInfo describeModel(const Model& model) { return describeModule(model.spec(), model.impl->module); }

ModelInfo describeModel(const ModelSpec& spec) {
    auto model = buildModel(spec);
    return describeModule(spec, model);
}

}  // namespace eigenscope
