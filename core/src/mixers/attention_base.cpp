#include "mixers/attention_base.h"

#include "eigenscope/error.h"

#include <cmath>

namespace eigenscope::mixers {

std::vector<OptionSpec> attentionOptions() {
    return {intOption("num_heads", 1, 1, 1024, "attention heads"),
            intOption("state_dim", 0, 0, 1 << 16, "total q/k width over all heads (0: d_model)"),
            intOption("conv_kernel", 0, 0, 64, "short causal depthwise conv kernel, 0 for none (dim_conv)"),
            choiceOption("conv_type", "full", {"full", "partial"}, "convolve [q|k|v] (full) or [q|k] (partial)")};
}

void checkAttentionSizes(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    const int64_t heads = optInt(o, "num_heads");
    const int64_t qk = optInt(o, "state_dim") > 0 ? optInt(o, "state_dim") : spec.dModel;
    if (spec.dModel % heads != 0)
        throw Error(where + ".num_heads: " + std::to_string(heads) + " does not divide d_model=" +
                    std::to_string(spec.dModel));
    if (qk % heads != 0)
        throw Error(where + ".num_heads: " + std::to_string(heads) + " does not divide state_dim=" +
                    std::to_string(qk));
}

MhaBaseImpl::MhaBaseImpl(int64_t dModel, const nlohmann::json& o)
    : dModel_(dModel),
      heads_(optInt(o, "num_heads")),
      qkDim_(optInt(o, "state_dim") > 0 ? optInt(o, "state_dim") : dModel),
      headDim_(qkDim_ / heads_),
      vDim_(dModel / heads_),
      convKernel_(optInt(o, "conv_kernel")),
      convType_(optString(o, "conv_type")) {
    Wqkv = register_module("Wqkv", torch::nn::Linear(dModel, 2 * qkDim_ + dModel));
    out_proj = register_module("out_proj", torch::nn::Linear(dModel, dModel));
    if (convKernel_ > 0)
        conv1d = register_module(
            "conv1d", makeCausalConv(convType_ == "full" ? 2 * qkDim_ + dModel : 2 * qkDim_, convKernel_));
}

HeadStreams MhaBaseImpl::project(const torch::Tensor& u) {
    auto qkv = Wqkv->forward(u);  // [q (qk) | k (qk) | v (d)]
    if (convKernel_ > 0) {
        if (convType_ == "full") {
            qkv = torch::silu(causalConv(conv1d, qkv));
        } else {
            auto qk = torch::silu(causalConv(conv1d, qkv.narrow(2, 0, 2 * qkDim_)));
            qkv = torch::cat({qk, qkv.narrow(2, 2 * qkDim_, dModel_)}, 2);
        }
    }
    return {splitHeads(qkv.narrow(2, 0, qkDim_), heads_), splitHeads(qkv.narrow(2, qkDim_, qkDim_), heads_),
            splitHeads(qkv.narrow(2, 2 * qkDim_, dModel_), heads_)};
}

HeadStreams MhaBaseImpl::projectWithoutConv(const torch::Tensor& x, bool withValues) {
    const int64_t rows = withValues ? 2 * qkDim_ + dModel_ : 2 * qkDim_;
    const auto qkv = torch::nn::functional::linear(x, Wqkv->weight.narrow(0, 0, rows), Wqkv->bias.narrow(0, 0, rows));
    return {splitHeads(qkv.narrow(2, 0, qkDim_), heads_), splitHeads(qkv.narrow(2, qkDim_, qkDim_), heads_),
            withValues ? splitHeads(qkv.narrow(2, 2 * qkDim_, dModel_), heads_) : torch::Tensor()};
}

torch::Tensor MhaBaseImpl::output(const torch::Tensor& heads) { return out_proj->forward(mergeHeads(heads)); }

std::string MhaBaseImpl::shape() const {
    std::string text = "heads " + std::to_string(heads_) + ", head_dim " + std::to_string(headDim_);
    if (convKernel_ > 0) text += ", conv " + std::to_string(convKernel_) + " " + convType_;
    return text;
}

torch::Tensor scalarTransferNorms(const torch::Tensor& weights, const torch::Tensor& sourceIndex, int64_t vDim) {
    const int64_t T = weights.size(2);
    return weights.transpose(-1, -2).masked_fill(beforeSourceMask(sourceIndex, T), 0.0).abs() * std::sqrt(double(vDim));
}

torch::Tensor kronInputMatrix(const torch::Tensor& features, int64_t vDim) {
    const auto f = features.permute({0, 2, 1, 3});  // (B, T, H, F)
    const auto eye = torch::eye(vDim, features.options());
    // [(i, c'), c] = f_i δ(c', c)
    return (f.unsqueeze(-1).unsqueeze(-1) * eye.view({1, 1, 1, 1, vDim, vDim}))
        .reshape({f.size(0), f.size(1), f.size(2), f.size(3) * vDim, vDim});
}

dsf::Realization keyValueRealization(const torch::Tensor& lambda, bool diagonal, const torch::Tensor& q,
                                     const torch::Tensor& k, const torch::Tensor& v,
                                     std::function<torch::Tensor(const torch::Tensor&)> readout) {
    const auto ctype = complexTypeOf(v.scalar_type());
    const int64_t vDim = v.size(3);
    dsf::Realization r;
    r.diagonal = diagonal;
    r.lambda = lambda.to(ctype);
    r.input = v.permute({0, 2, 1, 3}).to(ctype);
    r.B = kronInputMatrix(k, vDim).to(ctype);
    r.C = kronOutputMatrix(q, vDim).to(ctype);
    r.D = torch::zeros({1, 1, 1, vDim, vDim}, v.options().dtype(ctype));
    r.readout = [readout](const torch::Tensor& y) { return readout(y.permute({0, 2, 1, 3})); };
    return r;
}

torch::Tensor kronOutputMatrix(const torch::Tensor& features, int64_t vDim) {
    return kronInputMatrix(features, vDim).transpose(-1, -2);
}

}  // namespace eigenscope::mixers
