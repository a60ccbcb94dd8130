#include "mixers/softmax_attention.h"

#include <cmath>

namespace eigenscope::mixers {

SoftmaxAttentionImpl::SoftmaxAttentionImpl(const ModelSpec& spec, const nlohmann::json& options)
    : MhaBaseImpl(spec.dModel, options) {}

torch::Tensor SoftmaxAttentionImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    auto s = project(u);
    const auto q = s.q * (1.0 / std::sqrt(double(headDim_)));
    const int64_t T = u.size(1);
    const auto future = torch::ones({T, T}, u.options().dtype(torch::kBool)).triu(1);
    const auto weights = torch::matmul(q, s.k.transpose(-1, -2)).masked_fill(future, -INFINITY).softmax(-1);
    if (trace) *trace = ratioTrace(streamingLogNormalizer(q, s.k), T * vDim_);
    return output(torch::matmul(weights, s.v));
}

dsf::Realization SoftmaxAttentionImpl::realize(const torch::Tensor& u) {
    auto s = project(u);
    const int64_t batch = u.size(0), T = u.size(1);
    const auto ctype = complexTypeOf(u.scalar_type());
    const auto q = s.q * (1.0 / std::sqrt(double(headDim_)));
    const auto future = torch::ones({T, T}, u.options().dtype(torch::kBool)).triu(1);
    const auto scores = torch::matmul(q, s.k.transpose(-1, -2)).masked_fill(future, -INFINITY);  // (B,H,T,T)
    const auto logEta = scores.logsumexp(-1);                                                      // (B,H,T)

    // State h_t[j] = v_j / η_t for the keys j ≤ t: Λ_t = η_{t-1}/η_t, B_t = e_t ⊗ I / η_t, C_t[j] = exp(s_tj).
    auto ratio = torch::zeros_like(logEta);
    ratio.narrow(2, 1, T - 1).copy_((logEta.narrow(2, 0, T - 1) - logEta.narrow(2, 1, T - 1)).exp());
    const int64_t n = T * vDim_;
    dsf::Realization r;
    r.lambda = ratio.permute({0, 2, 1}).unsqueeze(-1).expand({batch, T, heads_, n}).to(ctype);
    r.input = s.v.permute({0, 2, 1, 3}).to(ctype);
    const auto keySlots = kronInputMatrix(torch::eye(T, u.options()).unsqueeze(0).unsqueeze(0), vDim_);
    r.B = (keySlots * (-logEta).exp().permute({0, 2, 1}).unsqueeze(-1).unsqueeze(-1)).to(ctype);
    r.C = kronOutputMatrix(scores.exp(), vDim_).to(ctype);
    r.D = torch::zeros({1, 1, 1, vDim_, vDim_}, u.options().dtype(ctype));
    r.readout = [this, batch, T](const torch::Tensor& y) {
        return out_proj->forward(y.reshape({batch, T, heads_ * vDim_}));
    };
    return r;
}

dsf::TransitionTrace SoftmaxAttentionImpl::paperTrace(const torch::Tensor& x) {
    // analysis/eval_eig.py get_eig_att_softmax: unscaled scores, future entries multiplied by 0 (so the row
    // maximum m_t includes those zeros and each adds exp(0) = 1 to the row-normalized sum ν_t), and
    // λ_t = ν_{t-1}/ν_t · exp(m_{t-1} − m_t).
    const auto s = projectWithoutConv(x);
    const int64_t T = x.size(1);
    const auto past = torch::ones({T, T}, x.options().dtype(torch::kBool)).tril();
    const auto scores = torch::matmul(s.q, s.k.transpose(-1, -2)) * past;         // (B, H, T, T)
    const auto rowMax = std::get<0>(scores.max(-1));                               // (B, H, T)
    const auto normalized = (scores - rowMax.unsqueeze(-1) * past).exp();           // future entries: exp(0)
    const auto nu = normalized.sum(-1);
    const auto logRatio = (nu.narrow(2, 0, T - 1) / nu.narrow(2, 1, T - 1)).log() + rowMax.narrow(2, 0, T - 1) -
                          rowMax.narrow(2, 1, T - 1);
    return logRatioTrace(logRatio, T * vDim_);
}

torch::Tensor SoftmaxAttentionImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // Φ(t, s) = (exp(q_t·k_s/√d)/η_t)·I: the attention weight.
    auto s = project(u);
    const auto q = s.q * (1.0 / std::sqrt(double(headDim_)));
    const auto index = sourceIndex(sources, u.size(1), u.device());
    const auto logEta = streamingLogNormalizer(q, s.k);
    const auto weights = (torch::matmul(q, s.k.index_select(2, index).transpose(-1, -2)) - logEta.unsqueeze(-1)).exp();
    return scalarTransferNorms(weights, index, vDim_);
}

torch::Tensor streamingLogNormalizer(const torch::Tensor& q, const torch::Tensor& k, int64_t block) {
    const int64_t T = q.size(2);
    auto runningMax = torch::full({q.size(0), q.size(1), T}, -INFINITY, q.options());
    auto runningSum = torch::zeros({q.size(0), q.size(1), T}, q.options());
    const auto positions = torch::arange(T, q.options().dtype(torch::kLong));
    for (int64_t start = 0; start < T; start += block) {
        const int64_t len = std::min(block, T - start);
        // Only queries t ≥ start see this key block.
        const auto rows = q.narrow(2, start, T - start);
        auto scores = torch::matmul(rows, k.narrow(2, start, len).transpose(-1, -2));  // (B, H, T-start, len)
        const auto future = positions.narrow(0, start, len).unsqueeze(0) >
                            positions.narrow(0, start, T - start).unsqueeze(1);
        scores = scores.masked_fill(future, -INFINITY);
        auto maxSlice = runningMax.narrow(2, start, T - start);
        auto sumSlice = runningSum.narrow(2, start, T - start);
        const auto newMax = torch::maximum(maxSlice, std::get<0>(scores.max(-1)));
        const auto newSum = sumSlice * (maxSlice - newMax).exp() + (scores - newMax.unsqueeze(-1)).exp().sum(-1);
        maxSlice.copy_(newMax);
        sumSlice.copy_(newSum);
    }
    return runningMax + runningSum.log();
}

dsf::TransitionTrace ratioTrace(const torch::Tensor& logNormalizer, int64_t multiplicity) {
    const int64_t T = logNormalizer.size(2);
    return logRatioTrace(logNormalizer.narrow(2, 0, T - 1) - logNormalizer.narrow(2, 1, T - 1), multiplicity);
}

dsf::TransitionTrace logRatioTrace(const torch::Tensor& logRatio, int64_t multiplicity) {
    dsf::TransitionTrace trace;
    trace.eig = logRatio.exp().permute({0, 2, 1}).unsqueeze(-1).to(complexTypeOf(logRatio.scalar_type()));
    trace.multiplicity = {multiplicity};
    trace.firstStep = 1;
    return trace;
}

}  // namespace eigenscope::mixers
