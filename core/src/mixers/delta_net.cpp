#include "mixers/delta_net.h"

#include "eigenscope/error.h"
#include "mixers/attention_base.h"
#include "mixers/common.h"

#include <cmath>

namespace eigenscope::mixers {

std::vector<OptionSpec> deltaRuleOptions(bool gated) {
    return {intOption("num_heads", gated ? 6 : 4, 1, 1024, "heads"),
            intOption("head_dim", 0, 0, 4096, "key width per head (0: d_model/num_heads)"),
            floatOption("expand_v", gated ? 2.0 : 1.0, 0.125, 8.0, "value width per head = expand_v·head_dim"),
            intOption("conv_size", 4, 0, 64, "short causal conv (with SiLU) on q, k, v; 0 for none"),
            boolOption("allow_neg_eigval", false, "β ∈ (0, 2): the eigenvalue α(1 − β) may be negative"),
            floatOption("norm_eps", 1e-5, 1e-12, 0.1, "ε of the per-head output RMSNorm (fla's norm_eps)")};
}

void checkDeltaRule(const ModelSpec& spec, const nlohmann::json& o, const std::string& where) {
    if (optInt(o, "head_dim") == 0 && spec.dModel % optInt(o, "num_heads") != 0)
        throw Error(where + ".num_heads: " + std::to_string(optInt(o, "num_heads")) + " does not divide d_model=" +
                    std::to_string(spec.dModel));
}

DeltaRuleImpl::DeltaRuleImpl(const ModelSpec& spec, const nlohmann::json& o, bool gated)
    : dModel_(spec.dModel),
      heads_(optInt(o, "num_heads")),
      headK_(optInt(o, "head_dim") > 0 ? optInt(o, "head_dim") : spec.dModel / optInt(o, "num_heads")),
      headV_(std::max<int64_t>(1, int64_t(double(headK_) * optFloat(o, "expand_v")))),
      convKernel_(optInt(o, "conv_size")),
      gated_(gated),
      negativeEigenvalues_(optBool(o, "allow_neg_eigval")),
      normEps_(optFloat(o, "norm_eps")) {
    using torch::nn::Linear, torch::nn::LinearOptions;
    const int64_t keyDim = heads_ * headK_, valueDim = heads_ * headV_;
    q_proj = register_module("q_proj", Linear(LinearOptions(dModel_, keyDim).bias(false)));
    k_proj = register_module("k_proj", Linear(LinearOptions(dModel_, keyDim).bias(false)));
    v_proj = register_module("v_proj", Linear(LinearOptions(dModel_, valueDim).bias(false)));
    b_proj = register_module("b_proj", Linear(LinearOptions(dModel_, heads_).bias(false)));
    if (gated) {
        a_proj = register_module("a_proj", Linear(LinearOptions(dModel_, heads_).bias(false)));
        // gated_deltanet.py: A ~ U(0, 16), A_log = log A; dt_bias = softplus⁻¹(log-uniform dt in [1e-3, 0.1]).
        A_log = register_parameter("A_log", torch::empty({heads_}).uniform_(1e-4, 16.0).log());
        dt_bias = register_parameter("dt_bias", inverseSoftplus(sampleLogUniformDt(heads_, 1e-3, 0.1, 1e-4)).to(torch::kFloat32));
        g_proj = register_module("g_proj", Linear(LinearOptions(dModel_, valueDim).bias(false)));
    }
    if (convKernel_ > 0) {
        // fla's ShortConvolution has no bias.
        q_conv1d = register_module("q_conv1d", makeCausalConv(keyDim, convKernel_, false));
        k_conv1d = register_module("k_conv1d", makeCausalConv(keyDim, convKernel_, false));
        v_conv1d = register_module("v_conv1d", makeCausalConv(valueDim, convKernel_, false));
    }
    o_norm = register_module("o_norm", std::make_shared<torch::nn::Module>());
    normWeight = o_norm->register_parameter("weight", torch::ones({headV_}));
    o_proj = register_module("o_proj", Linear(LinearOptions(valueDim, dModel_).bias(false)));
}

std::string DeltaRuleImpl::describe() const {
    return std::string(gated_ ? "gated_deltanet" : "deltanet") + " (heads " + std::to_string(heads_) + ", d_k " +
           std::to_string(headK_) + ", d_v " + std::to_string(headV_) +
           (convKernel_ > 0 ? ", conv " + std::to_string(convKernel_) : std::string()) +
           (negativeEigenvalues_ ? ", β ∈ (0, 2))" : ")");
}

DeltaRuleImpl::Streams DeltaRuleImpl::project(const torch::Tensor& u) {
    const auto stream = [&](torch::nn::Linear& proj, torch::nn::Conv1d& conv) {
        const auto x = proj->forward(u);
        return torch::silu(convKernel_ > 0 ? causalConv(conv, x) : x);
    };
    Streams s;
    // fla's l2norm (use_qk_l2norm_in_kernel): x·rsqrt(Σx² + 1e-6), so ‖k‖ is just below 1.
    const auto unit = [](const torch::Tensor& x) { return x * torch::rsqrt(x.square().sum(-1, true) + 1e-6); };
    s.q = unit(splitHeads(stream(q_proj, q_conv1d), heads_)) * (1.0 / std::sqrt(double(headK_)));
    s.k = unit(splitHeads(stream(k_proj, k_conv1d), heads_));
    s.v = splitHeads(stream(v_proj, v_conv1d), heads_);
    s.beta = torch::sigmoid(b_proj->forward(u)).transpose(1, 2) * (negativeEigenvalues_ ? 2.0 : 1.0);
    if (gated_) {
        s.logAlpha = (-A_log.exp() * torch::softplus(a_proj->forward(u) + dt_bias)).transpose(1, 2);
        s.g = splitHeads(g_proj->forward(u), heads_);
    } else {
        s.logAlpha = torch::zeros_like(s.beta);
    }
    return s;
}

torch::Tensor DeltaRuleImpl::readout(const torch::Tensor& o, const torch::Tensor& g) {
    // o_norm: RMSNorm per head; gated: FusedRMSNormGated, rmsnorm(o)·weight·SiLU(g).
    auto normed = rmsNorm(o, normWeight, normEps_);
    if (gated_) normed = normed * torch::silu(g);
    return o_proj->forward(mergeHeads(normed));
}

torch::Tensor DeltaRuleImpl::run(const torch::Tensor& u, dsf::TransitionTrace* trace) {
    const auto s = project(u);
    const auto alpha = s.logAlpha.exp();
    if (trace) {
        const auto alongKey = alpha * (1.0 - s.beta * s.k.square().sum(-1));
        trace->eig = torch::stack({alpha, alongKey}, -1).transpose(1, 2).to(complexTypeOf(u.scalar_type()));
        trace->multiplicity = {(headK_ - 1) * headV_, headV_};
        trace->timeInvariant = false;
        trace->firstStep = 0;
    }
    // The delta rule one step at a time: S ← α(S − β k (kᵀS)) + β k vᵀ.
    auto state = torch::zeros({u.size(0), heads_, headK_, headV_}, u.options());
    std::vector<torch::Tensor> outputs;
    for (int64_t t = 0; t < u.size(1); ++t) {
        const auto k = s.k.select(2, t).unsqueeze(-1);                  // (B, H, dk, 1)
        const auto beta = s.beta.select(2, t).unsqueeze(-1).unsqueeze(-1);
        const auto a = alpha.select(2, t).unsqueeze(-1).unsqueeze(-1);
        state = a * (state - beta * k * torch::matmul(k.transpose(-1, -2), state)) +
                beta * k * s.v.select(2, t).unsqueeze(-2);
        outputs.push_back(torch::matmul(s.q.select(2, t).unsqueeze(-2), state).squeeze(-2));
    }
    return readout(torch::stack(outputs, 2), s.g);
}

torch::Tensor DeltaRuleImpl::transferNorms(const torch::Tensor& u, const std::vector<int64_t>& sources) {
    // Φ(t, s) = (q_tᵀ M_t⋯M_{s+1} β_s k_s)·I_dv with M_j = α_j(I − β_j k_j k_jᵀ): one key vector carried from each
    // source instead of the dense (d_k·d_v)² transition.
    const auto s = project(u);
    const int64_t T = u.size(1);
    const auto alpha = s.logAlpha.exp();
    auto weights = torch::zeros({u.size(0), heads_, T, int64_t(sources.size())}, u.options());
    for (size_t i = 0; i < sources.size(); ++i) {
        const int64_t src = sources[i];
        auto carried = s.k.select(2, src) * s.beta.select(2, src).unsqueeze(-1);  // (B, H, dk)
        for (int64_t t = src; t < T; ++t) {
            if (t > src) {
                const auto k = s.k.select(2, t);
                const auto projected = (k * carried).sum(-1, true) * s.beta.select(2, t).unsqueeze(-1);
                carried = alpha.select(2, t).unsqueeze(-1) * (carried - projected * k);
            }
            weights.select(3, int64_t(i)).select(2, t).copy_((s.q.select(2, t) * carried).sum(-1));
        }
    }
    return scalarTransferNorms(weights, sourceIndex(sources, T, u.device()), headV_);
}

dsf::Realization DeltaRuleImpl::realize(const torch::Tensor& u) {
    const auto s = project(u);
    const int64_t batch = u.size(0), T = u.size(1), n = headK_ * headV_;
    // Λ_t = α(I − β k kᵀ) ⊗ I_dv on the state index i·dv + c.
    const auto eyeK = torch::eye(headK_, u.options());
    const auto outer = s.k.unsqueeze(-1) * s.k.unsqueeze(-2);                               // (B, H, T, dk, dk)
    const auto M = s.logAlpha.exp().unsqueeze(-1).unsqueeze(-1) *
                   (eyeK - s.beta.unsqueeze(-1).unsqueeze(-1) * outer);                     // (B, H, T, dk, dk)
    const auto eyeV = torch::eye(headV_, u.options());
    const auto lambda = (M.unsqueeze(-1).unsqueeze(-3) * eyeV.view({1, 1, 1, 1, headV_, 1, headV_}))
                            .reshape({batch, heads_, T, n, n});
    const auto g = s.g;
    return keyValueRealization(lambda.permute({0, 2, 1, 3, 4}), false, s.q, s.k * s.beta.unsqueeze(-1), s.v,
                               [this, g](const torch::Tensor& o) { return readout(o, g); });
}

}  // namespace eigenscope::mixers
