#include "mixers/norm_attention.h"

#include "eigenscope/error.h"
#include "mixers/softmax_attention.h"

#include <cmath>

namespace eigenscope::mixers {

std::vector<OptionSpec> NormAttentionImpl::options() {
    auto o = attentionOptions();
    o.push_back(choiceOption("norm_fn", "softplus", {"exp", "elu", "softplus", "sigmoid"},
                             "ν in the normalizer g = exp(−ν(n + offset))"));
    o.push_back(choiceOption("approx_fn", "elu", {"none", "elu"}, "feature map on q and k (elu: elu(x)+1)"));
    o.push_back(boolOption("scale_B", true, "scale k by 1/√head_dim"));
    o.push_back(boolOption("offset", true, "learned per-head offset inside ν"));
    o.push_back(choiceOption("offset_init", "exp", {"exp", "uniform"}, "offset initialization"));
    o.push_back(choiceOption("layout", "seed", {"seed", "dsf"},
                             "seed: the eigenvalue paper's MHNA (Wvqkn); dsf: the DSF paper's MHNA (Wqk, Wv, Wn; "
                             "η = exp(W_n u + b_n), no feature map, scale, offset or conv)"));
    return o;
}

void NormAttentionImpl::check(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    checkAttentionSizes(spec, o, where);
    if (optString(o, "layout") == "dsf" && optInt(o, "conv_kernel") > 0)
        throw Error(where + ".conv_kernel: the DSF layout has no short convolution");
}

torch::Tensor initialOffset(const std::string& kind, int64_t heads) {
    if (kind == "exp") return torch::linspace(4.0, 9.0, heads, torch::kFloat64);
    // "uniform": log(expm1(linspace(0.02, 0.1, H))) min-max scaled to [8, 14]. For H = 1 the reference
    // returns (14 − 8)/2 = 3, not a value in [8, 14] (paper-models.md §3.5); kept for checkpoint fidelity.
    if (heads == 1) return torch::full({1}, 3.0, torch::kFloat64);
    auto x = torch::log(torch::expm1(torch::linspace(0.02, 0.1, heads, torch::kFloat64)));
    x = (x - x.min()) / (x.max() - x.min());
    return 8.0 + x * 6.0;
}

NormAttentionImpl::NormAttentionImpl(const ModelSpec& spec, const nlohmann::json& o)
    : dModel_(spec.dModel),
      heads_(optInt(o, "num_heads")),
      qkDim_(optInt(o, "state_dim") > 0 ? optInt(o, "state_dim") : spec.dModel),
      headDim_(qkDim_ / heads_),
      vDim_(spec.dModel / heads_),
      dsfLayout_(optString(o, "layout") == "dsf"),
      convKernel_(dsfLayout_ ? 0 : optInt(o, "conv_kernel")),
      convType_(optString(o, "conv_type")),
      normFn_(dsfLayout_ ? "identity" : optString(o, "norm_fn")),
      approxFn_(dsfLayout_ ? "none" : optString(o, "approx_fn")),
      scaleB_(!dsfLayout_ && optBool(o, "scale_B")),
      useOffset_(!dsfLayout_ && optBool(o, "offset")) {
    if (dsfLayout_) {
        // The DSF paper's MHNA (dsf-mqar zoology/mixers/attention.py): η_t = exp(W_n u_t + b_n), no feature map.
        Wqk = register_module("Wqk", torch::nn::Linear(dModel_, 2 * qkDim_));
        Wv = register_module("Wv", torch::nn::Linear(dModel_, dModel_));
        Wn = register_module("Wn", torch::nn::Linear(dModel_, heads_));
    } else {
        Wvqkn = register_module("Wvqkn", torch::nn::Linear(dModel_, dModel_ + 2 * qkDim_ + heads_));
    }
    inner_attn = register_module("inner_attn", std::make_shared<torch::nn::Module>());
    if (useOffset_)
        offset = inner_attn->register_parameter("offset",
                                                initialOffset(optString(o, "offset_init"), heads_).to(torch::kFloat32));
    out_proj = register_module("out_proj", torch::nn::Linear(dModel_, dModel_));
    if (convKernel_ > 0)
        conv1d = register_module(
            "conv1d", makeCausalConv(convType_ == "full" ? dModel_ + 2 * qkDim_ : 2 * qkDim_, convKernel_));
}

std::string NormAttentionImpl::describe() const {
    std::string text = std::string(dsfLayout_ ? "norm_attention, DSF layout" : "norm_attention") + " (heads " + std::to_string(heads_) + ", head_dim " + std::to_string(headDim_) +
                       ", ν " + normFn_ + ", features " + approxFn_;
    if (convKernel_ > 0) text += ", conv " + std::to_string(convKernel_) + " " + convType_;
    return text + ")";
}

NormAttentionImpl::Streams NormAttentionImpl::project(const torch::Tensor& u, bool convolve) {
    const auto projected = dsfLayout_ ? torch::cat({Wv->forward(u), Wqk->forward(u), Wn->forward(u)}, 2)
                                      : Wvqkn->forward(u);  // [v (d) | q (qk) | k (qk) | n (H)]
    auto vqk = projected.narrow(2, 0, dModel_ + 2 * qkDim_);
    auto n = projected.narrow(2, dModel_ + 2 * qkDim_, heads_);  // never convolved
    if (convKernel_ > 0 && convolve) {
        if (convType_ == "full") {
            vqk = torch::silu(causalConv(conv1d, vqk));
        } else {
            const auto qk = torch::silu(causalConv(conv1d, vqk.narrow(2, dModel_, 2 * qkDim_)));
            vqk = torch::cat({vqk.narrow(2, 0, dModel_), qk}, 2);
        }
    }
    Streams s;
    s.v = splitHeads(vqk.narrow(2, 0, dModel_), heads_);
    s.q = splitHeads(vqk.narrow(2, dModel_, qkDim_), heads_);
    s.k = splitHeads(vqk.narrow(2, dModel_ + qkDim_, qkDim_), heads_);
    if (approxFn_ == "elu") {
        s.q = torch::elu(s.q) + 1.0;
        s.k = torch::elu(s.k) + 1.0;
    }
    if (scaleB_) s.k = s.k * (1.0 / std::sqrt(double(headDim_)));
    auto x = n.transpose(1, 2);  // (B, H, T)
    if (useOffset_) x = x + offset.to(x.dtype()).view({1, heads_, 1});
    s.logGate = -normalizer(x);
    return s;
}

torch::Tensor NormAttentionImpl::normalizer(const torch::Tensor& x) const {
    if (normFn_ == "exp") return x.exp();
    if (normFn_ == "elu") return torch::elu(x);
    if (normFn_ == "softplus") return torch::softplus(x);
    if (normFn_ == "identity") return x;
    return torch::sigmoid(x);
}

torch::Tensor NormAttentionImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    const auto s = project(u);
    // ratioTrace takes a log normalizer η = 1/g: λ_t = g_t/g_{t-1}.
    if (trace) *trace = ratioTrace(-s.logGate, headDim_ * vDim_);
    const auto y = chunkedDecayAttention(s.q, s.k, s.v, torch::Tensor()) * s.logGate.exp().unsqueeze(-1);
    return out_proj->forward(mergeHeads(y));
}

dsf::Realization NormAttentionImpl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    const int64_t batch = u.size(0), T = u.size(1);
    const auto gate = s.logGate.exp();  // (B, H, T)
    auto ratio = torch::zeros_like(gate);
    ratio.narrow(2, 1, T - 1).copy_((s.logGate.narrow(2, 1, T - 1) - s.logGate.narrow(2, 0, T - 1)).exp());
    const auto lambda = ratio.permute({0, 2, 1}).unsqueeze(-1).expand({batch, T, heads_, headDim_ * vDim_});
    return keyValueRealization(lambda, true, s.q, s.k * gate.unsqueeze(-1), s.v,
                               [this](const torch::Tensor& o) { return out_proj->forward(mergeHeads(o)); });
}

dsf::TransitionTrace NormAttentionImpl::paperTrace(const torch::Tensor& x) {
    // analysis/eval_eig.py get_eig_att_norm: g from the block output; a zero g is replaced by 2e-23.
    const int64_t nStart = dModel_ + 2 * qkDim_;
    auto n = (dsfLayout_ ? Wn->forward(x)
                         : torch::nn::functional::linear(x, Wvqkn->weight.narrow(0, nStart, heads_),
                                                         Wvqkn->bias.narrow(0, nStart, heads_)))
                 .transpose(1, 2);
    if (useOffset_) n = n + offset.to(n.dtype()).view({1, heads_, 1});
    auto gate = (-normalizer(n)).exp();
    gate = torch::where(gate == 0, torch::full_like(gate, 2e-23), gate);
    return ratioTrace(-gate.log(), headDim_ * vDim_);
}

torch::Tensor NormAttentionImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // Φ(t, s) = g_t (q_t·k_s)·I.
    const auto s = project(u);
    const auto index = sourceIndex(sources, u.size(1), u.device());
    const auto weights =
        torch::matmul(s.q, s.k.index_select(2, index).transpose(-1, -2)) * s.logGate.exp().unsqueeze(-1);
    return scalarTransferNorms(weights, index, vDim_);
}

}  // namespace eigenscope::mixers
