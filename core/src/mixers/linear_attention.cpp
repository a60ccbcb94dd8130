#include "mixers/linear_attention.h"

#include "mixers/softmax_attention.h"

namespace eigenscope::mixers {

namespace {

torch::Tensor featureMap(const torch::Tensor& x) { return torch::elu(x) + 1.0; }

}  // namespace

LinearAttentionImpl::LinearAttentionImpl(const ModelSpec& spec, const nlohmann::json& options)
    : MhaBaseImpl(spec.dModel, options) {}

torch::Tensor LinearAttentionImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    auto s = project(u);
    const auto q = featureMap(s.q), k = featureMap(s.k);
    const auto eta = (q * k.cumsum(2)).sum(-1);  // η_t = φ(q_t)·Σ_{j≤t} φ(k_j), (B, H, T)
    if (trace) *trace = ratioTrace(eta.log(), headDim_ * vDim_);
    return output(chunkedDecayAttention(q, k, s.v, torch::Tensor()) / eta.unsqueeze(-1));
}

dsf::Realization LinearAttentionImpl::realize(const torch::Tensor& u) {
    auto s = project(u);
    const int64_t batch = u.size(0), T = u.size(1);
    const auto q = featureMap(s.q), k = featureMap(s.k);
    const auto eta = (q * k.cumsum(2)).sum(-1);  // (B, H, T), directly from the definition
    auto ratio = torch::zeros_like(eta);
    ratio.narrow(2, 1, T - 1).copy_(eta.narrow(2, 0, T - 1) / eta.narrow(2, 1, T - 1));
    const auto lambda = ratio.permute({0, 2, 1}).unsqueeze(-1).expand({batch, T, heads_, headDim_ * vDim_});
    return keyValueRealization(lambda, true, q, k / eta.unsqueeze(-1), s.v, [this](const torch::Tensor& o) { return output(o); });
}

dsf::TransitionTrace LinearAttentionImpl::paperTrace(const torch::Tensor& x) {
    // analysis/eval_eig.py get_eig_att_linear: the same normalizer from the block output, no conv; a zero
    // normalizer is replaced by 2e-23.
    const auto s = projectWithoutConv(x, false);
    auto eta = (featureMap(s.q) * featureMap(s.k).cumsum(2)).sum(-1);
    eta = torch::where(eta == 0, torch::full_like(eta, 2e-23), eta);
    return ratioTrace(eta.log(), headDim_ * vDim_);
}

torch::Tensor LinearAttentionImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // Φ(t, s) = (φ(q_t)·φ(k_s)/η_t)·I.
    auto s = project(u);
    const auto q = featureMap(s.q), k = featureMap(s.k);
    const auto index = sourceIndex(sources, u.size(1), u.device());
    const auto eta = (q * k.cumsum(2)).sum(-1);
    const auto weights = torch::matmul(q, k.index_select(2, index).transpose(-1, -2)) / eta.unsqueeze(-1);
    return scalarTransferNorms(weights, index, vDim_);
}

}  // namespace eigenscope::mixers
