#include "mixers/softmax_attention.h"

#include <cmath>

namespace eigenscope::mixers {

SoftmaxAttentionImpl::SoftmaxAttentionImpl(const ModelSpec& spec, const nlohmann::json& options)
    : MhaBaseImpl(spec.dModel, options) {}

torch::Tensor SoftmaxAttentionImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    auto s = project(u);
    const auto streamed = streamingSoftmax(s.q * (1.0 / std::sqrt(double(headDim_))), s.k, s.v, 256, trace != nullptr);
    if (trace) *trace = ratioTrace(streamed.logNormalizer, u.size(1) * vDim_);  // the normalizer forward divided by
    return output(streamed.output);
}

dsf::Realization SoftmaxAttentionImpl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    return softmaxRealization(s.q * (1.0 / std::sqrt(double(headDim_))), s.k, s.v, 0,
                              [this](const torch::Tensor& heads) { return output(heads); });
}

dsf::Realization softmaxRealization(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t window,
                                    std::function<torch::Tensor(const torch::Tensor&)> readout) {
    const int64_t batch = q.size(0), heads = q.size(1), T = q.size(2), vDim = v.size(3);
    const auto ctype = complexTypeOf(q.scalar_type());
    const auto scores = torch::matmul(q, k.transpose(-1, -2)).masked_fill(hiddenKeys(T, window, q.device()), -INFINITY);
    const auto logEta = scores.logsumexp(-1);  // (B, H, T)

    // State h_t[j] = v_j / η_t for the keys j ≤ t: Λ_t = η_{t-1}/η_t, B_t = e_t ⊗ I / η_t, C_t[j] = exp(s_tj),
    // which is 0 for a key outside the window.
    auto ratio = torch::zeros_like(logEta);
    ratio.narrow(2, 1, T - 1).copy_((logEta.narrow(2, 0, T - 1) - logEta.narrow(2, 1, T - 1)).exp());
    const int64_t n = T * vDim;
    dsf::Realization r;
    r.lambda = ratio.permute({0, 2, 1}).unsqueeze(-1).expand({batch, T, heads, n}).to(ctype);
    r.input = v.permute({0, 2, 1, 3}).to(ctype);
    const auto keySlots = kronInputMatrix(torch::eye(T, q.options()).unsqueeze(0).unsqueeze(0), vDim);
    r.B = (keySlots * (-logEta).exp().permute({0, 2, 1}).unsqueeze(-1).unsqueeze(-1)).to(ctype);
    r.C = kronOutputMatrix(scores.exp(), vDim).to(ctype);
    r.D = torch::zeros({1, 1, 1, vDim, vDim}, q.options().dtype(ctype));
    r.readout = [readout, batch, heads, T, vDim](const torch::Tensor& y) {  // (B, T, H·v_dim) → heads (B, H, T, v_dim)
        return readout(y.reshape({batch, T, heads, vDim}).permute({0, 2, 1, 3}));
    };
    return r;
}

dsf::TransitionTrace SoftmaxAttentionImpl::paperTrace(const torch::Tensor& x) {
    // analysis/eval_eig.py get_eig_att_softmax: unscaled scores, future entries multiplied by 0 (so the row
    // maximum m_t includes those zeros and each adds exp(0) = 1 to the row-normalized sum ν_t), and
    // λ_t = ν_{t-1}/ν_t · exp(m_{t-1} − m_t).
    // Streamed: m_t = max(max_{j≤t} s_tj, 0) while masked zeros remain (t < T−1), and
    // ν_t = exp(logsumexp_{j≤t} s_tj − m_t) + (T−1−t).
    const auto s = projectWithoutConv(x, false);
    return zeroMaskedTrace(s.q, s.k, x.size(1) * vDim_);
}

dsf::TransitionTrace zeroMaskedTrace(const torch::Tensor& q, const torch::Tensor& k, int64_t multiplicity, int64_t window) {
    const int64_t T = q.size(2);
    const auto streamed = streamingSoftmax(q, k, torch::Tensor(), 256, true, window);
    const auto causalMax = streamed.rowMax.to(torch::kFloat64);
    const auto hasMaskedZeros = torch::arange(T, causalMax.options()) < double(T - 1);
    const auto rowMax = torch::where(hasMaskedZeros, causalMax.clamp_min(0.0), causalMax);
    const auto zeros = double(T - 1) - torch::arange(T, causalMax.options());
    const auto nu = (streamed.logNormalizer.to(torch::kFloat64) - rowMax).exp() + zeros;
    const auto logRatio = (nu.narrow(2, 0, T - 1) / nu.narrow(2, 1, T - 1)).log() + rowMax.narrow(2, 0, T - 1) -
                          rowMax.narrow(2, 1, T - 1);
    return logRatioTrace(logRatio.to(q.scalar_type()), multiplicity);
}

torch::Tensor SoftmaxAttentionImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    const auto s = project(u);
    return softmaxTransferNorms(s.q * (1.0 / std::sqrt(double(headDim_))), s.k, sources, vDim_, 0);
}

torch::Tensor softmaxTransferNorms(const torch::Tensor& q, const torch::Tensor& k, const std::vector<int64_t>& sources,
                                   int64_t vDim, int64_t window) {
    // Φ(t, s) = (exp(q_t·k_s)/η_t)·I: the attention weight, 0 once s has left the window.
    const int64_t T = q.size(2);
    const auto index = sourceIndex(sources, T, q.device());
    const auto logEta = streamingLogNormalizer(q, k, 256, window);
    auto weights = (torch::matmul(q, k.index_select(2, index).transpose(-1, -2)) - logEta.unsqueeze(-1)).exp();
    if (window > 0) weights = weights.masked_fill(hiddenKeys(T, window, q.device()).index_select(1, index), 0.0);
    return scalarTransferNorms(weights, index, vDim);
}

torch::Tensor streamingLogNormalizer(const torch::Tensor& q, const torch::Tensor& k, int64_t block, int64_t window) {
    return streamingSoftmax(q, k, torch::Tensor(), block, true, window).logNormalizer;
}

namespace {

// True where a lag t − j hides key j from query t: the future, and with a window the lags ≥ window.
torch::Tensor hiddenLag(const torch::Tensor& lag, int64_t window) { return window > 0 ? (lag < 0) | (lag >= window) : lag < 0; }

}  // namespace

torch::Tensor hiddenKeys(int64_t T, int64_t window, const torch::Device& device) {
    const auto position = torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(device));
    return hiddenLag(position.unsqueeze(1) - position.unsqueeze(0), window);
}

StreamedSoftmax streamingSoftmax(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t block,
                                 bool statistics, int64_t window) {
    const int64_t T = q.size(2);
    if (torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || (v.defined() && v.requires_grad()))) {
        // Training: the full score matrix and one softmax, without the streamed in-place updates that autograd
        // cannot differentiate through. The row statistics are for traces only: not differentiated, and
        // skipped when the caller needs only the output.
        const auto scores = torch::matmul(q, k.transpose(-1, -2)).masked_fill(hiddenKeys(T, window, q.device()), -INFINITY);
        StreamedSoftmax result;
        if (v.defined()) result.output = torch::matmul(torch::softmax(scores, -1), v);
        if (statistics || !v.defined()) {
            torch::NoGradGuard noGrad;
            result.logNormalizer = scores.logsumexp(-1);
            result.rowMax = std::get<0>(scores.max(-1));
        }
        return result;
    }
    auto runningMax = torch::full({q.size(0), q.size(1), T}, -INFINITY, q.options());
    auto runningSum = torch::zeros({q.size(0), q.size(1), T}, q.options());
    auto out = v.defined() ? torch::zeros({q.size(0), q.size(1), T, v.size(3)}, v.options()) : torch::Tensor();
    const auto positions = torch::arange(T, q.options().dtype(torch::kLong));
    for (int64_t start = 0; start < T; start += block) {
        const int64_t len = std::min(block, T - start);
        // Only queries t ≥ start see this key block, and with a window only those before start + len − 1 + window.
        const int64_t rowCount = window > 0 ? std::min(T - start, len - 1 + window) : T - start;
        const auto rows = q.narrow(2, start, rowCount);
        auto scores = torch::matmul(rows, k.narrow(2, start, len).transpose(-1, -2));  // (B, H, rowCount, len)
        const auto lag = positions.narrow(0, start, rowCount).unsqueeze(1) - positions.narrow(0, start, len).unsqueeze(0);
        scores = scores.masked_fill(hiddenLag(lag, window), -INFINITY);
        auto maxSlice = runningMax.narrow(2, start, rowCount);
        auto sumSlice = runningSum.narrow(2, start, rowCount);
        const auto newMax = torch::maximum(maxSlice, std::get<0>(scores.max(-1)));
        // A row that has seen no key yet (a window) keeps −∞; shift it by 0 so that no −∞ − (−∞) appears.
        const auto shift = window > 0 ? newMax.masked_fill(torch::isinf(newMax), 0.0) : newMax;
        const auto rescale = (maxSlice - shift).exp();
        const auto weights = (scores - shift.unsqueeze(-1)).exp();
        sumSlice.copy_(sumSlice * rescale + weights.sum(-1));
        maxSlice.copy_(newMax);
        if (out.defined()) {
            auto outSlice = out.narrow(2, start, rowCount);
            outSlice.copy_(outSlice * rescale.unsqueeze(-1) + torch::matmul(weights, v.narrow(2, start, len)));
        }
    }
    if (out.defined()) out = out / runningSum.unsqueeze(-1);
    return {out, runningMax + runningSum.log(), runningMax};
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
