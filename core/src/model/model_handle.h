// The torch side of eigenscope::Model.
#pragma once

#include "eigenscope/model.h"
#include "model/sequence_model.h"

namespace eigenscope {

struct Model::Impl {
    ModelSpec spec;
    SequenceModel module{nullptr};
    ModelSource source;
};

}  // namespace eigenscope
