#include "mixers/mixer.h"

namespace eigenscope {

dsf::TransitionTrace MixerImpl::paperTrace(const torch::Tensor& x) {
    dsf::TransitionTrace trace;
    forwardWithTrace(x, trace);
    return trace;
}

torch::Tensor MixerImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    return dsf::transferNorms(realize(u), sources).to(u.dtype());
}

}  // namespace eigenscope
